"""Saving segments: one at a time from the terminal player, in batches from the web server.

A save reads the session's head, lets the caller say what the segment was,
then upserts the event and touches the session (the database's triggers keep
the figures and counters). A batch runs many saves in one transaction, so the
disk sync that makes them durable is paid once for all of them: a group
commit, which is what lets one server keep up with many players at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from hipcoach.domain.errors import HipcoachError, StoreError
from hipcoach.store import queries as q
from hipcoach.store.driver import Driver, DriverCursor
from hipcoach.store.records import OUTCOMES, Outcome, SegmentFacts, SessionHead, SessionStatus
from hipcoach.store.repository import utc

# The columns a segment event is written with (its id is the database's to give).
EVENT_COLUMNS = (
    "session_id",
    "profile_id",
    "segment_index",
    "kind",
    "exercise_id",
    "side",
    "outcome",
    "planned_seconds",
    "elapsed_seconds",
    "recorded_at",
)

# What a save comes to: the number of the session's segments saved now, None when
# there is no such session, or the error that refused it (nothing of it written).
SaveResult = int | None | HipcoachError


@dataclass(frozen=True)
class SegmentSave:
    """One segment to save. `describe` gets the session's head inside the transaction
    and returns what the segment was, or raises a HipcoachError to refuse it."""

    session_id: str
    segment_index: int
    describe: Callable[[SessionHead], SegmentFacts]
    outcome: Outcome
    elapsed_seconds: float
    recorded_at: datetime | None = None


def write_segments(driver: Driver, saves: Sequence[SegmentSave]) -> list[SaveResult]:
    """Every save of `saves` in one transaction of its own; a result for each (see
    SegmentBatch.record_segments)."""
    if not saves:
        return []
    with driver.transaction("record the segment", write=True) as db:
        return _Writer(driver, db).write_all(saves)


class SegmentBatch:
    """A write transaction for segment saves, held open until commit() or rollback().

    For a server that gathers the saves of many players into one commit (see
    HeldTransaction for the rules of crossing threads).
    """

    def __init__(self, driver: Driver, *, wait: bool = True) -> None:
        self._held = driver.begin("record the segment", write=True, wait=wait)
        self._writer = _Writer(driver, self._held.cursor)

    def record_segments(self, saves: Sequence[SegmentSave]) -> list[SaveResult]:
        """Every save of `saves`, in order, a result for each. Each is checked before
        anything of it is written, so a refused one leaves the others to go ahead;
        a database error is raised (StoreError), and then only rollback() is left."""
        with self._held.errors():
            return self._writer.write_all(saves)

    def commit(self) -> None:
        """Make every save written so far durable at once (one disk sync)."""
        self._held.commit()

    def rollback(self) -> None:
        """Undo every save of the batch."""
        self._held.rollback()


class _Writer:
    def __init__(self, driver: Driver, db: DriverCursor) -> None:
        self.db = db
        self.head = driver.compiled(q.SESSION_HEAD)
        self.upsert = driver.compiled(q.segment_upsert(driver.dialect.name), EVENT_COLUMNS)
        self.touch = driver.compiled(q.TOUCH_SESSION)

    def write_all(self, saves: Sequence[SegmentSave]) -> list[SaveResult]:
        results: list[SaveResult] = []
        for save in saves:
            try:
                values = self.check(save)
            except HipcoachError as refused:
                results.append(refused)
                continue
            # Past the checks, any error (the database's) fails the whole batch.
            results.append(None if values is None else self.write(values))
        return results

    def check(self, save: SegmentSave) -> dict[str, object] | None:
        """The event's columns, or None for no such session; refuses before writing."""
        if save.outcome not in OUTCOMES:
            raise StoreError(
                f"unknown segment outcome '{save.outcome}'; expected one of {OUTCOMES}"
            )
        if not math.isfinite(save.elapsed_seconds) or save.elapsed_seconds < 0:
            raise StoreError("segment times must be finite and not negative")
        recorded = utc(save.recorded_at)
        found = self.db.first(self.head, {"session_id": save.session_id})
        if found is None:
            return None
        head = SessionHead(found[0], found[1], cast(SessionStatus, found[2]), *found[3:])
        facts = save.describe(head)  # first: the caller's refusal says more than ours
        if not 0 <= save.segment_index < head.total_segments:
            raise StoreError(
                f"segment {save.segment_index} is outside session '{save.session_id}', "
                f"which has {head.total_segments} segments"
            )
        if facts.planned_seconds < 0:
            raise StoreError("segment times must be finite and not negative")
        return {
            "session_id": save.session_id,
            "profile_id": head.profile_id,
            "segment_index": save.segment_index,
            "kind": facts.kind,
            "exercise_id": facts.exercise_id,
            "side": facts.side,
            "outcome": save.outcome,
            "planned_seconds": facts.planned_seconds,
            "elapsed_seconds": float(save.elapsed_seconds),
            "recorded_at": recorded,
        }

    def write(self, values: dict[str, object]) -> int:
        """Write the event and touch its session; returns the session's saved count."""
        self.db.run(self.upsert, values)
        at = {"session_id": values["session_id"], "at": values["recorded_at"]}
        touched = self.db.first(self.touch, at)
        if touched is None:
            # The upsert's foreign key holds the session in place, so this is a bug.
            raise RuntimeError(f"session '{values['session_id']}' vanished during a save")
        return int(touched[0])
