"""Saving segments: one at a time from the terminal player, in batches from the web server.

A save reads the session's head, lets the caller say what the segment was,
then upserts the event and touches the session (the database's triggers keep
the figures and counters). Its answer, how many of the session's segments are
saved, is counted from the events read under the session's lock, which is
the count the figures trigger keeps. A batch runs many saves in one transaction, so the
disk sync that makes them durable is paid once for all of them: a group
commit, which is what lets one server keep up with many players at once.

A save may carry a key (the browser makes one per save and keeps it across
retries). The key and the answer are written with the save, so a save sent
again after its reply was lost writes nothing and gets the same answer: a
step's time is added once, however often it is sent.

On PostgreSQL several server processes write at once. A batch locks each
session's row before it writes anything, in session id order, so batches
never wait on each other in a circle; should the database still end one (a
deadlock with some other writer, a serialization failure), the batch is
written again in a new transaction, and a warning says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from hipcoach.domain.errors import HipcoachError, SessionStateError, StoreError
from hipcoach.store import queries as q
from hipcoach.store.driver import Driver, DriverCursor, DriverStatement
from hipcoach.store.records import OUTCOMES, Outcome, SegmentFacts, SessionHead
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
# The columns a save's key is kept with.
ANSWER_COLUMNS = ("session_id", "save_key", "segment_index", "saved")

# What a save comes to: the number of the session's segments saved now, None when
# there is no such session, or the error that refused it (nothing of it written).
SaveResult = int | None | HipcoachError

# PostgreSQL's codes for a transaction it ended to break a deadlock or a serialization
# conflict: the same work in a new transaction goes through.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
# How many times a batch is written before such an error is passed on.
WRITE_TRIES = 3

logger = logging.getLogger(__name__)


def is_transient(error: BaseException) -> bool:
    """Whether `error` (a StoreError) is the database ending a transaction that may be
    tried again as it was: a deadlock broken, a serialization failure."""
    return getattr(error.__cause__, "sqlstate", None) in TRANSIENT_SQLSTATES


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
    # Names this save across its retries: one sent again with the same key is answered
    # as the first was and writes nothing. None: every save counts (the terminal player).
    save_key: str | None = None


def write_segments(driver: Driver, saves: Sequence[SegmentSave]) -> list[SaveResult]:
    """Every save of `saves` in one transaction of its own; a result for each (see
    SegmentBatch.record_segments). Written again, up to WRITE_TRIES times in all, when
    the database ends the transaction to break a deadlock."""
    if not saves:
        return []
    for attempt in range(1, WRITE_TRIES + 1):
        try:
            with driver.transaction("record the segment", write=True) as db:
                return _Writer(driver, db).write_all(saves)
        except StoreError as failed:
            if attempt == WRITE_TRIES or not is_transient(failed):
                raise
            log_retry(len(saves), attempt, failed)
    raise AssertionError("unreachable: the last try returns or raises")


def log_retry(saves: int, attempt: int, failed: BaseException) -> None:
    """Say that a batch of `saves` saves is written again after try `attempt` failed."""
    logger.warning(
        "segment saves: the database ended a batch of %d save(s) (%s); writing it again "
        "(try %d of %d)",
        saves,
        getattr(failed.__cause__, "sqlstate", "?"),
        attempt + 1,
        WRITE_TRIES,
    )


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


@dataclass
class _Session:
    """What a batch knows of one session it saves to, read once under the session's lock."""

    head: SessionHead
    saved_indices: set[int]  # the segments with an event, this batch's included
    kept: dict[str, tuple[int, int]]  # save key -> (segment index, answer), this batch's too
    touched_at: datetime | None = None  # the latest save written to it in this batch


class _Writer:
    """Writes a batch in three steps: read each session it saves to, once, locked, in id
    order; check every save and work out its answer; then write all the events, the
    sessions' touches and the keys with one statement each, run for many rows (psycopg
    sends those rows in one go, not one round trip to PostgreSQL per row)."""

    def __init__(self, driver: Driver, db: DriverCursor) -> None:
        self.db = db
        self.head = driver.compiled(q.SESSION_HEAD)
        self.indices = driver.compiled(q.SAVED_INDICES)
        self.answer = driver.compiled(q.SAVED_ANSWER)
        self.at_once = (
            tuple(driver.compiled(statement) for statement in q.batch_reads_postgresql())
            if driver.dialect.name == "postgresql"
            else None
        )
        self.upsert = driver.compiled(q.segment_upsert(driver.dialect.name), EVENT_COLUMNS)
        self.touch = driver.compiled(q.TOUCH_SESSION)
        self.keep = driver.compiled(q.KEEP_ANSWER, ANSWER_COLUMNS)

    def write_all(self, saves: Sequence[SegmentSave]) -> list[SaveResult]:
        results: list[SaveResult] = [None] * len(saves)
        sessions = self.read_sessions(saves)
        events: list[dict[str, object]] = []
        answers: list[dict[str, object]] = []
        # Sessions in id order, each one's saves in the order given: the writes below then
        # go in the order the locks were taken.
        for number in sorted(range(len(saves)), key=lambda n: saves[n].session_id):
            save = saves[number]
            session = sessions.get(save.session_id)
            if session is None:
                continue  # no such session: None
            try:
                checked = self.check(save, session)
            except HipcoachError as refused:
                results[number] = refused
                continue
            if isinstance(checked, int):
                results[number] = checked  # sent before: the answer it got then
                continue
            session.saved_indices.add(save.segment_index)
            saved = results[number] = len(session.saved_indices)
            session.touched_at = cast(datetime, checked["recorded_at"])
            events.append(checked)
            if save.save_key is not None:
                session.kept[save.save_key] = (save.segment_index, saved)
                answers.append(
                    {
                        "session_id": save.session_id,
                        "save_key": save.save_key,
                        "segment_index": save.segment_index,
                        "saved": saved,
                    }
                )
        # Past the checks, any error (the database's) fails the whole batch.
        touches = [
            {"session_id": session_id, "at": session.touched_at}
            for session_id, session in sorted(sessions.items())
            if session.touched_at is not None
        ]
        self.db.run_many_together(
            [(self.upsert, events), (self.touch, touches), (self.keep, answers)]
        )
        return results

    def read_sessions(self, saves: Sequence[SegmentSave]) -> dict[str, _Session]:
        """Each session `saves` name that exists, locked in id order on PostgreSQL: see
        queries.batch_reads_postgresql."""
        keyed: dict[str, set[str]] = {}
        for save in saves:
            if save.save_key is not None:
                keyed.setdefault(save.session_id, set()).add(save.save_key)
        if self.at_once is not None:
            ids = sorted({save.session_id for save in saves})
            return self.read_sessions_at_once(self.at_once, ids, keyed)
        sessions: dict[str, _Session] = {}
        for session_id in sorted({save.session_id for save in saves}):
            found = self.db.first(self.head, {"session_id": session_id})
            if found is None:
                continue
            head = SessionHead.from_row(found)
            by_id = {"session_id": session_id}
            indices = {int(row[0]) for row in self.db.all(self.indices, by_id)}
            kept = self.kept_answers(session_id, sorted(keyed.get(session_id, ())))
            sessions[session_id] = _Session(head, indices, kept)
        return sessions

    def kept_answers(self, session_id: str, keys: list[str]) -> dict[str, tuple[int, int]]:
        """Which of `keys` the session's saves were already sent with: key -> (segment
        index, answer). Only these keys are read, however many the session holds."""
        found = (
            self.db.first(self.answer, {"session_id": session_id, "save_key": key}) for key in keys
        )
        return {str(row[0]): (int(row[1]), int(row[2])) for row in found if row is not None}

    def read_sessions_at_once(
        self,
        statements: tuple[DriverStatement, ...],
        session_ids: list[str],
        keyed: dict[str, set[str]],
    ) -> dict[str, _Session]:
        """read_sessions in three statements whatever the batch holds, sent together
        (PostgreSQL): the heads lock the sessions first, and the database runs the other
        two after it, so they read what the locks hold still."""
        heads, indices, answers = statements
        pairs = [(sid, key) for sid in session_ids for key in sorted(keyed.get(sid, ()))]
        by_ids = {"session_ids": session_ids}
        reads = [(heads, by_ids), (indices, by_ids)]
        if pairs:
            by_pairs = {"key_sessions": [p[0] for p in pairs], "save_keys": [p[1] for p in pairs]}
            reads.append((answers, by_pairs))
        found = self.db.all_together(reads)
        sessions: dict[str, _Session] = {}
        for row in found[0]:
            head = SessionHead.from_row(row)
            sessions[head.id] = _Session(head, set(), {})
        for session_id, index in found[1]:
            if session_id in sessions:
                sessions[session_id].saved_indices.add(int(index))
        for session_id, key, index, saved in found[2] if pairs else ():
            if session_id in sessions:
                sessions[session_id].kept[key] = (int(index), int(saved))
        return sessions

    def check(self, save: SegmentSave, session: _Session) -> dict[str, object] | int:
        """The event's columns, or the answer a save sent before with this key got.
        Refuses (raises) before anything is written."""
        if save.outcome not in OUTCOMES:
            raise StoreError(
                f"unknown segment outcome '{save.outcome}'; expected one of {OUTCOMES}"
            )
        if not math.isfinite(save.elapsed_seconds) or save.elapsed_seconds < 0:
            raise StoreError("segment times must be finite and not negative")
        recorded = utc(save.recorded_at)
        head = session.head
        facts = save.describe(head)  # first: the caller's refusal says more than ours
        if save.save_key is not None and (kept := session.kept.get(save.save_key)):
            index, answer = kept
            if index != save.segment_index:
                raise SessionStateError(
                    f"this save's key was already used for step {index} of the "
                    f"session; each save needs a key of its own"
                )
            return answer
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
