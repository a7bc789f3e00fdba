"""Database fixtures: the same store tests run on SQLite and on PostgreSQL.

PostgreSQL comes from HIPCOACH_TEST_POSTGRES_URL (default: a local server with
trust auth). Each test gets a schema of its own, named in the URL's search_path,
so tests, and test runs started side by side, never see each other's rows.
Without a server the PostgreSQL cases skip, except in CI, where they fail.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from hipcoach.store import Journal, create_engine_for, migrate

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hipcoach_test"


def _postgres_base_url() -> URL:
    url = make_url(os.environ.get("HIPCOACH_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    # Tests build engines with create_engine directly, which needs the driver named.
    return url.set(drivername="postgresql+psycopg")


def _create_database_if_missing(url: URL) -> None:
    """Create the test database from the maintenance database; raises if no server answers."""
    admin = create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                # A test run started beside this one may create it first.
                with contextlib.suppress(ProgrammingError, IntegrityError):
                    connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    """The test database URL, once the server is known to answer."""
    url = _postgres_base_url()
    try:
        _create_database_if_missing(url)
    except OperationalError as exc:
        shown = url.render_as_string(hide_password=True)
        message = f"PostgreSQL not reachable at {shown}: start it or set HIPCOACH_TEST_POSTGRES_URL"
        if os.environ.get("CI"):
            # In CI a skipped database is a hole in the test matrix, so it fails the run.
            pytest.fail(f"{message} ({exc.orig})")
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_schema_url(postgres_server: URL) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"hc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = postgres_server.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a PostgreSQL schema of the test's own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'journal' / 'hipcoach.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def journal(database_url: str) -> Iterator[Journal]:
    """A migrated journal on `database_url`, its engine disposed after the test."""
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        yield Journal(engine)
    finally:
        engine.dispose()
