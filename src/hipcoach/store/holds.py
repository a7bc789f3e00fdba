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
from hipcoach.store.row_problems import (
    RowInvalid,
    RowProblem,
    check_choice,
    check_moment,
    check_optional_moment,
    check_optional_text,
    check_text,
    convert,
    converted,
    kept,
    load_json,
    report,
    rows_of,
)
from hipcoach.store.tables import HOLD_KINDS, HOLD_LEVELS, HoldRow, ProfileRow

# What a pause that cannot be read says instead: it still holds, since it may have been a
# warning sign, and it is lifted the usual way (a clearance or a new screen) or by doctor.
UNREADABLE_RULE = "journal.unreadable-pause"
UNREADABLE_REASON = "A pause stored in your journal cannot be read, so it is kept in force."
UNREADABLE_WHAT_TO_DO = (
    "Run `hipcoach doctor` to see which record it is. If you had a warning sign, see a "
    "clinician before going on."
)


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
            return _in_force(row)

    def open(self, profile_id: int) -> list[Hold]:
        """The holds not yet lifted, oldest first."""
        query = (
            select(HoldRow)
            .where(HoldRow.profile_id == profile_id, HoldRow.lifted_at.is_(None))
            .order_by(HoldRow.since, HoldRow.id)
        )
        with self._transaction("read the pauses") as db:
            rows = rows_of(db, query, HoldRow.__table__)
            return [_in_force(row) for row in rows]

    def history(self, profile_id: int, limit: int | None = None) -> list[Hold]:
        """Every hold, newest first, lifted or not."""
        query = (
            select(HoldRow)
            .where(HoldRow.profile_id == profile_id)
            .order_by(HoldRow.since.desc(), HoldRow.id.desc())
            .limit(limit)
        )
        with self._transaction("read the pauses") as db:
            return kept(converted(rows_of(db, query, HoldRow.__table__), hold_from_row))

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
            return [_in_force(row) for row in rows]


def hold_from_row(row: HoldRow) -> Hold | RowProblem:
    """The stored pause, or the problem that says why it cannot be read."""
    return convert("holds", row.id, lambda: _record(row))


def _in_force(row: HoldRow | RowProblem) -> Hold:
    """The pause, or, when it cannot be read, a stand-in that still holds (and is reported).

    A bent row must not read as "no pause": a warning sign left out would let a
    session start that the pause was there to stop.
    """
    found = row if isinstance(row, RowProblem) else hold_from_row(row)
    if not isinstance(found, RowProblem):
        return found
    report(found)
    since = getattr(row, "since", None)
    return Hold(
        kind=HoldKind.WARNING_SIGN,
        level=FlagLevel.CLINICIAN,
        since=since if isinstance(since, datetime) and since.tzinfo else datetime.now(UTC),
        rule_ids=(UNREADABLE_RULE,),
        reasons=(UNREADABLE_REASON,),
        what_to_do=UNREADABLE_WHAT_TO_DO,
        id=int(found.row_id),
    )


def _record(row: HoldRow) -> Hold:
    kind = HoldKind(check_choice("kind", row.kind, HOLD_KINDS))
    level = FlagLevel(check_choice("level", row.level, HOLD_LEVELS))
    since = check_moment("since", row.since)
    rule_ids = load_json("rule_ids_json", row.rule_ids_json)
    reasons = load_json("reasons_json", row.reasons_json)
    signs = load_json("signs_json", row.signs_json)
    if not isinstance(rule_ids, list) or not rule_ids:
        raise RowInvalid("rule_ids_json", "is not a list of rule ids")
    if not isinstance(reasons, list) or len(rule_ids) != len(reasons):
        raise RowInvalid("reasons_json", "does not give one reason for each rule")
    if not isinstance(signs, list):
        raise RowInvalid("signs_json", "is not a list of warning signs")
    check_text("what_to_do", row.what_to_do)
    check_optional_moment("lifted_at", row.lifted_at)
    if row.lifted_how is not None:
        check_choice("lifted_how", row.lifted_how, ("clearance", "screen"))
    check_optional_text("cleared_by", row.cleared_by, 100)
    check_optional_text("clearance_note", row.clearance_note)
    clearance = None
    if row.cleared_by is not None and isinstance(row.cleared_on, date):
        clearance = Clearance(row.cleared_by, row.cleared_on, row.clearance_note)
    return Hold(
        kind=kind,
        level=level,
        since=since,
        rule_ids=tuple(str(r) for r in rule_ids),
        reasons=tuple(str(r) for r in reasons),
        what_to_do=row.what_to_do,
        signs=tuple(str(s) for s in signs),
        id=row.id,
        lifted_at=row.lifted_at,
        lifted_how=row.lifted_how,
        clearance=clearance,
    )
