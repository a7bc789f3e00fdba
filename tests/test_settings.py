"""Settings read from the environment, and what they say about the journal's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipcoach.settings import Settings


@pytest.mark.parametrize(
    ("url", "in_process"),
    [
        (None, True),  # the default: a SQLite file in the data folder
        ("sqlite:///elsewhere/journal.db", True),
        ("sqlite+pysqlite:///elsewhere/journal.db", True),
        ("postgresql://user@db.example/hipcoach", False),
        ("postgresql+psycopg://user:pw@127.0.0.1:5432/hipcoach", False),
    ],
)
def test_the_journal_is_in_process_only_on_sqlite(
    tmp_path: Path, url: str | None, in_process: bool
) -> None:
    env = {"HIPCOACH_DATA_DIR": str(tmp_path)}
    if url is not None:
        env["HIPCOACH_DATABASE_URL"] = url
    assert Settings.from_env(env).database_in_process is in_process
