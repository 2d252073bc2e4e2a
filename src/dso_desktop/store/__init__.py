"""The local archive: SQLite (or another SQL database) holding every message as evidence."""
