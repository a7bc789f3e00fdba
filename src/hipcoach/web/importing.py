"""Imports run in a process of their own, so a large file never stalls the server.

Reading a 50 MB export builds about 650 MB of Python objects, and parsing JSON
holds the interpreter's lock for most of a second at a time: on a thread, every
other device would wait. In a child process the server's loop keeps answering,
and the memory goes back to the system when the child ends. The child opens the
same store from the same settings and writes through the same service as
`hipcoach import`; the change counters it moves tell the server's caches.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from hipcoach.domain.errors import HipcoachError
from hipcoach.settings import Settings


class ImportRefusedError(HipcoachError):
    """The import was refused in its process: the message, field and status it gave."""

    def __init__(
        self, message: str, field: str | None, status: int, reasons: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.status = status
        self.reasons = reasons or []


async def import_file(settings: Settings, path: Path) -> dict[str, Any]:
    """Import the export at `path` in a child process; its summary, or ImportRefusedError."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        outcome = await asyncio.get_running_loop().run_in_executor(
            pool, _import_here, settings, str(path)
        )
    if "refused" in outcome:
        refused = outcome["refused"]
        raise ImportRefusedError(
            refused["message"], refused["field"], refused["status"], refused["reasons"]
        )
    summary: dict[str, Any] = outcome["summary"]
    return summary


def _import_here(settings: Settings, path: str) -> dict[str, Any]:
    """In the child: the import, as plain values (an exception may not survive pickling)."""
    from hipcoach.services.context import Context
    from hipcoach.services.data import import_data
    from hipcoach.web.errors import status_for

    try:
        with Context(settings) as ctx:
            # The body was saved under a private name of ours: the person knows it as theirs.
            result = import_data(ctx, Path(path), shown_as="the file sent")
    except HipcoachError as exc:
        return {
            "refused": {
                "message": str(exc),
                "field": getattr(exc, "field", None),
                "status": status_for(exc),
                "reasons": list(getattr(exc, "reasons", None) or []),
            }
        }
    summary = result.summary
    return {
        "summary": {
            "profile": summary.profile,
            "created_profile": summary.created_profile,
            "exported_from": result.exported_from,
            "exported_at": result.exported_at.isoformat() if result.exported_at else None,
            "total": summary.total,
            "counts": summary.counts,
            "already_there": summary.already_there,
            "total_already_there": summary.total_already_there,
        }
    }
