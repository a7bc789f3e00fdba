"""The session journal: profiles, sessions and what happened to each segment.

Every public method runs in its own short transaction and commits before it
returns, so a player killed right after `record_segment` loses nothing. The
methods return frozen records, never ORM objects, so callers cannot touch the
database by accident and the records outlive the transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, Self

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hipcoach.domain.errors import HipcoachError, StoreError
from hipcoach.store import queries as q
from hipcoach.store.devices import DeviceRepository
from hipcoach.store.driver import Driver
from hipcoach.store.records import (
    FINAL_STATUSES,
    DataVersion,
    HistoryRow,
    Outcome,
    ProfileRecord,
    SegmentFacts,
    SessionHead,
    SessionRecord,
    SessionStatus,
)
from hipcoach.store.repository import Repository, now, utc
from hipcoach.store.row_problems import (
    UNLOADABLE,
    RowProblem,
    kept,
    report,
    rows_of,
)
from hipcoach.store.segments import SaveResult, SegmentBatch, SegmentSave, write_segments
from hipcoach.store.session_rows import history_row, session_from_row
from hipcoach.store.tables import ProfileRow, SessionRow


class Journal(Repository):
    """Reads and writes the session journal through one SQLAlchemy engine.

    The statements a busy web server runs on every request (the change
    counters, a segment save, the newest sessions) go through the engine's
    driver connections instead (see store.driver); the SQL is the same Core.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._driver = Driver(engine)

    @cached_property
    def devices(self) -> DeviceRepository:
        """The server's paired devices and pairing codes (no profile's records)."""
        return DeviceRepository(self.engine, self._driver)

    def close(self) -> None:
        """Close the engine's pooled connections; the journal is not used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def ensure_profile(self, name: str) -> ProfileRecord:
        """The profile called `name`, created on first use."""
        name = name.strip()
        if not name:
            raise StoreError("a profile name cannot be empty")
        # Named columns, not the entity: a journal still on an older schema must open
        # far enough for its migration to run.
        by_name = select(ProfileRow.id, ProfileRow.name).where(ProfileRow.name == name)
        with self._connection("read the profiles") as db:
            found = db.execute(by_name).first()
        if found is not None:
            return ProfileRecord(id=found.id, name=found.name)
        try:
            with self._connection("create the profile") as db:
                created = db.execute(
                    insert(ProfileRow).values(name=name, created_at=now()).returning(ProfileRow.id)
                ).scalar_one()
                return ProfileRecord(id=created, name=name)
        except StoreError as exc:
            # Another process created it between our read and our insert: use theirs.
            if not isinstance(exc.__cause__, IntegrityError):
                raise
        with self._connection("read the profiles") as db:
            row = db.execute(by_name).one()
            return ProfileRecord(id=row.id, name=row.name)

    def start_session(
        self,
        profile_id: int,
        routine_id: str,
        routine_name: str,
        options: Mapping[str, Any],
        fingerprint: str,
        total_segments: int,
        total_seconds: int,
        started_at: datetime | None = None,
    ) -> str:
        """Record a new in-progress session and return its id."""
        try:
            options_json = json.dumps(options, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"session options cannot be stored as JSON: {exc}") from None
        if total_segments < 0 or total_seconds < 0:
            raise StoreError("a session cannot have a negative length")
        started = utc(started_at)
        session_id = uuid.uuid4().hex
        with self._transaction("start the session") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            db.add(
                SessionRow(
                    id=session_id,
                    profile_id=profile_id,
                    routine_id=routine_id,
                    routine_name=routine_name,
                    options_json=options_json,
                    fingerprint=fingerprint,
                    total_segments=total_segments,
                    total_seconds=total_seconds,
                    status="in_progress",
                    started_at=started,
                    updated_at=started,
                )
            )
        return session_id

    def record_segment(
        self,
        session_id: str,
        segment_index: int,
        kind: str,
        exercise_id: str,
        side: str,
        outcome: Outcome,
        planned_seconds: int,
        elapsed_seconds: float,
        recorded_at: datetime | None = None,
    ) -> int:
        """Record what happened to one segment, committed before this returns; returns how
        many of the session's segments are saved now.

        Recording an index again updates its row: the outcome never goes from
        'completed' back to 'skipped', and the elapsed time is added, since a
        segment replayed after 'back' really took both stretches of time.
        """
        facts = SegmentFacts(str(kind), exercise_id, str(side), planned_seconds)
        done = self.record_segment_of(
            session_id, segment_index, lambda _: facts, outcome, elapsed_seconds, recorded_at
        )
        if done is None:
            raise StoreError(f"no session with id '{session_id}'")
        return done

    def record_segment_of(
        self,
        session_id: str,
        segment_index: int,
        describe: Callable[[SessionHead], SegmentFacts],
        outcome: Outcome,
        elapsed_seconds: float,
        recorded_at: datetime | None = None,
    ) -> int | None:
        """`record_segment` for a caller that learns what the segment was from the session.

        `describe` gets the session's head inside the transaction and returns the
        segment's facts, or raises to refuse (nothing is written). Returns how many
        segments are saved now, or None when there is no such session. One
        transaction: the browser player saves one of these every few seconds.
        """
        save = SegmentSave(
            session_id, segment_index, describe, outcome, elapsed_seconds, recorded_at
        )
        [result] = self.record_segments([save])
        if isinstance(result, HipcoachError):
            raise result
        return result

    def record_segments(self, saves: Sequence[SegmentSave]) -> list[SaveResult]:
        """Several saves in one transaction and one disk sync (see store.segments).

        Returns, in order, each save's count of saved segments, None for no such
        session, or the HipcoachError that refused it (nothing of it written);
        a database error rolls back all of them and is raised as StoreError.
        """
        return write_segments(self._driver, saves)

    def begin_segment_batch(self, *, wait: bool = True) -> SegmentBatch:
        """A write transaction for many saves, committed when the caller says (see
        store.segments.SegmentBatch). While another process writes, this waits for
        it or, with `wait` False, raises WriteLockTakenError at once."""
        return SegmentBatch(self._driver, wait=wait)

    def finish_session(
        self, session_id: str, status: SessionStatus, ended_at: datetime | None = None
    ) -> None:
        """Close a session as 'completed' or 'partial'.

        A session a rule ended for safety stays as it is: no later finish (a resume that
        finds nothing left, a late or repeated request) can relabel it completed.
        """
        if status not in FINAL_STATUSES:
            raise StoreError(f"a session ends as one of {FINAL_STATUSES}, not '{status}'")
        ended = utc(ended_at)
        with self._transaction("finish the session") as db:
            session = _session_row(db, session_id)
            if session.ended_by_rule is not None:
                return
            session.status = status
            session.ended_at = ended
            session.updated_at = ended

    def get_session(self, session_id: str) -> SessionRecord:
        """The session with its figures; StoreError when there is none."""
        with self._transaction("read the session") as db:
            found = session_from_row(db, _session_row(db, session_id))
        if isinstance(found, RowProblem):
            raise StoreError(f"{found.describe()}; see hipcoach doctor")
        return found

    def session_head(self, session_id: str) -> SessionHead | None:
        """The session's owner, status and plan fingerprint (one indexed read), or None."""
        statement = self._driver.compiled(q.SESSION_HEAD)
        with self._driver.transaction("read the session") as db:
            found = db.first(statement, {"session_id": session_id})
        if found is None:
            return None
        return SessionHead.from_row(found)

    def latest_unfinished(self, profile_id: int) -> SessionRecord | None:
        """The profile's newest session, if it did not complete.

        Only the newest counts: starting a new session leaves older unfinished
        ones in the history, no longer on offer to resume.
        """
        query = (
            select(SessionRow)
            .where(SessionRow.profile_id == profile_id)
            .order_by(SessionRow.started_at.desc(), SessionRow.updated_at.desc())
            .limit(1)
        )
        with self._transaction("read the sessions") as db:
            newest = rows_of(db, query, SessionRow.__table__)
            if newest and isinstance(newest[0], RowProblem):
                report(newest[0])  # a session that cannot be read is not offered for resume
                return None
            session = newest[0] if newest else None
            if session is None or session.status == "completed":
                return None
            if session.ended_by_rule is not None:
                return None  # ended for safety: never offered for resume
            found = session_from_row(db, session)
        if isinstance(found, RowProblem):
            report(found)  # a session that cannot be read is not offered for resume
            return None
        return found

    def history(self, profile_id: int, limit: int = 50) -> list[HistoryRow]:
        """The profile's sessions, newest first, with their figures (one query)."""
        if limit < 1:
            raise StoreError("the history limit must be at least 1")
        statement = self._driver.compiled(q.HISTORY)
        try:
            with self._driver.transaction("read the history") as db:
                sessions: list[Any] = db.all(statement, {"profile_id": profile_id, "limit": limit})
        except UNLOADABLE:
            # A stored value the driver cannot convert: read row by row, naming that row.
            query = q.HISTORY.params(profile_id=profile_id, limit=limit)
            with self._transaction("read the history") as orm:
                sessions = rows_of(orm, query, SessionRow.__table__, entities=False)
        return kept(
            row if isinstance(row, RowProblem) else history_row(n, row)
            for n, row in enumerate(sessions)
        )

    def data_version(self, profile_id: int) -> DataVersion:
        """The profile's change counters, read in one indexed lookup (see DataVersion)."""
        statement = self._driver.compiled(q.DATA_VERSION)
        with self._driver.transaction("read the data version", one_read=True) as db:
            found = db.first(statement, {"profile_id": profile_id})
        if found is None:
            raise StoreError(f"no profile with id {profile_id}")
        return DataVersion.from_row(found)


def _session_row(db: Session, session_id: str) -> SessionRow:
    session = db.get(SessionRow, session_id)
    if session is None:
        raise StoreError(f"no session with id '{session_id}'")
    return session
