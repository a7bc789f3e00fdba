"""The session journal: where sessions and segment outcomes are kept (SQLite or PostgreSQL).

Settings pick the database; `open_journal` builds the engine, brings the schema
up to date and hands back a `Journal`. Nothing connects at import time.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from hipcoach.domain.errors import StoreError
from hipcoach.settings import Settings
from hipcoach.store.records import (
    DataVersion,
    HistoryRow,
    Outcome,
    ProfileRecord,
    SessionRecord,
    SessionStatus,
)

__all__ = [
    "DataVersion",
    "HistoryRow",
    "Journal",
    "Outcome",
    "ProfileRecord",
    "SessionRecord",
    "SessionStatus",
    "StoreError",
    "create_engine_for",
    "migrate",
    "open_journal",
]


if TYPE_CHECKING:
    from hipcoach.store.engine import create_engine_for
    from hipcoach.store.journal import Journal
    from hipcoach.store.migrate import migrate

# Imported on first use: they bring SQLAlchemy (a quarter of a second), and importing any
# module of the package (row_problems, which every command's error handling uses) runs
# this file first. A command that never opens the journal never pays for them.
_ON_FIRST_USE = {
    "Journal": "hipcoach.store.journal",
    "create_engine_for": "hipcoach.store.engine",
    "migrate": "hipcoach.store.migrate",
}


def __getattr__(name: str) -> Any:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def open_journal(settings: Settings) -> Journal:
    """A journal on the database that `settings` names, migrated to the current schema."""
    from hipcoach.store.engine import create_engine_for
    from hipcoach.store.journal import Journal
    from hipcoach.store.migrate import migrate

    engine = create_engine_for(settings.database_url)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Journal(engine)
