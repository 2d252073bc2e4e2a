"""Errors of the archive layer."""

from __future__ import annotations


class StoreError(Exception):
    """The archive cannot do what was asked (the environment's fault, shown to the user)."""


class NotFound(StoreError):
    """No such account, message or tag."""


class AlreadyExists(StoreError):
    """An account or tag with that name exists already."""
