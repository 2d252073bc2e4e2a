"""Schema revisions, oldest first; never edit a released one, add a new one."""
