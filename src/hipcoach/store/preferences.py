"""A person's own choices, one text value per key; each write is one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from hipcoach.domain.errors import StoreError
from hipcoach.store.repository import Repository
from hipcoach.store.tables import PreferenceRow, ProfileRow


class PreferenceRepository(Repository):
    """A person's own choices, one text value per key."""

    def get(self, profile_id: int, key: str) -> str | None:
        query = select(PreferenceRow.value).where(
            PreferenceRow.profile_id == profile_id, PreferenceRow.key == key
        )
        with self._transaction("read a preference") as db:
            return db.scalar(query)

    def all(self, profile_id: int) -> dict[str, str]:
        query = select(PreferenceRow).where(PreferenceRow.profile_id == profile_id)
        with self._transaction("read the preferences") as db:
            return {row.key: row.value for row in db.scalars(query)}

    def set(self, profile_id: int, key: str, value: str | None) -> None:
        """Store `value` for `key` (None removes it)."""
        with self._transaction("store a preference") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            row = db.scalar(
                select(PreferenceRow).where(
                    PreferenceRow.profile_id == profile_id, PreferenceRow.key == key
                )
            )
            if value is None:
                if row is not None:
                    db.delete(row)
                return
            if row is None:
                db.add(
                    PreferenceRow(
                        profile_id=profile_id, key=key, value=value, updated_at=datetime.now(UTC)
                    )
                )
            else:
                row.value, row.updated_at = value, datetime.now(UTC)
