"""Bring a journal database's schema up to date with the Alembic scripts shipped in the package.

Alembic is configured in code (no alembic.ini): the scripts live in
`hipcoach/store/migrations`. Start-up is the common case and the schema is
usually current, so `migrate` first reads `alembic_version` with one query and
only imports Alembic's command machinery when there is something to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from hipcoach.domain.errors import StoreError
from hipcoach.store.engine import mask_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions; a test checks that this agrees with Alembic.
HEAD_REVISION = "0006"
VERSION_TABLE = "alembic_version"


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        revision = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return None if revision is None else str(revision)


def alembic_config() -> Config:
    """An Alembic Config pointing at the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    # Config values go through configparser interpolation, where '%' is special.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the database behind `engine` to the newest schema; a no-op when it is current."""
    where = mask_url(engine.url)
    try:
        if current_revision(engine) == HEAD_REVISION:
            return
        _upgrade(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot update the journal schema at '{where}': {exc}") from exc


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    try:
        with engine.begin() as connection:
            # env.py runs on this connection instead of building an engine of its own.
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError as exc:
        # Most often a database written by a newer hipcoach, whose revision we do not know.
        raise StoreError(
            f"the journal at '{mask_url(engine.url)}' has a schema this version of hipcoach "
            f"does not know ({exc}); upgrade hipcoach"
        ) from exc
