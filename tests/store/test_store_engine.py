"""Engines: SQLite settings, PostgreSQL driver choice, and errors that name the URL safely."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, text

from hipcoach.settings import Settings
from hipcoach.store import StoreError, create_engine_for, open_journal
from hipcoach.store.engine import mask_url


def test_sqlite_connections_get_wal_and_safe_settings(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'deep' / 'er' / 'hipcoach.db'}")
    try:
        # Two connections at once: the settings must hold on each, not only the first.
        with engine.connect() as first, engine.connect() as second:
            assert first.connection.dbapi_connection is not second.connection.dbapi_connection
            pragma = {
                name: second.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }
    assert (tmp_path / "deep" / "er" / "hipcoach.db").exists()


def test_sqlite_path_that_is_a_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the journal database"):
        create_engine_for(f"sqlite:///{tmp_path}")


def test_open_journal_uses_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path / "data")})
    with open_journal(settings) as journal:
        assert journal.ensure_profile("local").name == "local"
    assert (tmp_path / "data" / "hipcoach.db").exists()


@pytest.mark.postgres
def test_plain_postgresql_urls_use_psycopg_3(postgres_server: URL) -> None:
    plain = postgres_server.set(drivername="postgresql").render_as_string(hide_password=False)
    engine = create_engine_for(plain)
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_missing_psycopg_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` fail
    with pytest.raises(StoreError, match=r"pip install 'hipcoach\[postgres\]'"):
        create_engine_for("postgresql://postgres@127.0.0.1/hipcoach")


def test_unreachable_server_names_the_url_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        create_engine_for("postgresql://ana:s3cret@127.0.0.1:1/hipcoach")
    message = str(caught.value)
    assert "'postgresql://ana:***@127.0.0.1:1/hipcoach'" in message
    assert "Connection refused" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url", "not a database URL"),
        ("mysql://ana:s3cret@db/hipcoach", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://ana:s3cret@db/hipcoach", "unsupported PostgreSQL driver"),
        ("nosuchdb+x://ana:s3cret@db/hipcoach", "unsupported database"),
    ],
)
def test_bad_urls_are_store_errors(url: str, problem: str) -> None:
    with pytest.raises(StoreError, match=problem) as caught:
        create_engine_for(url)
    assert "s3cret" not in str(caught.value)


def test_mask_url_hides_passwords_even_in_unparsable_text() -> None:
    assert mask_url("weird://ana:s3cret@host:5/x y") == "weird://ana:***@host:5/x y"
    assert mask_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
