"""The session journal: where sessions and segment outcomes are kept (SQLite or PostgreSQL).

Settings pick the database; `open_journal` builds the engine, brings the schema
up to date and hands back a `Journal`. Nothing connects at import time.
"""

from __future__ import annotations

from hipcoach.domain.errors import StoreError
from hipcoach.settings import Settings
from hipcoach.store.engine import create_engine_for
from hipcoach.store.journal import Journal
from hipcoach.store.migrate import migrate
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


def open_journal(settings: Settings) -> Journal:
    """A journal on the database that `settings` names, migrated to the current schema."""
    engine = create_engine_for(settings.database_url)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Journal(engine)
