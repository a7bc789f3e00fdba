"""Plain, frozen values the journal hands out; callers never see ORM objects."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, cast

SessionStatus = Literal["in_progress", "partial", "completed"]
Outcome = Literal["completed", "skipped"]
# "ended_for_safety": stored as partial with the rule that ended it (sessions.ended_by_rule).
ShownStatus = Literal["partial", "completed", "ended_for_safety"]

SESSION_STATUSES: Final = ("in_progress", "partial", "completed")


def shown_status(status: str, ended_by_rule: str | None) -> ShownStatus:
    """The status people see for a finished or unfinished session (never "in_progress")."""
    if ended_by_rule is not None:
        return "ended_for_safety"
    return "completed" if status == "completed" else "partial"


FINAL_STATUSES: Final = ("partial", "completed")
OUTCOMES: Final = ("completed", "skipped")


@dataclass(frozen=True)
class ProfileRecord:
    """A person whose sessions the journal keeps apart from everyone else's."""

    id: int
    name: str


@dataclass(frozen=True)
class DataVersion:
    """A profile's change counters: equal versions mean nothing a reader saw has changed.

    `records` moves with every change but segment progress; `segments` with
    every segment saved. Both are kept by the database (see migration 0004).
    """

    records: int
    segments: int

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> DataVersion:
        """From a row of queries.DATA_VERSION: (records, segments)."""
        return cls(records=int(row[0]), segments=int(row[1]))


@dataclass(frozen=True)
class SessionHead:
    """The few facts about a session that saving one of its segments needs."""

    id: str
    profile_id: int
    status: SessionStatus
    fingerprint: str
    total_segments: int

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SessionHead:
        """From a row of (id, profile_id, status, fingerprint, total_segments)."""
        return cls(row[0], row[1], cast(SessionStatus, row[2]), *row[3:])


@dataclass(frozen=True)
class SegmentFacts:
    """What a segment was, as its session's timeline says: stored with each event."""

    kind: str
    exercise_id: str
    side: str
    planned_seconds: int


@dataclass(frozen=True)
class SessionRecord:
    """One session as stored, with figures summed from its segment events."""

    id: str
    profile_id: int
    routine_id: str
    routine_name: str
    options_json: str
    fingerprint: str
    total_segments: int
    total_seconds: int
    status: SessionStatus
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    done_indices: frozenset[int]
    completed_count: int
    skipped_count: int
    time_spent_seconds: float
    ended_by_rule: str | None = None  # set when a rule ended it for safety

    @property
    def shown_status(self) -> ShownStatus:
        """The status people see: a session a rule ended says so."""
        return shown_status(self.status, self.ended_by_rule)

    @property
    def options(self) -> dict[str, Any]:
        """The compile options the session was started with."""
        value: dict[str, Any] = json.loads(self.options_json)
        return value


@dataclass(frozen=True)
class HistoryRow:
    """One line of the history list, in the words shown to users."""

    session_id: str
    started_at: datetime
    routine_id: str
    routine_name: str
    status: ShownStatus
    resumable: bool
    segments_done: int
    segments_completed: int
    segments_total: int
    time_spent_seconds: float
    ended_by_rule: str | None = None  # the rule that ended it for safety, if one did
