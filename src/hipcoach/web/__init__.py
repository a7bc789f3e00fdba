"""The browser coach: a FastAPI app with server-rendered pages and small JavaScript modules.

`create_app(settings)` builds everything; nothing is created at import time.
Pages and the JSON API under /api/v1 call the same services as the CLI and add
no logic of their own. Everything is served from the package: it works offline.
"""

from __future__ import annotations

from hipcoach.web.app import create_app

__all__ = ["create_app"]
