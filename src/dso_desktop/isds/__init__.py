"""ISDS protocol client: endpoints, login methods, typed SOAP operations and errors (no Qt)."""
