"""Keeping a SQLite journal safe around the moments it is most at risk.

- Before a journal with data is upgraded to a newer schema, a copy is kept in
  `backups/` beside it (SQLite's online backup: a consistent copy even while
  another process writes).
- A marker file beside the journal records that a journal was kept here. A
  journal file that is later missing or empty (truncated to 0 bytes) is then
  reported instead of silently becoming a new, empty journal.
- A damaged file gives one clear message with what to do, whatever part of
  SQLite noticed it, including the damage that makes Python's sqlite3 module
  fail to decode SQLite's own error text.

PostgreSQL keeps its own data safe (transactional DDL, its own backups); none of
this applies there.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from hipcoach.domain.errors import StoreError

BACKUP_FOLDER = "backups"
MARKER_SUFFIX = ".created"
COPIES_PER_SCHEMA = 3
# Words SQLite uses when a file is not (or no longer) a database it can read.
DAMAGE_WORDS = (
    "file is not a database",
    "database disk image is malformed",
    "malformed database schema",
    "file is encrypted or is not a database",
)


class JournalDamagedError(StoreError):
    """The journal file exists but SQLite cannot read it; nothing was changed."""


class JournalLostError(StoreError):
    """The journal file is missing or empty although a journal was kept here before."""


def journal_path(url: str | URL) -> Path | None:
    """The file of a SQLite journal on disk, or None (PostgreSQL, in-memory, URI forms)."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def marker_path(journal: Path) -> Path:
    """The file beside `journal` that says a journal was kept here."""
    return journal.with_name(journal.name + MARKER_SUFFIX)


def backup_folder(journal: Path) -> Path:
    return journal.parent / BACKUP_FOLDER


def backups_of(journal: Path) -> list[Path]:
    """The copies kept of `journal`, newest first."""
    folder = backup_folder(journal)
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{journal.stem}-*.db") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def what_to_do(journal: Path) -> str:
    """The advice every damage or loss message ends with: put a copy back, or start
    afresh and bring an export back (the marker has to go too, or the fresh start is
    refused as a lost journal)."""
    copies = backups_of(journal)
    if copies:
        restore = f"put back the copy kept on upgrade: cp '{copies[0]}' '{journal}'"
    else:
        restore = "put back the file from a backup of your own"
    afresh = (
        f"or start afresh: move '{journal.name}' aside, delete '{marker_path(journal)}', "
        "and bring back an export you have with `hipcoach import FILE`"
    )
    return (
        f"What to do: {restore}; {afresh}. `hipcoach doctor` checks the journal and lists "
        "its copies."
    )


def refuse_lost_journal(journal: Path) -> None:
    """Raise JournalLostError when `journal` is missing or empty but was kept here before."""
    try:
        size = journal.stat().st_size
    except FileNotFoundError:
        size = None
    except OSError:
        return  # unreadable: SQLite will say so in its own words
    if size:
        return
    marker = marker_path(journal)
    copies = backups_of(journal)
    if not marker.exists() and not copies:
        return  # a first start: an empty journal is what should be made
    state = "is missing" if size is None else "is empty (0 bytes)"
    since = _marker_date(marker)
    before = f"a journal was kept here{since}" if marker.exists() else "copies of it were kept"
    raise JournalLostError(
        f"the journal at '{journal}' {state}, but {before}; hipcoach will not start a new, "
        f"empty journal over it. {what_to_do(journal)}"
    )


def _marker_date(marker: Path) -> str:
    try:
        first = marker.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return ""
    stamp = first.rpartition(" since ")[2].strip()
    return f" since {stamp}" if stamp and stamp != first else ""


def mark_journal_kept(journal: Path) -> None:
    """Write the marker beside `journal` once; a failure to write it is not fatal."""
    marker = marker_path(journal)
    if marker.exists():
        return
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"hipcoach has kept a journal named {journal.name} in this folder since {stamp}\n"
        "If that file goes missing or becomes empty, hipcoach says so instead of starting\n"
        "a new journal. Delete this file only to start afresh on purpose.\n"
    )
    with contextlib.suppress(OSError):
        marker.write_text(text, encoding="utf-8")


def keep_copy_before_upgrade(journal: Path, from_revision: str, to_revision: str) -> Path:
    """A consistent copy of `journal` in backups/, made before an upgrade; returns its path.

    Written under a temporary name and renamed when complete, so a copy that is
    there is whole. When no copy can be made (a full disk), the upgrade must not
    go ahead: StoreError says why and nothing was changed.
    """
    folder = backup_folder(journal)
    kept = _copy_still_current(journal, from_revision)
    if kept is not None:
        return kept  # an upgrade that failed before left it; the journal has not changed since
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{journal.stem}-{stamp}-schema-{from_revision}.db"
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(journal)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        _sync_folder(folder)
        _prune(journal, from_revision)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StoreError(
            f"the journal at '{journal}' needs an upgrade to schema {to_revision}, and a copy "
            f"of it is kept first, but the copy could not be written in '{folder}' ({reason}); "
            "nothing was changed. Free some disk space and run the command again."
        ) from exc
    return target


def _copy_still_current(journal: Path, revision: str) -> Path | None:
    """A copy at `revision` made after the journal (and its log) last changed, if any."""
    changed = max(
        (
            p.stat().st_mtime
            for p in (journal, journal.with_name(journal.name + "-wal"))
            if p.exists()
        ),
        default=0.0,
    )
    for copy in backups_of(journal):
        if copy.name.endswith(f"-schema-{revision}.db") and copy.stat().st_mtime >= changed:
            return copy
    return None


def _prune(journal: Path, revision: str) -> None:
    """Keep the newest COPIES_PER_SCHEMA copies at `revision`: a start that keeps failing
    (a server restarted in a loop) must not fill the disk with copies of one journal."""
    same = [c for c in backups_of(journal) if c.name.endswith(f"-schema-{revision}.db")]
    for old in same[COPIES_PER_SCHEMA:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut (where the system allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def is_damage(exc: BaseException) -> bool:
    """Whether `exc` (or what it was raised from) says the journal file cannot be read.

    Only SQLite's own words count, and only along the chain of causes (not any
    error that happened to be handled nearby), so a decoding error of some
    other text is never taken for a damaged journal.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnicodeDecodeError):
            # sqlite3 could not decode SQLite's error text, which carries bytes of the file.
            said = bytes(current.object).decode("utf-8", errors="replace").lower()
            if any(words in said for words in DAMAGE_WORDS):
                return True
        original = current.orig if isinstance(current, DBAPIError) else None
        text = str(original if original is not None else current).lower()
        if isinstance(current, sqlite3.DatabaseError | DBAPIError) and any(
            words in text for words in DAMAGE_WORDS
        ):
            return True
        current = current.__cause__ or (original if original is not current else None)
    return False


def damaged(journal: Path | None, where: str, exc: BaseException) -> JournalDamagedError:
    """The one message for a journal SQLite cannot read."""
    if isinstance(exc, UnicodeDecodeError):
        detail = exc.object.decode("utf-8", errors="replace") if exc.object else str(exc)
        detail = " ".join(detail.split())
    else:
        original = exc.orig if isinstance(exc, DBAPIError) else None
        detail = " ".join(str(original if original is not None else exc).split())
    advice = what_to_do(journal) if journal is not None else "What to do: run `hipcoach doctor`."
    return JournalDamagedError(
        f"the journal at '{journal or where}' is damaged and cannot be read "
        f"(SQLite says: {detail}); nothing was changed. {advice}"
    )
