"""Property: a resumed session passes today's check-in gate like a new one."""

from __future__ import annotations

import tempfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.demands import forbidden_demands, violations
from hipcoach.domain.errors import HipcoachError
from hipcoach.library.loader import load_library
from hipcoach.player.events import Outcome, SegmentEnded
from hipcoach.services import adaptation, checkins, starting
from hipcoach.services.screening import screening_form, take_screen
from hipcoach.settings import Settings

TODAY = date.today()
IR_AND_PRY = {
    "ir-ankle-lift",
    "ir-ankle-lift-lean",
    "ir-stretch",
    "active-ir",
    "active-ir-lean",
    "contralateral-pry",
}
WORK = ("hold", "rep")


def _context() -> services.Context:
    load_library.cache_clear()
    folder = tempfile.mkdtemp(prefix="hipcoach-resume-")
    ctx = services.Context(Settings.from_env({"HIPCOACH_DATA_DIR": folder}))
    take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
    return ctx


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    share=st.floats(min_value=0.0, max_value=0.97),
    pain_now=st.none() | st.integers(min_value=0, max_value=10),
    morning_after=st.sampled_from([None, "better", "same", "worse"]),
)
def test_any_stop_any_checkin_resumes_safely_at_a_moment_to_get_set(
    share: float, pain_now: int | None, morning_after: str | None
) -> None:
    with _context() as ctx:
        active = adaptation.begin_adapted_session(
            ctx, "morning-pry", CompileOptions(), checkins.readiness_decision(ctx, TODAY)
        )
        segments = active.timeline.segments
        stop = min(int(share * len(segments)), len(segments) - 1)
        observer = services.JournalObserver(ctx, active)
        for segment in segments[:stop]:
            observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))

        # What today's answers forbid, weighed before they are stored by the resume.
        decision = checkins.readiness_decision(ctx, TODAY, pain_now, morning_after)
        forbidden = forbidden_demands(decision.adjustments)
        resumed = starting.resume(ctx, TODAY, pain_now, morning_after)

        rest = resumed.timeline.segments[resumed.start_index :]
        assert resumed.start_index == stop
        assert violations(rest, ctx.library, forbidden) == ()
        assert rest
        assert rest[0].kind.value not in WORK  # never restarts mid-hold
        # What was already played stays as it was.
        assert resumed.timeline.segments[:stop] == segments[:stop]
        regressed = (pain_now is not None and pain_now > 5) or morning_after == "worse"
        if regressed:
            assert not {s.exercise_id for s in rest} & IR_AND_PRY
            assert all(
                s.effort_cap is not None and s.effort_cap <= 50
                for s in rest
                if s.kind.value in WORK
            )
        # The stored plan rebuilds exactly the timeline that plays.
        record = ctx.journal.get_session(resumed.session_id)
        assert adaptation.rebuild_timeline(ctx, record) == resumed.timeline


def test_a_completed_session_is_not_resumed_and_stays_completed() -> None:
    with _context() as ctx:
        active = adaptation.begin_adapted_session(
            ctx, "morning-pry", CompileOptions(), checkins.readiness_decision(ctx, TODAY)
        )
        observer = services.JournalObserver(ctx, active)
        for segment in active.timeline.segments:
            observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))
        ctx.journal.finish_session(active.session_id, "completed")
        with pytest.raises(HipcoachError):
            starting.resume(ctx, TODAY, 8, "worse")
        assert ctx.journal.get_session(active.session_id).status == "completed"


def test_a_bad_answer_is_refused_before_anything_is_stored() -> None:
    with _context() as ctx:
        active = adaptation.begin_adapted_session(
            ctx, "morning-pry", CompileOptions(), checkins.readiness_decision(ctx, TODAY)
        )
        before = ctx.journal.get_session(active.session_id)
        with pytest.raises(HipcoachError, match="better, same or worse"):
            starting.resume(ctx, TODAY, 3, "wrose")
        with pytest.raises(HipcoachError, match="0 to 10"):
            starting.resume(ctx, TODAY, 12, None)
        assert ctx.journal.get_session(active.session_id) == before


def test_a_session_begun_on_an_earlier_local_day_is_not_offered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime, time, timedelta

    from hipcoach.services import sessions

    with _context() as ctx:
        # Twenty minutes after local midnight: a session begun forty minutes earlier is
        # recent, but it belongs to yesterday.
        midnight = datetime.combine(TODAY, time(0, 0)).astimezone()
        now = (midnight + timedelta(minutes=20)).astimezone(UTC)
        timeline = services.plan_routine(ctx.library, "morning-pry", CompileOptions())
        session_id = ctx.journal.start_session(
            ctx.profile_id,
            "morning-pry",
            timeline.routine_name,
            CompileOptions().to_dict(),
            timeline.fingerprint(),
            len(timeline.segments),
            timeline.total_seconds,
            now - timedelta(minutes=40),
        )
        monkeypatch.setattr(sessions, "_now", lambda: now)
        assert services.resume_offer(ctx) is None
        # On the same day, the same session would be offered.
        monkeypatch.setattr(sessions, "_now", lambda: now - timedelta(minutes=30))
        assert services.resume_offer(ctx) is not None
        assert services.resume_session(ctx).session_id == session_id
