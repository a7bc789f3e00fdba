"""Sessions driven from outside: the browser player plays, the server keeps the journal.

The terminal player holds its session in memory; a browser may reload, close
the tab or come back an hour later, so every call here starts from the journal
and rebuilds the session's current timeline (the options it began with and any
symptom splices). Rebuilding compiles the routine again, so timelines are kept
in a small cache keyed by (session id, fingerprint): a splice changes the
fingerprint, so a stale entry can never be served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.errors import HipcoachError, SessionStateError, StoreError, UnknownIdError
from hipcoach.domain.timeline import SessionTimeline
from hipcoach.services.context import Context
from hipcoach.services.sessions import ActiveSession, unfinished_session

if TYPE_CHECKING:
    from hipcoach.services.adaptation import SymptomResponse
    from hipcoach.store import SessionRecord
    from hipcoach.store.checkins import CheckinRecord
    from hipcoach.store.segments import SegmentBatch

# Enough for every session a single person has open, with room to spare.
CACHE_SIZE = 256


class UnknownSessionError(UnknownIdError):
    """A session id that the journal does not hold for this profile."""

    def __init__(self, session_id: str) -> None:
        super().__init__("session", session_id, [])
        self.field = "session_id"
        # Listing every known session id would be noise (and other people's business).
        self.args = (f"no session with id '{session_id}'",)


class _TimelineCache:
    """A thread-safe LRU of rebuilt timelines; the app serves requests from a thread pool."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str], SessionTimeline] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> SessionTimeline | None:
        with self._lock:
            timeline = self._items.get(key)
            if timeline is not None:
                self._items.move_to_end(key)
            return timeline

    def put(self, key: tuple[str, str], timeline: SessionTimeline) -> None:
        with self._lock:
            # A session has one current plan: older fingerprints of it are dead weight.
            for old in [k for k in self._items if k[0] == key[0]]:
                del self._items[old]
            self._items[key] = timeline
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_cache = _TimelineCache(CACHE_SIZE)


@dataclass(frozen=True)
class LiveSession:
    """A session as the browser player needs it: the timeline and where to carry on."""

    session_id: str
    timeline: SessionTimeline
    done_indices: frozenset[int]
    changes: tuple[dict[str, str], ...]
    notes: tuple[str, ...] = ()
    time_scale: float = 1.0
    status: str = "in_progress"
    # What each symptom report would do, for the player to apply when offline.
    offline: dict[str, Any] = field(default_factory=dict)

    @property
    def start_index(self) -> int:
        """The first segment not yet saved (the timeline's length when all are)."""
        for index in range(len(self.timeline.segments)):
            if index not in self.done_indices:
                return index
        return len(self.timeline.segments)

    @property
    def finished(self) -> bool:
        """Whether nothing is left to play."""
        return self.start_index >= len(self.timeline.segments)

    def to_dict(self) -> dict[str, Any]:
        """The API's session shape."""
        return {
            "session_id": self.session_id,
            "status": self.status,
            "timeline": self.timeline.to_dict(),
            "fingerprint": self.timeline.fingerprint(),
            "start_index": self.start_index,
            "done_indices": sorted(self.done_indices),
            "changes": list(self.changes),
            "notes": list(self.notes),
            "time_scale": self.time_scale,
            "offline": self.offline,
        }


def start_live(
    ctx: Context,
    today: date,
    routine_id: str | None,
    options: CompileOptions,
    pain_now: int | None = None,
    morning_after: str | None = None,
    warning_signs: Sequence[str] = (),
) -> LiveSession:
    """Begin a session as `hipcoach start` does (screen, check-in, plan), without playing it.

    Raises SessionBlockedError or SessionRefusedError when none may run; the
    check-in's answers are kept either way, since they count for the next session.
    """
    from hipcoach.services import checkins, starting
    from hipcoach.services.sessions import plan_routine

    if routine_id is not None:
        plan_routine(ctx.library, routine_id, options)  # validate before anything is written
    answered = pain_now is not None or morning_after is not None
    try:
        prepared = starting.prepare(
            ctx, today, routine_id, options, pain_now, morning_after, warning_signs
        )
    except starting.SessionRefusedError:
        if answered:
            checkins.record_checkin_before(ctx, None, pain_now, morning_after)
        raise
    active = starting.begin(ctx, prepared)
    if answered:
        checkins.record_checkin_before(ctx, active.session_id, pain_now, morning_after)
    record = ctx.journal.get_session(active.session_id)
    _cache.put((record.id, record.fingerprint), active.timeline)
    return _live(ctx, record, active.timeline, prepared.notes)


def resume_live(
    ctx: Context,
    today: date,
    session_id: str,
    pain_now: int | None = None,
    morning_after: str | None = None,
    warning_signs: Sequence[str] = (),
) -> LiveSession:
    """Carry on with an unfinished session through the same gate as `hipcoach start
    --resume` (services.starting.resume): screen, check-in, plan; refused when blocked."""
    from hipcoach.services import starting

    record = _record(ctx, session_id)
    newest = unfinished_session(ctx)
    if newest is None or newest.id != record.id:
        raise SessionStateError("only the newest unfinished session can be resumed")
    active = starting.resume(ctx, today, pain_now, morning_after, warning_signs)
    record = ctx.journal.get_session(active.session_id)
    _cache.put((record.id, record.fingerprint), active.timeline)
    return _live(ctx, record, active.timeline)


def live_session(ctx: Context, session_id: str) -> LiveSession:
    """The session as it stands: its current timeline and the segments already saved."""
    record = _record(ctx, session_id)
    return _live(ctx, record, _timeline(ctx, record))


def current_live(ctx: Context, any_day: bool = False) -> LiveSession | None:
    """The newest unfinished session with something left to play, or None.

    A session a symptom ended is not offered, even with its last steps unsaved; nor, unless
    `any_day` (a link that names it), one begun on an earlier day.
    """
    from hipcoach.services.adaptation import SPLICES
    from hipcoach.services.programs import local_day

    record = unfinished_session(ctx)
    if record is None or any(s.get("end") for s in record.options.get(SPLICES, [])):
        return None  # a symptom ended it: nothing is left to offer
    if not any_day and local_day(record.started_at) != local_day(_now()):
        return None  # begun on an earlier day: today's session is offered instead
    live = _live(ctx, record, _timeline(ctx, record))
    return None if live.finished else live


@dataclass(frozen=True)
class LiveSegment:
    """What the browser player says of one segment of a session's current timeline."""

    session_id: str
    index: int
    outcome: str
    elapsed_seconds: float
    save_key: str | None = None  # the same across a save's retries: it counts once


def record_live_segment(
    ctx: Context, session_id: str, index: int, outcome: str, elapsed: float
) -> tuple[int, int]:
    """Save what happened to one segment of the current timeline; returns (done, total)."""
    [result] = record_live_segments(ctx, [LiveSegment(session_id, index, outcome, elapsed)])
    if isinstance(result, HipcoachError):
        raise result
    return result


def record_live_segments(
    ctx: Context, segments: Sequence[LiveSegment], batch: SegmentBatch | None = None
) -> list[tuple[int, int] | HipcoachError]:
    """Several segment saves, from any sessions, in one transaction (one disk sync):
    in `batch`, which the caller commits, or else in one of their own.

    For each, in order: (segments saved, segments in the timeline), or the error
    that refused it, nothing of it written. A database error fails them all.
    """
    from hipcoach.store.records import SegmentFacts, SessionHead
    from hipcoach.store.segments import SegmentSave

    totals: dict[int, int] = {}

    def describer(number: int, segment: LiveSegment) -> Callable[[SessionHead], SegmentFacts]:
        def describe(head: SessionHead) -> SegmentFacts:
            if head.profile_id != ctx.profile_id:
                raise UnknownSessionError(segment.session_id)
            if head.status == "completed":
                raise SessionStateError("that session is finished; start a new one")
            timeline = _cache.get((head.id, head.fingerprint))
            if timeline is None:  # not seen since the server started: rebuild it once
                timeline = _timeline(ctx, _record(ctx, segment.session_id))
            count = totals[number] = len(timeline.segments)
            if not 0 <= segment.index < count:
                raise SessionStateError(
                    f"segment {segment.index} is not part of this session, "
                    f"which has {count} segments"
                )
            step = timeline.segments[segment.index]
            # The same facts JournalObserver writes for the terminal player.
            return SegmentFacts(step.kind.value, step.exercise_id, step.side.value, step.duration)

        return describe

    at = _now()
    saves = [
        SegmentSave(
            segment.session_id,
            segment.index,
            describer(number, segment),
            "completed" if segment.outcome == "completed" else "skipped",
            segment.elapsed_seconds,
            at,
            segment.save_key,
        )
        for number, segment in enumerate(segments)
    ]
    results: list[tuple[int, int] | HipcoachError] = []
    for number, (segment, done) in enumerate(
        zip(segments, (batch or ctx.journal).record_segments(saves), strict=True)
    ):
        if done is None:
            results.append(UnknownSessionError(segment.session_id))
        elif isinstance(done, HipcoachError):
            results.append(done)
        else:
            results.append((done, totals[number]))
    return results


def report_live_symptom(
    ctx: Context,
    session_id: str,
    segment_index: int,
    symptom: str,
    fingerprint: str | None = None,
) -> SymptomResponse:
    """Apply the rules to a symptom reported at `segment_index`; returns the new timeline.

    A report that ends the session closes it as partial, so nothing is offered to resume.
    """
    from hipcoach.services.adaptation import report_symptom

    record = _record(ctx, session_id)
    if record.status == "completed":
        raise SessionStateError("that session is finished; start a new one")
    timeline = _timeline(ctx, record)
    if fingerprint is not None and fingerprint != timeline.fingerprint():
        # A report that a device kept while offline, and the session has moved on since
        # (that very report was already applied, say): applying it again would be wrong.
        raise SessionStateError(
            "the session has changed since that report was made; it was not applied again"
        )
    active = ActiveSession(session_id, timeline, segment_index, resumed=True)
    response = report_symptom(ctx, active, timeline, segment_index, symptom)
    _cache.put((session_id, response.timeline.fingerprint()), response.timeline)
    if response.end_session:
        ctx.journal.finish_session(session_id, "partial", ended_at=_now())
    return response


def offline_after(ctx: Context, session_id: str, response: SymptomResponse) -> dict[str, Any]:
    """The precomputed answers for the timeline a report has just made (none once it ended)."""
    if response.end_session:
        return {}
    return offline_answers(ctx, _record(ctx, session_id), response.timeline)


def finish_live(ctx: Context, session_id: str, completed: bool) -> SessionRecord:
    """Close the session as completed or partial; returns it as stored."""
    _record(ctx, session_id)
    ctx.journal.finish_session(session_id, "completed" if completed else "partial", _now())
    return ctx.journal.get_session(session_id)


def checkout_live(
    ctx: Context, session_id: str, pain: int | None, effort: int | None
) -> CheckinRecord:
    """Store the check-out after a session: pain and effort, each 0-10."""
    from hipcoach.services.checkins import record_checkin_after

    _record(ctx, session_id)
    return record_checkin_after(ctx, session_id, pain, effort)


def _record(ctx: Context, session_id: str) -> SessionRecord:
    """The stored session of this profile; UnknownSessionError when there is none."""
    try:
        record = ctx.journal.get_session(session_id)
    except StoreError:
        if _exists(ctx, session_id):
            raise  # a real storage failure, not a missing session
        raise UnknownSessionError(session_id) from None
    if record.profile_id != ctx.profile_id:
        raise UnknownSessionError(session_id)
    return record


def _exists(ctx: Context, session_id: str) -> bool:
    from sqlalchemy import select

    from hipcoach.store.tables import SessionRow

    with ctx.journal.engine.connect() as db:
        return (
            db.execute(select(SessionRow.id).where(SessionRow.id == session_id)).first() is not None
        )


def _timeline(ctx: Context, record: SessionRecord) -> SessionTimeline:
    from hipcoach.services.adaptation import rebuild_timeline

    key = (record.id, record.fingerprint)
    timeline = _cache.get(key)
    if timeline is None:
        timeline = rebuild_timeline(ctx, record)
        _cache.put(key, timeline)
    return timeline


def offline_answers(
    ctx: Context, record: SessionRecord, timeline: SessionTimeline
) -> dict[str, Any]:
    """The precomputed symptom answers for this session's current timeline (cached by its
    fingerprint, like the timeline itself)."""
    from hipcoach.services.contingency import contingencies

    key = (record.id, timeline.fingerprint())
    with _offline_lock:
        found = _offline.get(key)
    if found is None:
        found = contingencies(ctx, record.options, timeline)
        with _offline_lock:
            _offline[key] = found
            while len(_offline) > CACHE_SIZE:
                _offline.popitem(last=False)
    return found


_offline: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
_offline_lock = threading.Lock()


def _live(
    ctx: Context, record: SessionRecord, timeline: SessionTimeline, notes: tuple[str, ...] = ()
) -> LiveSession:
    from hipcoach.services.adaptation import SPLICES

    ended = record.status == "completed" or any(
        s.get("end") for s in record.options.get(SPLICES, [])
    )
    return LiveSession(
        offline={} if ended else offline_answers(ctx, record, timeline),
        session_id=record.id,
        timeline=timeline,
        done_indices=frozenset(i for i in record.done_indices if i < len(timeline.segments)),
        changes=_changes(record.options),
        notes=notes,
        time_scale=ctx.settings.time_scale,
        status=record.shown_status if record.ended_by_rule else record.status,
    )


def _changes(plan: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """Every rule that shaped the session (at the start and in splices), once each."""
    from hipcoach.services.adaptation import ADJUSTMENTS, SPLICES

    items = list(plan.get(ADJUSTMENTS, []))
    for splice in plan.get(SPLICES, []):
        items += splice.get(ADJUSTMENTS, [])
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for item in items:
        key = (str(item.get("rule_id", "")), str(item.get("reason", "")))
        seen.setdefault(key, {"rule_id": key[0], "reason": key[1], "kind": str(item["kind"])})
    return tuple(seen.values())


def _now() -> datetime:
    return datetime.now(UTC)
