"""Use cases the GUI and the CLI share: accounts, messages, search, sync, send, ZFO, checks."""
