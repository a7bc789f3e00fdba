"""A migration runs whole or not at all: cut after any statement, by an error, a kill -9
or a full disk, the journal is as it was and the next start completes the upgrade.

Before this held, Python's sqlite3 module committed each CREATE and ALTER by
itself: a first `hipcoach screen` killed part-way left tables without the
version row, and every later command failed with "table profiles already exists".
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from hipcoach.store import Journal, create_engine_for, migrate
from hipcoach.store.migrate import HEAD_REVISION, HalfUpgradedError
from hipcoach.store.rebuild import rebuild_journal
from hipcoach.store.safekeeping import backups_of, journal_path
from tests.store import migration_child

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("fresh", "upgrade-with-data")
SEEDED_ROWS = {"sessions": [["s1", "partial"]], "segments": [[0, 10.0], [1, 2.5]]}


class InjectedFaultError(Exception):
    """Stands for whatever cuts a migration short: the test raises it after a statement."""


def _prepare(url: str, scenario: str) -> None:
    if scenario == "upgrade-with-data":
        migration_child.seed_0003(url)
    elif scenario == "upgrade-from-0001":
        # 0002 rebuilds the sessions table: its DROP must not cascade to the events.
        migration_child.seed_0003(url, "0001")


def _statements_of_a_whole_migration(url: str) -> int:
    engine = create_engine_for(url)
    seen = 0

    def count(*_: Any) -> None:
        nonlocal seen
        seen += 1

    event.listen(engine, "after_cursor_execute", count)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return seen


@pytest.mark.parametrize("scenario", [*SCENARIOS, "upgrade-from-0001"])
def test_a_failure_after_any_statement_leaves_the_journal_as_it_was(
    database_url: str, scenario: str, tmp_path: Path
) -> None:
    _prepare(database_url, scenario)
    before = migration_child.state(database_url)
    engine = create_engine_for(database_url)
    cut = 0
    sent = 0

    def fail_after(*_: Any) -> None:
        nonlocal sent
        sent += 1
        if sent == cut:
            raise InjectedFaultError(f"cut after statement {cut}")

    try:
        while True:
            cut += 1
            sent = 0
            event.listen(engine, "after_cursor_execute", fail_after)
            try:
                migrate(engine)
            except InjectedFaultError:
                pass
            else:
                break  # the cut came after the last statement: the migration is whole
            finally:
                event.remove(engine, "after_cursor_execute", fail_after)
            now = migration_child.state(database_url, engine)
            if now["revision"] == HEAD_REVISION:
                break  # the cut came after the commit (foreign keys back on): whole
            assert now == before, f"cut after statement {cut}"
    finally:
        engine.dispose()
    after = migration_child.state(database_url)
    assert after["revision"] == HEAD_REVISION
    assert cut > 20, "the migration ran fewer statements than it has; was any cut tried?"
    if scenario != "fresh":
        assert after["rows"] == SEEDED_ROWS


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'hipcoach.db'}"


def _child(url: str, action: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.migration_child", url, action],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)},
        **popen,
    )


def _run_child(url: str, action: str, **popen: Any) -> subprocess.CompletedProcess[str]:
    process = _child(url, action, **popen)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _kill_after(url: str, statement: int) -> None:
    process = _child(url, "migrate")
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.strip() in (f"statement {statement}", "done"):
                break
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate(timeout=60)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kill_9_during_a_migration_never_leaves_a_half_schema(
    scenario: str, tmp_path: Path
) -> None:
    url = _sqlite_url(tmp_path)
    _prepare(url, scenario)
    before = migration_child.state(url)
    total = _statements_of_a_whole_migration(url)
    # That measured the statements and migrated: start again from the same place.
    shutil.rmtree(tmp_path / "data")
    _prepare(url, scenario)
    kills = 0
    for statement in sorted({1, *range(2, total, max(1, total // 5)), total - 1}):
        _kill_after(url, statement)
        kills += 1
        now = migration_child.state(url)
        assert now["revision"] in (before["revision"], HEAD_REVISION), statement
        if now["revision"] == before["revision"]:
            assert now == before, f"killed after statement {statement}"
    assert kills >= 6
    finished = _run_child(url, "migrate")
    assert finished.returncode == 0, finished.stderr
    after = migration_child.state(url)
    assert after["revision"] == HEAD_REVISION
    if scenario == "upgrade-with-data":
        assert after["rows"] == SEEDED_ROWS


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        # A full disk, as SQLite meets it: writes past `limit` bytes fail (EFBIG).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_full_disk_during_a_migration_leaves_the_journal_usable(
    scenario: str, tmp_path: Path
) -> None:
    url = _sqlite_url(tmp_path)
    _prepare(url, scenario)
    before = migration_child.state(url)
    refused = 0
    for limit_kb in (4, 24, 96, 384, 1536):
        result = _run_child(url, "migrate", preexec_fn=_limit_file_size(limit_kb * 1024))
        assert "Traceback" not in result.stderr, result.stderr
        now = migration_child.state(url)
        if result.returncode == 0:
            assert now["revision"] == HEAD_REVISION
            break
        refused += 1
        assert result.stderr.startswith("Error: "), result.stderr
        assert "nothing was changed" in result.stderr
        assert now == before, f"{limit_kb} KB"
        # The copies of a refused upgrade are whole or absent; none is left half-written.
        leftovers = [p.name for p in (tmp_path / "data" / "backups").glob(".*")]
        assert leftovers == []
    assert refused >= 3, "no limit was small enough to refuse the migration"
    finished = _run_child(url, "migrate")
    assert finished.returncode == 0, finished.stderr
    after = migration_child.state(url)
    assert after["revision"] == HEAD_REVISION
    if scenario == "upgrade-with-data":
        assert after["rows"] == SEEDED_ROWS


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real filesystem of 1 MB (tmpfs), where the host lets this process mount one."""
    target = tmp_path / "small"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_a_real_full_disk_refuses_the_first_migration_cleanly(small_tmpfs: Path) -> None:
    url = f"sqlite:///{small_tmpfs / 'hipcoach.db'}"
    # Fill the disk to a few KB short of full, the way a phone or laptop ends up.
    filler = small_tmpfs / "filler"
    with open(filler, "wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * (1024 * 1024))
    filler.write_bytes(b"\0" * (os.path.getsize(filler) - 24 * 1024))
    result = _run_child(url, "migrate")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "nothing was changed" in result.stderr
    filler.unlink()
    finished = _run_child(url, "migrate")
    assert finished.returncode == 0, finished.stderr
    assert json.loads(_run_child(url, "check").stdout)["revision"] == HEAD_REVISION


def test_an_upgrade_keeps_a_copy_first_and_says_where(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    migration_child.seed_0003(url)
    result = _run_child(url, "migrate")
    assert result.returncode == 0, result.stderr
    journal = journal_path(url)
    assert journal is not None
    copies = backups_of(journal)
    assert len(copies) == 1
    assert str(copies[0]) in result.stderr  # said where, on stderr
    # The copy is the journal as it was: revision 0003 with its data.
    kept = migration_child.state(f"sqlite:///{copies[0]}")
    assert kept["revision"] == "0003"
    assert kept["rows"] == SEEDED_ROWS
    # A journal already current is not copied again.
    assert _run_child(url, "migrate").returncode == 0
    assert len(backups_of(journal)) == 1


def test_a_fresh_journal_is_not_copied(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    assert _run_child(url, "migrate").returncode == 0
    journal = journal_path(url)
    assert journal is not None
    assert backups_of(journal) == []


def _half_upgraded_by_an_older_hipcoach(url: str, how: str) -> None:
    """A journal as a cut-short migration of an older hipcoach left it."""
    if how == "first-migration":
        # 0001's first tables committed one by one, the version row never written.
        engine = create_engine_for(url)
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE profiles (id INTEGER PRIMARY KEY, name VARCHAR(64))")
            )
        engine.dispose()
        return
    migration_child.seed_0003(url)
    engine = create_engine_for(url)
    with engine.begin() as connection:
        # 0004's first ALTER committed by itself before the cut.
        connection.execute(
            text("ALTER TABLE profiles ADD COLUMN data_version BIGINT DEFAULT 0 NOT NULL")
        )
    engine.dispose()


@pytest.mark.parametrize("how", ["first-migration", "upgrade"])
def test_a_journal_left_half_upgraded_by_an_older_version_is_named_and_rebuilt(
    tmp_path: Path, how: str
) -> None:
    url = _sqlite_url(tmp_path)
    _half_upgraded_by_an_older_hipcoach(url, how)
    engine = create_engine_for(url)
    try:
        with pytest.raises(HalfUpgradedError, match="doctor --repair"):
            migrate(engine)
    finally:
        engine.dispose()
    journal = journal_path(url)
    assert journal is not None
    result = rebuild_journal(journal)
    assert result.kept_copy.exists()
    left = sorted(p.name for p in journal.parent.iterdir() if p.is_file())
    assert left == ["hipcoach.db", "hipcoach.db.created"], left
    after = migration_child.state(url)
    assert after["revision"] == HEAD_REVISION
    if how == "upgrade":
        assert after["rows"] == SEEDED_ROWS
        assert result.rows_copied["segment_events"] == 2
        engine = create_engine_for(url)
        try:
            with engine.connect() as connection:
                figures = connection.execute(
                    text("SELECT segments_saved, seconds_spent FROM sessions")
                ).one()
        finally:
            engine.dispose()
        assert tuple(figures) == (2, 12.5)  # worked out again by the triggers


def test_two_processes_migrating_at_once_both_succeed(database_url: str) -> None:
    processes = [_child(database_url, "migrate") for _ in range(2)]
    results = [process.communicate(timeout=120) for process in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    assert migration_child.state(database_url)["revision"] == HEAD_REVISION


def test_failing_starts_do_not_fill_the_disk_with_copies(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    _half_upgraded_by_an_older_hipcoach(url, "upgrade")
    for _ in range(6):
        result = _run_child(url, "migrate")
        assert result.returncode == 1
        assert "doctor --repair" in result.stderr
    journal = journal_path(url)
    assert journal is not None
    assert 1 <= len(backups_of(journal)) <= 3


def test_a_rebuild_carries_every_session_counter_into_the_profiles_total(
    tmp_path: Path,
) -> None:
    """A file at 0007 counts a completed session on the session's own row; after the
    rebuild (at a schema that sums only sessions not completed) the total is no lower."""
    url = _sqlite_url(tmp_path)
    migration_child.seed_0003(url, "0007")
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE sessions SET status = 'completed'"))
            connection.execute(text("UPDATE profiles SET segment_version = 2"))
            connection.execute(text("UPDATE sessions SET segment_version = 40"))
        old_total = 2 + 40
    finally:
        engine.dispose()
    journal = journal_path(url)
    assert journal is not None
    rebuild_journal(journal)
    engine = create_engine_for(url)
    try:
        assert Journal(engine).data_version(7).segments >= old_total
    finally:
        engine.dispose()
