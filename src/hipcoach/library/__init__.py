"""Shipped exercise and routine content (TOML) and the loader that validates it."""

from hipcoach.library.loader import load_library

__all__ = ["load_library"]
