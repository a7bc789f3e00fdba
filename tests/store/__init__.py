"""Tests of the session journal (hipcoach.store), run on SQLite and PostgreSQL."""
