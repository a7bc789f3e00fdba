"""The session journal: profiles, sessions and what happened to each segment.

Every public method runs in its own short transaction and commits before it
returns, so a player killed right after `record_segment` loses nothing. The
methods return frozen records, never ORM objects, so callers cannot touch the
database by accident and the records outlive the transaction.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hipcoach.domain.errors import StoreError
from hipcoach.store.queries import history_query, segment_upsert
from hipcoach.store.records import (
    FINAL_STATUSES,
    OUTCOMES,
    HistoryRow,
    Outcome,
    ProfileRecord,
    SessionRecord,
    SessionStatus,
)
from hipcoach.store.repository import Repository, now, utc
from hipcoach.store.tables import ProfileRow, SegmentEventRow, SessionRow


class Journal(Repository):
    """Reads and writes the session journal through one SQLAlchemy engine."""

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
        with self._transaction("read the profiles") as db:
            found = db.scalar(select(ProfileRow).where(ProfileRow.name == name))
            if found is not None:
                return ProfileRecord(id=found.id, name=found.name)
        try:
            with self._transaction("create the profile") as db:
                row = ProfileRow(name=name, created_at=now())
                db.add(row)
                db.flush()
                return ProfileRecord(id=row.id, name=row.name)
        except StoreError as exc:
            # Another process created it between our read and our insert: use theirs.
            if not isinstance(exc.__cause__, IntegrityError):
                raise
        with self._transaction("read the profiles") as db:
            row = db.scalars(select(ProfileRow).where(ProfileRow.name == name)).one()
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
    ) -> None:
        """Record what happened to one segment, committed before this returns.

        Recording an index again updates its row: the outcome never goes from
        'completed' back to 'skipped', and the elapsed time is added, since a
        segment replayed after 'back' really took both stretches of time.
        """
        if outcome not in OUTCOMES:
            raise StoreError(f"unknown segment outcome '{outcome}'; expected one of {OUTCOMES}")
        if not math.isfinite(elapsed_seconds) or elapsed_seconds < 0 or planned_seconds < 0:
            raise StoreError("segment times must be finite and not negative")
        recorded = utc(recorded_at)
        with self._transaction("record the segment") as db:
            session = _session_row(db, session_id)
            if not 0 <= segment_index < session.total_segments:
                raise StoreError(
                    f"segment {segment_index} is outside session '{session_id}', "
                    f"which has {session.total_segments} segments"
                )
            values = {
                "session_id": session_id,
                "profile_id": session.profile_id,
                "segment_index": segment_index,
                "kind": str(kind),
                "exercise_id": exercise_id,
                "side": str(side),
                "outcome": outcome,
                "planned_seconds": planned_seconds,
                "elapsed_seconds": float(elapsed_seconds),
                "recorded_at": recorded,
            }
            db.execute(segment_upsert(db.get_bind().dialect.name, values))
            session.updated_at = recorded

    def finish_session(
        self, session_id: str, status: SessionStatus, ended_at: datetime | None = None
    ) -> None:
        """Close a session as 'completed' or 'partial'."""
        if status not in FINAL_STATUSES:
            raise StoreError(f"a session ends as one of {FINAL_STATUSES}, not '{status}'")
        ended = utc(ended_at)
        with self._transaction("finish the session") as db:
            session = _session_row(db, session_id)
            session.status = status
            session.ended_at = ended
            session.updated_at = ended

    def get_session(self, session_id: str) -> SessionRecord:
        """The session with its figures; StoreError when there is none."""
        with self._transaction("read the session") as db:
            session = _session_row(db, session_id)
            return _session_record(db, session)

    def latest_unfinished(self, profile_id: int) -> SessionRecord | None:
        """The profile's newest session, if it did not complete.

        Only the newest counts: starting a new session leaves older unfinished
        ones in the history, no longer on offer to resume.
        """
        with self._transaction("read the sessions") as db:
            session = db.scalars(
                select(SessionRow)
                .where(SessionRow.profile_id == profile_id)
                .order_by(SessionRow.started_at.desc(), SessionRow.updated_at.desc())
                .limit(1)
            ).first()
            if session is None or session.status == "completed":
                return None
            return _session_record(db, session)

    def history(self, profile_id: int, limit: int = 50) -> list[HistoryRow]:
        """The profile's sessions, newest first, with their figures (one query)."""
        if limit < 1:
            raise StoreError("the history limit must be at least 1")
        with self._transaction("read the history") as db:
            return [
                HistoryRow(
                    session_id=s.id,
                    started_at=s.started_at,
                    routine_id=s.routine_id,
                    routine_name=s.routine_name,
                    status="completed" if s.status == "completed" else "partial",
                    # Only the newest session can be resumed (see latest_unfinished).
                    resumable=n == 0 and s.status != "completed",
                    segments_done=int(n_done),
                    segments_completed=int(n_completed),
                    segments_total=s.total_segments,
                    time_spent_seconds=float(n_spent),
                )
                for n, (s, n_done, n_completed, n_spent) in enumerate(
                    db.execute(history_query(profile_id, limit))
                )
            ]


def _session_row(db: Session, session_id: str) -> SessionRow:
    session = db.get(SessionRow, session_id)
    if session is None:
        raise StoreError(f"no session with id '{session_id}'")
    return session


def _session_record(db: Session, session: SessionRow) -> SessionRecord:
    events = db.execute(
        select(
            SegmentEventRow.segment_index,
            SegmentEventRow.outcome,
            SegmentEventRow.elapsed_seconds,
        ).where(SegmentEventRow.session_id == session.id)
    )
    indices: set[int] = set()
    completed = skipped = 0
    spent = 0.0
    for index, outcome, elapsed in events:
        indices.add(index)
        completed += outcome == "completed"
        skipped += outcome == "skipped"
        spent += elapsed
    return SessionRecord(
        id=session.id,
        profile_id=session.profile_id,
        routine_id=session.routine_id,
        routine_name=session.routine_name,
        options_json=session.options_json,
        fingerprint=session.fingerprint,
        total_segments=session.total_segments,
        total_seconds=session.total_seconds,
        status=cast(SessionStatus, session.status),
        started_at=session.started_at,
        updated_at=session.updated_at,
        ended_at=session.ended_at,
        done_indices=frozenset(indices),
        completed_count=completed,
        skipped_count=skipped,
        time_spent_seconds=spent,
    )
