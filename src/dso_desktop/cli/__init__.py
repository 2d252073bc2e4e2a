"""The `dso` command line: thin commands over the services layer."""
