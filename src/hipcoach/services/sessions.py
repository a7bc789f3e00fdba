"""Use cases for the library and for guided sessions: compile, begin, resume, journal, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hipcoach.domain.compiler import CompileOptions, compile_routine
from hipcoach.domain.errors import SessionStateError
from hipcoach.domain.exercise import Exercise
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine
from hipcoach.domain.timeline import SessionTimeline
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hipcoach.player.events import PlayerEvent
    from hipcoach.store import HistoryRow, SessionRecord

DEFAULT_ROUTINE = "morning-pry"
# `hipcoach start` offers to resume only a session begun this recently: a
# routine broken off this morning, not one abandoned last week.
RESUME_OFFER_HOURS = 12


def list_exercises(library: Library) -> list[Exercise]:
    """Every exercise in method order, each easier version right after the one it eases."""
    order: dict[str, int] = {}
    for routine in sorted(library.routines.values(), key=lambda r: (r.sources, r.id)):
        for step in routine.steps:
            order.setdefault(step.exercise_id, len(order))
    ordered: list[Exercise] = []
    mains = [e for e in library.exercises.values() if e.variant_of is None]
    for main in sorted(mains, key=lambda e: (order.get(e.id, len(order)), e.name)):
        ordered.append(main)
        ordered.extend(
            sorted(
                (e for e in library.exercises.values() if e.variant_of == main.id),
                key=lambda e: e.name,
            )
        )
    placed = {e.id for e in ordered}
    ordered.extend(e for e in library.exercises.values() if e.id not in placed)
    return ordered


def list_routines(library: Library) -> list[tuple[Routine, SessionTimeline]]:
    """Every routine with its default timeline (for the total time)."""
    return [
        (r, compile_routine(r, library))
        for r in sorted(library.routines.values(), key=lambda r: r.name)
    ]


def plan_routine(library: Library, routine_id: str, options: CompileOptions) -> SessionTimeline:
    """Compile a routine with the session's options."""
    return compile_routine(library.routine(routine_id), library, options)


@dataclass(frozen=True)
class ActiveSession:
    """A session ready to play: its journal id, its timeline, and where to begin."""

    session_id: str
    timeline: SessionTimeline
    start_index: int
    resumed: bool


def begin_session(
    ctx: Context, timeline: SessionTimeline, options: CompileOptions
) -> ActiveSession:
    """Open a journal entry for a compiled timeline (compiled with `options`)."""
    session_id = ctx.journal.start_session(
        ctx.profile_id,
        routine_id=timeline.routine_id,
        routine_name=timeline.routine_name,
        options=options.to_dict(),
        fingerprint=timeline.fingerprint(),
        total_segments=len(timeline.segments),
        total_seconds=timeline.total_seconds,
        started_at=_now(),
    )
    return ActiveSession(session_id, timeline, 0, resumed=False)


def unfinished_session(ctx: Context) -> SessionRecord | None:
    """The newest session that did not reach its end, if any."""
    return ctx.journal.latest_unfinished(ctx.profile_id)


def resume_offer(ctx: Context) -> SessionRecord | None:
    """The unfinished session worth offering to resume, if one began recently."""
    record = unfinished_session(ctx)
    if record is None:
        return None
    from hipcoach.services.programs import local_day

    if local_day(record.started_at) != local_day(_now()):
        return None  # begun on an earlier day: today's session comes first (--resume still can)
    done = len(record.done_indices)
    return (
        record if _worth_offering(record.started_at, done, record.total_segments, _now()) else None
    )


def resume_candidate(history: Sequence[HistoryRow], now: datetime) -> HistoryRow | None:
    """From the newest-first history, the session `resume_offer` would offer, if any."""
    newest = history[0] if history else None
    if newest is None or not newest.resumable:
        return None
    offer = _worth_offering(newest.started_at, newest.segments_done, newest.segments_total, now)
    return newest if offer else None


def _worth_offering(started_at: datetime, done: int, total: int, now: datetime) -> bool:
    """Begun recently, with something left (a session a symptom cut short has nothing)."""
    return now - started_at <= timedelta(hours=RESUME_OFFER_HOURS) and done < total


def resume_session(ctx: Context) -> ActiveSession:
    """Recompile the newest unfinished session and find its first unfinished segment."""
    record = unfinished_session(ctx)
    if record is None:
        newest = ctx.journal.history(ctx.profile_id, limit=1)
        if newest and newest[0].ended_by_rule:
            raise SessionStateError(
                f"your last session was ended for safety ({newest[0].ended_by_rule}), so it "
                "cannot be resumed; hipcoach history says why, and a new session starts afresh"
            )
        raise SessionStateError("there is no unfinished session to resume")
    from hipcoach.services.adaptation import rebuild_timeline

    # The options it began with, the changes today's rules made, and any splices.
    timeline = rebuild_timeline(ctx, record)
    pending = [i for i in range(len(timeline.segments)) if i not in record.done_indices]
    if not pending:
        ctx.journal.finish_session(record.id, "completed", ended_at=_now())
        raise SessionStateError("that session had already reached its end; nothing is left")
    return ActiveSession(record.id, timeline, pending[0], resumed=True)


class JournalObserver:
    """Writes each finished segment to the journal the moment it ends."""

    def __init__(self, ctx: Context, session: ActiveSession) -> None:
        self._journal = ctx.journal
        self._session = session
        self.completed: bool | None = None

    def __call__(self, event: PlayerEvent) -> None:
        from hipcoach.player.events import SegmentEnded, SessionFinished

        if isinstance(event, SegmentEnded):
            segment = event.segment
            self._journal.record_segment(
                self._session.session_id,
                segment_index=segment.index,
                kind=segment.kind.value,
                exercise_id=segment.exercise_id,
                side=segment.side.value,
                outcome="completed" if event.outcome == "completed" else "skipped",
                planned_seconds=segment.duration,
                elapsed_seconds=event.elapsed,
                recorded_at=_now(),
            )
        elif isinstance(event, SessionFinished):
            self.completed = event.completed
            self._journal.finish_session(
                self._session.session_id,
                "completed" if event.completed else "partial",
                ended_at=_now(),
            )


def history(ctx: Context, limit: int) -> list[HistoryRow]:
    """The profile's sessions, newest first."""
    return ctx.journal.history(ctx.profile_id, limit=limit)


def safety_reasons(ctx: Context, rows: list[HistoryRow]) -> dict[str, str]:
    """Why each session a rule ended was ended, in the rule's words, by session id."""
    from hipcoach.domain.errors import UnknownIdError
    from hipcoach.services.checkins import rulebook

    ended = [r for r in rows if r.ended_by_rule]
    if not ended:
        return {}
    rules = rulebook(ctx)
    found: dict[str, str] = {}
    for row in ended:
        try:
            found[row.session_id] = rules.rule(str(row.ended_by_rule)).reason
        except (KeyError, UnknownIdError):
            found[row.session_id] = "a safety rule ended it"  # a rule since renamed
    return found


def _now() -> datetime:
    return datetime.now(UTC)
