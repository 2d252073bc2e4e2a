"""DSO Desktop: a desktop client for the Czech data-box system (ISDS)."""

__version__ = "0.1.0"
APP_NAME = "DSO Desktop"
APP_ID = "dso-desktop"
USER_AGENT = f"DSO-Desktop/{__version__}"
