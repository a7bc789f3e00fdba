"""A validated-library cache, so commands that only read content start fast.

Validation with pydantic costs more than the rest of a short command. The
result of a successful validation is pickled, keyed by a hash of every content
file's bytes and the package version; any edit to any file changes the key
and the next load validates again. The cache lives in the user's own cache
folder, so reading a pickle from it trusts nobody the user does not already.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from hipcoach.domain.library import Library

CACHE_FORMAT = "1"


def content_key(root: Path, version: str) -> str:
    """A hash of every .toml file under `root`, with its relative path."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}:{version}".encode())
    for path in sorted(root.rglob("*.toml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def cached_library(
    root: Path, cache_dir: Path | None, version: str, load: Callable[[Path], Library]
) -> Library:
    """Return the library under `root`, from the cache when its content is unchanged."""
    if cache_dir is None:
        return load(root)
    key = content_key(root, version)
    path = cache_dir / f"library-{key[:32]}.pickle"
    try:
        with path.open("rb") as fh:
            library = pickle.load(fh)
        if isinstance(library, Library):
            return library
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass  # No cache yet, or one from another version: validate afresh.
    library = load(root)
    _write_atomically(path, library)
    return library


def _write_atomically(path: Path, library: Library) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("library-*.pickle"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".library-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(library, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # A read-only home still works; it is only slower.
