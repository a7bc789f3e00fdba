"""Commands for measure (being written)."""

from __future__ import annotations

from hipcoach.cli import app

__all__ = ["app"]
