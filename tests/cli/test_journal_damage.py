"""A journal that is lost or damaged gets one clear message with what to do, never a
traceback, a plain-text 500 or a silent fresh start over the person's data."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hipcoach.settings import Settings
from hipcoach.store import create_engine_for, migrate
from hipcoach.store.safekeeping import JournalDamagedError
from tests.cli.conftest import Cli


def _journal(data_dir: Path) -> Path:
    return data_dir / "hipcoach.db"


def _drop_log_files(journal: Path) -> None:
    for suffix in ("-wal", "-shm"):
        journal.with_name(journal.name + suffix).unlink(missing_ok=True)


def _bad_schema_bytes(journal: Path) -> None:
    """Damage that makes SQLite's error text carry bytes that are not UTF-8.

    Python's sqlite3 module then fails to decode its own error message
    (UnicodeDecodeError instead of a DatabaseError).
    """
    _drop_log_files(journal)
    with sqlite3.connect(journal) as connection:
        connection.execute("CREATE TABLE zzqq(a)")
    connection.close()
    _drop_log_files(journal)
    data = journal.read_bytes()
    start = data.index(b"CREATE TABLE zzqq(a)")
    journal.write_bytes(data[:start] + b"CREATE \xff\xfeBLE zzqq(a)" + data[start + 20 :])


def _not_a_database(journal: Path) -> None:
    _drop_log_files(journal)
    journal.write_bytes(b"\x00garbage" * 4096)


DAMAGES = {"undecodable-error-text": _bad_schema_bytes, "not-a-database": _not_a_database}


def test_an_emptied_journal_is_reported_not_replaced(screened: Cli, data_dir: Path) -> None:
    journal = _journal(data_dir)
    _drop_log_files(journal)
    journal.write_bytes(b"")
    said = screened("today", code=1)
    assert "is empty (0 bytes)" in said
    assert "a journal was kept here since" in said
    assert "hipcoach doctor" in said
    assert journal.stat().st_size == 0  # nothing was written over it
    screened("start", "--plain", "--no-voice", code=1)
    assert journal.stat().st_size == 0


def test_a_missing_journal_is_reported_while_its_marker_is_there(
    screened: Cli, data_dir: Path
) -> None:
    journal = _journal(data_dir)
    _drop_log_files(journal)
    journal.unlink()
    said = screened("today", code=1)
    assert "is missing" in said
    assert not journal.exists()
    # Deleting the marker, as the message says, starts afresh on purpose.
    journal.with_name("hipcoach.db.created").unlink()
    screened("screen", "--no-to-all")
    assert journal.stat().st_size > 0


def test_a_journal_emptied_after_an_upgrade_points_at_the_kept_copy(
    cli: Cli, data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    journal = _journal(data_dir)
    backups = data_dir / "backups"
    backups.mkdir()
    (backups / "hipcoach-20261201T070000Z-schema-0005.db").write_bytes(b"x")
    journal.write_bytes(b"")
    said = cli("today", code=1)
    assert "copies of it were kept" in said
    assert "hipcoach-20261201T070000Z-schema-0005.db" in said


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_journal_gives_the_same_clear_message(
    screened: Cli, data_dir: Path, damage: str
) -> None:
    journal = _journal(data_dir)
    DAMAGES[damage](journal)
    before = journal.read_bytes()
    for command in (["today"], ["screen", "--show"], ["progress"], ["history"]):
        said = screened(*command, code=1)
        assert "is damaged and cannot be read" in said, command
        assert "nothing was changed" in said
        assert "hipcoach doctor" in said
    assert journal.read_bytes() == before


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_the_server_answers_a_damaged_journal_with_a_page_and_json(
    screened: Cli, data_dir: Path, damage: str
) -> None:
    from hipcoach.web.app import create_app

    DAMAGES[damage](_journal(data_dir))
    app = create_app(Settings.from_env())
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        page = client.get("/", headers={"accept": "text/html"})
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert "The journal cannot be used" in page.text
        assert "is damaged and cannot be read" in page.text
        assert "Content-Security-Policy" in page.headers
        api = client.get("/api/v1/today")
        assert api.status_code == 503
        assert "is damaged and cannot be read" in api.json()["error"]


def test_damage_found_by_a_later_read_is_the_same_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hipcoach.db'}"
    engine = create_engine_for(url)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes_kept (note TEXT)"))
        for _ in range(400):
            connection.execute(text("INSERT INTO notes_kept VALUES (:n)"), {"n": "x" * 400})
    engine.dispose()
    journal = tmp_path / "hipcoach.db"
    with sqlite3.connect(journal) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    _drop_log_files(journal)
    data = bytearray(journal.read_bytes())
    page = 4096
    # Scribble over the pages in the middle of the file, where the notes are.
    for offset in range(len(data) // 2, len(data) - page, page):
        data[offset : offset + 64] = os.urandom(64)
    journal.write_bytes(bytes(data))
    engine = create_engine_for(url)
    try:
        damaged = pytest.raises(JournalDamagedError, match="is damaged and cannot be read")
        with damaged, engine.connect() as connection:
            connection.execute(text("SELECT count(*), sum(length(note)) FROM notes_kept")).all()
    finally:
        engine.dispose()


def test_doctor_names_a_half_upgraded_journal_and_repair_rebuilds_it(
    cli: Cli, data_dir: Path
) -> None:
    from tests.store.migration_child import seed_0003, state

    url = f"sqlite:///{_journal(data_dir)}"
    seed_0003(url)
    engine = create_engine_for(url)
    with engine.begin() as connection:
        # What a kill during an older hipcoach's upgrade left: 0004's first column, alone.
        connection.execute(
            text("ALTER TABLE profiles ADD COLUMN data_version BIGINT DEFAULT 0 NOT NULL")
        )
    engine.dispose()
    said = cli("today", code=1)
    assert "part-way through an upgrade" in said
    assert "hipcoach doctor --repair" in said
    report = cli("doctor", "--fix", code=1)
    assert "--repair" in report
    repaired = cli("doctor", "--repair")
    assert "rows carried over" in repaired
    assert "The journal is healthy." in repaired
    # One kept on the failed upgrade (or more, if the journal changed between tries), and
    # one before the rebuild.
    kept = re.search(r"copies: (\d+) kept in", repaired)
    assert kept is not None, repaired
    assert int(kept.group(1)) >= 2, repaired
    assert state(url)["rows"]["segments"] == [[0, 10.0], [1, 2.5]]
    cli("history")


def test_doctor_on_an_emptied_journal_points_at_the_copies(screened: Cli, data_dir: Path) -> None:
    journal = _journal(data_dir)
    _drop_log_files(journal)
    journal.write_bytes(b"")
    report = screened("doctor", code=1)
    assert "FAIL open" in report
    assert "is empty (0 bytes)" in report
    assert "copies: no copies yet" in report
    assert journal.stat().st_size == 0
