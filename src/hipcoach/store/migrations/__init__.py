"""Alembic migration scripts for the journal; run them with hipcoach.store.migrate."""
