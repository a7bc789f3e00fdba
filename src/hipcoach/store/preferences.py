"""A person's own choices, one text value per key; each write is one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from hipcoach.domain.errors import StoreError
from hipcoach.domain.validation import PREFERENCE_VALUE_MAX
from hipcoach.store.repository import Repository
from hipcoach.store.row_problems import (
    RowProblem,
    check_text,
    convert,
    converted,
    kept,
    rows_of,
)
from hipcoach.store.tables import PreferenceRow, ProfileRow


class PreferenceRepository(Repository):
    """A person's own choices, one text value per key."""

    def all(self, profile_id: int) -> dict[str, str]:
        """Every readable choice of the profile, by key."""
        query = select(PreferenceRow).where(PreferenceRow.profile_id == profile_id)
        with self._transaction("read the preferences") as db:
            rows = rows_of(db, query, PreferenceRow.__table__)
            return dict(kept(converted(rows, preference_from_row)))

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


def preference_from_row(row: PreferenceRow) -> tuple[str, str] | RowProblem:
    """The stored (key, value), or the problem that keeps it from being applied."""

    def build() -> tuple[str, str]:
        key = check_text("key", row.key, 64, empty=False)
        return key, check_text("value", row.value, PREFERENCE_VALUE_MAX)

    return convert("preferences", row.id, build)
