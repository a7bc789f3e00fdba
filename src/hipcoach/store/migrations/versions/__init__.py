"""Alembic revisions, oldest first; HEAD_REVISION in hipcoach.store.migrate names the newest."""
