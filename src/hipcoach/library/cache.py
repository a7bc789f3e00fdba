"""A validated-library cache, so commands that only read content start fast.

Validation with pydantic costs more than the rest of a short command. The
result of a successful validation is pickled, keyed by every content file's
path, size and modification time (as Python keys its own bytecode cache) and
the package version; any edit to any file changes the key and the next load
validates again. The cache lives in the user's own cache
folder, so reading a pickle from it trusts nobody the user does not already.
"""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Callable
from pathlib import Path

from hipcoach.domain.library import Library

CACHE_FORMAT = "2"  # 2: exercises carry demands; the library its vocabulary


def library_files(root: Path) -> list[Path]:
    """The files a library is loaded from; the screen, rules and goals live beside them."""
    return sorted(
        [
            root / "sources.toml",
            root / "demands.toml",
            *root.glob("exercises/*.toml"),
            *root.glob("routines/*.toml"),
        ]
    )


def content_key(root: Path, version: str) -> str:
    """A key that changes whenever a library file is added, removed or edited."""
    parts = [f"{CACHE_FORMAT}:{version}:{root}"]
    for path in library_files(root):
        if not path.exists():
            continue  # the loader reports a missing file, naming it
        stat = path.stat()
        parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    text = "\n".join(parts).encode()
    # Two checksums side by side: a key, not a security boundary, and far
    # cheaper to import than hashlib on a command that should start at once.
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(parts):04x}"


def cached_library(
    root: Path, cache_dir: Path | None, version: str, load: Callable[[Path], Library]
) -> Library:
    """Return the library under `root`, from the cache when its content is unchanged."""
    if cache_dir is None:
        return load(root)
    key = content_key(root, version)
    path = cache_dir / f"library-{key}.pickle"
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
    import tempfile

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
