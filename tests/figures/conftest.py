"""The web fixtures (a TestClient on a private data folder), shared with tests/web."""

from __future__ import annotations

from tests.web.conftest import client, settings

__all__ = ["client", "settings"]
