"""Clinical pauses (holds) and their clearances, as stored.

A hold is written once when it begins and once when it is lifted; nothing
else ever changes it, so what a person was told and when stays the record.
Each write is one transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from hipcoach.domain.errors import StoreError
from hipcoach.domain.holds import Clearance, Hold, HoldKind
from hipcoach.domain.screening import FlagLevel
from hipcoach.store.repository import Repository
from hipcoach.store.tables import HoldRow, ProfileRow


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{what} must be timezone-aware (got a naive datetime)")
    return moment.astimezone(UTC)


class HoldRepository(Repository):
    """Reads and writes holds through one SQLAlchemy engine."""

    def begin(self, profile_id: int, hold: Hold) -> Hold:
        """Store a new hold; returns it with its id. One open hold per kind: a second is kept
        as well (its own reasons and signs), since each names what happened."""
        if hold.kind is HoldKind.SCREEN:
            raise StoreError("a screen's stop is read from the screen; it is not stored as a hold")
        with self._transaction("store the pause") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            row = HoldRow(
                profile_id=profile_id,
                kind=hold.kind.value,
                level=hold.level.value,
                since=_aware(hold.since, "a pause's start"),
                rule_ids_json=json.dumps(list(hold.rule_ids)),
                reasons_json=json.dumps(list(hold.reasons)),
                what_to_do=hold.what_to_do,
                signs_json=json.dumps(list(hold.signs)),
            )
            db.add(row)
            db.flush()
            return _record(row)

    def open(self, profile_id: int) -> list[Hold]:
        """The holds not yet lifted, oldest first."""
        query = (
            select(HoldRow)
            .where(HoldRow.profile_id == profile_id, HoldRow.lifted_at.is_(None))
            .order_by(HoldRow.since, HoldRow.id)
        )
        with self._transaction("read the pauses") as db:
            return [_record(row) for row in db.scalars(query)]

    def history(self, profile_id: int, limit: int | None = None) -> list[Hold]:
        """Every hold, newest first, lifted or not."""
        query = (
            select(HoldRow)
            .where(HoldRow.profile_id == profile_id)
            .order_by(HoldRow.since.desc(), HoldRow.id.desc())
            .limit(limit)
        )
        with self._transaction("read the pauses") as db:
            return [_record(row) for row in db.scalars(query)]

    def lift_all(
        self,
        profile_id: int,
        at: datetime,
        how: str,
        clearance: Clearance | None = None,
        begun_by: datetime | None = None,
    ) -> list[Hold]:
        """Lift the open holds that began by `begun_by` (all open ones when None), in one
        transaction: a pause begun after the clearance or the screen is not theirs to lift,
        even one stored while this runs."""
        if how not in ("clearance", "screen"):
            raise StoreError(f"a pause is lifted by a clearance or a screen, not '{how}'")
        moment = _aware(at, "the time a pause is lifted")
        query = select(HoldRow).where(HoldRow.profile_id == profile_id, HoldRow.lifted_at.is_(None))
        if begun_by is not None:
            query = query.where(HoldRow.since <= _aware(begun_by, "the clearance's time"))
        with self._transaction("lift the pause") as db:
            rows = list(db.scalars(query.with_for_update()))
            for row in rows:
                row.lifted_at = moment
                row.lifted_how = how
                if clearance is not None:
                    row.cleared_by = clearance.by
                    row.cleared_on = clearance.on
                    row.clearance_note = clearance.note
            db.flush()
            return [_record(row) for row in rows]


def _record(row: HoldRow) -> Hold:
    try:
        rule_ids = json.loads(row.rule_ids_json)
        reasons = json.loads(row.reasons_json)
        signs = json.loads(row.signs_json)
        if not (isinstance(rule_ids, list) and isinstance(reasons, list) and len(rule_ids)):
            raise ValueError("rule ids and reasons must be lists")
        if len(rule_ids) != len(reasons) or not isinstance(signs, list):
            raise ValueError("each rule needs its reason")
        clearance = None
        if row.cleared_by is not None and isinstance(row.cleared_on, date):
            clearance = Clearance(row.cleared_by, row.cleared_on, row.clearance_note)
        return Hold(
            kind=HoldKind(row.kind),
            level=FlagLevel(row.level),
            since=row.since,
            rule_ids=tuple(str(r) for r in rule_ids),
            reasons=tuple(str(r) for r in reasons),
            what_to_do=row.what_to_do,
            signs=tuple(str(s) for s in signs),
            id=row.id,
            lifted_at=row.lifted_at,
            lifted_how=row.lifted_how,
            clearance=clearance,
        )
    except (KeyError, ValueError, TypeError) as exc:
        # A bent row must not read as "no pause": refuse it and say which one.
        raise StoreError(f"pause {row.id} in the journal cannot be read ({exc})") from exc
