"""Writing export files so that a crash or a full disk never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from hipcoach.domain.errors import HipcoachError


class DataExportError(HipcoachError):
    """An export that cannot be written where asked; nothing was overwritten."""


def refuse_existing(path: Path, force: bool) -> None:
    """Refuse to replace a file the user already has, unless told to with --force."""
    if path.is_dir():
        raise DataExportError(f"'{path}' is a folder; give a file name")
    if path.exists() and not force:
        raise DataExportError(f"'{path}' already exists; choose another name or pass --force")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename it.

    The rename is atomic, so `path` is either the old file or the whole new one.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise DataExportError(f"cannot write to '{path.parent}': {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise DataExportError(f"cannot write '{path}': {exc.strerror}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
