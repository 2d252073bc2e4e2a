"""Signed self-update: TUF client, safe staging into versions/<ver>/, launcher state (no Qt)."""

# Keep this module import-free: the launcher imports dso_desktop.update.layout at start-up.
