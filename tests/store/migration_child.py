"""A process that migrates a journal, for the migration fault tests to kill or starve.

    python -m tests.store.migration_child URL seed-0003   # a journal at 0003 with data
    python -m tests.store.migration_child URL migrate     # migrate, one line per statement
    python -m tests.store.migration_child URL check       # print the journal's state as JSON

`migrate` prints "statement N" (flushed) after each statement it sends and
sleeps a little, so that a parent can kill it right after any statement; it
prints "done" at the end. Any hipcoach error ends it with exit status 1 and the
error's message on stderr, as the CLI would.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from sqlalchemy import Engine, event, text

from hipcoach.domain.errors import HipcoachError
from hipcoach.store import create_engine_for, migrate
from hipcoach.store.migrate import alembic_config, current_revision

PAUSE_SECONDS = 0.005


def seed_0003(url: str, revision: str = "0003") -> None:
    """A journal at `revision` (0001 or later) holding a profile, a session and two
    segments."""
    from alembic import command

    engine = create_engine_for(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO profiles (id, name, created_at) VALUES (7, 'ana', :t)"),
            {"t": "2026-11-01 07:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO sessions (id, profile_id, routine_id, routine_name, options_json,"
                " fingerprint, total_segments, total_seconds, status, started_at, updated_at)"
                " VALUES ('s1', 7, 'morning-pry', 'Morning pry', '{}', 'f', 3, 30,"
                " 'partial', :t, :t)"
            ),
            {"t": "2026-11-01 07:00:00"},
        )
        for index, seconds in ((0, 10.0), (1, 2.5)):
            connection.execute(
                text(
                    "INSERT INTO segment_events (session_id, profile_id, segment_index, kind,"
                    " exercise_id, side, outcome, planned_seconds, elapsed_seconds,"
                    " recorded_at) VALUES ('s1', 7, :i, 'hold', 'er-stretch', 'right', 'completed',"
                    " 10, :s, :t)"
                ),
                {"i": index, "s": seconds, "t": "2026-11-01 07:01:00"},
            )
    engine.dispose()


def migrate_loudly(url: str) -> None:
    engine = create_engine_for(url)
    count = 0

    def after(*_: Any) -> None:
        nonlocal count
        count += 1
        print(f"statement {count}", flush=True)
        time.sleep(PAUSE_SECONDS)

    event.listen(engine, "after_cursor_execute", after)
    migrate(engine)
    print("done", flush=True)
    engine.dispose()


def state(url: str, engine: Engine | None = None) -> dict[str, Any]:
    """Revision, tables with their columns, and the rows of the seeded data."""
    own = engine is None
    engine = engine or create_engine_for(url)
    try:
        tables: dict[str, list[str]] = {}
        with engine.connect() as connection:
            # One query for every table's columns: the fault tests look after every cut.
            if engine.dialect.name == "sqlite":
                listing = connection.execute(
                    text(
                        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
                        " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
                    )
                )
            else:
                listing = connection.execute(
                    text(
                        "SELECT table_name, column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema()"
                    )
                )
            for table, column in listing:
                tables.setdefault(str(table), []).append(str(column))
        tables = {name: sorted(columns) for name, columns in sorted(tables.items())}
        rows: dict[str, Any] = {}
        with engine.connect() as connection:
            if "sessions" in tables:
                rows["sessions"] = [
                    list(r) for r in connection.execute(text("SELECT id, status FROM sessions"))
                ]
            if "segment_events" in tables:
                rows["segments"] = [
                    list(r)
                    for r in connection.execute(
                        text(
                            "SELECT segment_index, elapsed_seconds FROM segment_events"
                            " ORDER BY segment_index"
                        )
                    )
                ]
        return {"revision": current_revision(engine), "tables": tables, "rows": rows}
    finally:
        if own:
            engine.dispose()


def main() -> int:
    url, what = sys.argv[1], sys.argv[2]
    try:
        if what == "seed-0003":
            seed_0003(url)
        elif what == "migrate":
            migrate_loudly(url)
        elif what == "check":
            print(json.dumps(state(url)))
        else:
            raise SystemExit(f"unknown action {what}")
    except HipcoachError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
