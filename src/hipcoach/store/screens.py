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
from hipcoach.store.tables import ProfileRow, ScreenRow


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
        """The profile's newest screen, or None if it has never taken one."""
        found = self.history(profile_id, limit=1)
        return found[0] if found else None

    def history(self, profile_id: int, limit: int | None = None) -> list[StoredScreen]:
        """The profile's screens, newest first."""
        query = (
            select(ScreenRow)
            .where(ScreenRow.profile_id == profile_id)
            .order_by(ScreenRow.taken_at.desc(), ScreenRow.id.desc())
            .limit(limit)
        )
        with self._transaction("read the screens") as db:
            return [_record(row) for row in db.scalars(query)]


def _record(row: ScreenRow) -> StoredScreen:
    try:
        answers = json.loads(row.answers_json)
        outcome = outcome_from_dict(json.loads(row.outcome_json))
        if not isinstance(answers, dict) or outcome.status.value != row.status:
            raise ValueError("answers or status do not match the outcome")
    except (KeyError, ValueError, TypeError) as exc:
        # A bent row must not read as "clear": refuse it and say which one.
        raise StoreError(f"screen {row.id} in the journal cannot be read ({exc})") from exc
    return StoredScreen(
        id=row.id,
        profile_id=row.profile_id,
        taken_at=row.taken_at,
        status=Readiness(row.status),
        answers=answers,
        outcome=outcome,
    )
