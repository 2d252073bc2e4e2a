"""The PySide6 desktop application; the only package allowed to import Qt."""
