"""Readiness screens as stored: the answers as given and the outcome they led to.

The outcome is kept whole (reasons, adjustments, next steps), not recomputed
from the answers on reading: what a person was told on the day is the record,
even after the rules in screening.toml change. Each write is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hipcoach.domain.decisions import Adjustment, AdjustmentKind
from hipcoach.domain.errors import StoreError
from hipcoach.domain.screening import Answer, FlagLevel, Readiness, ScreenOutcome, ScreenReason
from hipcoach.store.repository import Repository
from hipcoach.store.row_problems import (
    RowInvalid,
    RowProblem,
    check_choice,
    check_moment,
    convert,
    converted,
    kept,
    load_json,
    rows_of,
)
from hipcoach.store.tables import SCREEN_STATUSES, ProfileRow, ScreenRow


@dataclass(frozen=True)
class StoredScreen:
    """One screen as stored, its answers and outcome parsed back."""

    id: int
    profile_id: int
    taken_at: datetime
    status: Readiness
    answers: Mapping[str, Answer]
    outcome: ScreenOutcome


def outcome_to_dict(outcome: ScreenOutcome) -> dict[str, Any]:
    """The outcome as plain JSON-ready values (also what `--json` prints)."""
    return {
        "status": outcome.status.value,
        "verdict": outcome.verdict.value,
        "form_version": outcome.form_version,
        "valid_for_days": outcome.valid_for_days,
        "reasons": [
            {
                "rule_id": r.rule_id,
                "level": r.level.value,
                "question": r.question_id,
                "reason": r.reason,
            }
            for r in outcome.reasons
        ],
        "adjustments": [
            {
                "rule_id": a.rule_id,
                "kind": a.kind.value,
                "reason": a.reason,
                "exercise_ids": list(a.exercise_ids),
                "replacement": a.replacement,
                "effort_percent": a.effort_percent,
                "demands": list(a.demands),
            }
            for a in outcome.adjustments
        ],
        "what_to_do": list(outcome.what_to_do),
        "what_would_change_it": list(outcome.what_would_change_it),
    }


def outcome_from_dict(data: Mapping[str, Any]) -> ScreenOutcome:
    """Parse `outcome_to_dict`'s output back; raises KeyError, ValueError or TypeError if bent."""
    return ScreenOutcome(
        status=Readiness(data["status"]),
        reasons=tuple(
            ScreenReason(r["rule_id"], FlagLevel(r["level"]), r["question"], r["reason"])
            for r in data["reasons"]
        ),
        adjustments=tuple(
            Adjustment(
                rule_id=a["rule_id"],
                reason=a["reason"],
                kind=AdjustmentKind(a["kind"]),
                exercise_ids=tuple(a["exercise_ids"]),
                replacement=a["replacement"],
                effort_percent=a["effort_percent"],
                # Screens stored before demands existed have none: they read as they were.
                demands=tuple(a.get("demands", ())),
            )
            for a in data["adjustments"]
        ),
        what_to_do=tuple(data["what_to_do"]),
        what_would_change_it=tuple(data["what_would_change_it"]),
        form_version=int(data["form_version"]),
        valid_for_days=int(data["valid_for_days"]),
    )


class ScreenRepository(Repository):
    """Reads and writes readiness screens through one SQLAlchemy engine."""

    def save(
        self,
        profile_id: int,
        taken_at: datetime,
        answers: Mapping[str, Answer],
        outcome: ScreenOutcome,
    ) -> int:
        """Store one screen and return its id; committed before this returns."""
        if taken_at.tzinfo is None or taken_at.utcoffset() is None:
            raise StoreError("a screen's time must be timezone-aware (got a naive datetime)")
        try:
            answers_json = json.dumps(dict(answers))
            outcome_json = json.dumps(outcome_to_dict(outcome))
        except (TypeError, ValueError) as exc:
            raise StoreError(f"the screen cannot be stored as JSON: {exc}") from None
        with self._transaction("store the screen") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            row = ScreenRow(
                profile_id=profile_id,
                taken_at=taken_at.astimezone(UTC),
                status=outcome.status.value,
                answers_json=answers_json,
                outcome_json=outcome_json,
            )
            db.add(row)
            db.flush()
            return row.id

    def latest(self, profile_id: int) -> StoredScreen | None:
        """The profile's newest screen, or None if it has never taken one.

        A screen that cannot be read and was stored after the newest readable one
        makes this None: it may have said stop, so the person is asked to screen
        again rather than handed an older, clearer outcome.
        """
        results = self._results(profile_id)
        found = kept(results)
        if not found:
            return None
        newest = found[0]
        if any(isinstance(r, RowProblem) and int(r.row_id) > newest.id for r in results):
            return None
        return newest

    def history(self, profile_id: int, limit: int | None = None) -> list[StoredScreen]:
        """The profile's screens, newest first; rows that cannot be read are left out."""
        found = kept(self._results(profile_id))
        return found if limit is None else found[:limit]

    def _results(self, profile_id: int) -> list[StoredScreen | RowProblem]:
        # Every screen, not just the newest: one every 90 days is a short list, and
        # `latest` needs to know about unreadable rows stored after the one it picks.
        query = (
            select(ScreenRow)
            .where(ScreenRow.profile_id == profile_id)
            .order_by(ScreenRow.taken_at.desc(), ScreenRow.id.desc())
        )
        with self._transaction("read the screens") as db:
            return converted(rows_of(db, query, ScreenRow.__table__), screen_from_row)


def screen_from_row(row: ScreenRow) -> StoredScreen | RowProblem:
    """The stored screen, or the problem that keeps it out of every view."""
    return convert("screens", row.id, lambda: _record(row))


def _record(row: ScreenRow) -> StoredScreen:
    taken_at = check_moment("taken_at", row.taken_at)
    status = check_choice("status", row.status, SCREEN_STATUSES)
    answers = load_json("answers_json", row.answers_json)
    if not isinstance(answers, dict):
        raise RowInvalid("answers_json", "is not a set of answers")
    try:
        outcome = outcome_from_dict(load_json("outcome_json", row.outcome_json))
    except (KeyError, ValueError, TypeError) as exc:
        raise RowInvalid("outcome_json", f"is not a screen outcome ({exc})") from None
    if outcome.status.value != status:
        # A bent row must not read as "clear": the outcome is the record, the column its copy.
        raise RowInvalid("status", f"'{status}' does not match the outcome's '{outcome.status}'")
    return StoredScreen(
        id=row.id,
        profile_id=row.profile_id,
        taken_at=taken_at,
        status=Readiness(status),
        answers=answers,
        outcome=outcome,
    )
