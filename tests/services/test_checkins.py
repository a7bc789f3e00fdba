"""Check-ins, the readiness decision and mid-session symptoms over a real journal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.decisions import Decision, Verdict
from hipcoach.domain.errors import SessionStateError
from hipcoach.domain.exercise import Category, Rotation
from hipcoach.domain.rules import CheckinError, MorningAfter, Symptom
from hipcoach.domain.timeline import SegmentKind, SessionTimeline, Side
from hipcoach.player.events import Outcome, SegmentEnded
from hipcoach.services import adaptation, checkins
from hipcoach.settings import Settings
from hipcoach.store.checkins import (
    CheckinRecord,
    CheckinRepository,
    RecentActivity,
    SessionBrief,
    SymptomRecord,
)

NOW = datetime.now(UTC)
TODAY = NOW.astimezone().date()


def _context(tmp_path: Path) -> services.Context:
    return services.Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path)}))


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[services.Context]:
    with _context(tmp_path) as context:
        yield context


def _ir(ctx: services.Context) -> set[str]:
    return {e.id for e in ctx.library.exercises.values() if e.back_hip is Rotation.INTERNAL}


def _proceed(ctx: services.Context) -> Decision:
    return checkins.readiness_decision(ctx, TODAY, 1, "same")


def _pry_round_two(timeline: SessionTimeline) -> int:
    return next(
        s.index
        for s in timeline.segments
        if (s.exercise_id, s.round, s.kind, s.side)
        == ("contralateral-pry", 2, SegmentKind.HOLD, Side.RIGHT)
    )


def _play(ctx: services.Context, active: services.ActiveSession, indices: range) -> None:
    observer = services.JournalObserver(ctx, active)
    for index in indices:
        segment = active.timeline.segments[index]
        observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))


def test_a_pinch_at_the_second_pry_round_switches_the_rest_to_er_work(
    ctx: services.Context, tmp_path: Path
) -> None:
    active = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), _proceed(ctx))
    at = _pry_round_two(active.timeline)
    _play(ctx, active, range(at))
    response = adaptation.report_symptom(ctx, active, active.timeline, at, "pinch")

    assert response.rule_id == "symptom.pinch"
    assert response.decision.verdict is Verdict.REGRESS
    assert "pinch" in response.message
    assert not response.end_session
    new = response.timeline
    assert new.segments[:at] == active.timeline.segments[:at]
    rest = new.segments[at:]
    assert {s.exercise_id for s in rest}.isdisjoint(_ir(ctx))
    assert rest[0].kind is SegmentKind.REST
    assert rest[0].text.startswith("Pinch")
    assert "no IR ankle lift" in rest[0].cue
    assert "effort up to 40%" in rest[0].cue
    assert (rest[1].kind, rest[2].kind) == (SegmentKind.GET_READY, SegmentKind.HOLD)
    for segment in rest:
        exercise = ctx.library.exercise(segment.exercise_id)
        effortful = segment.kind in (SegmentKind.HOLD, SegmentKind.REP, SegmentKind.GET_READY)
        if effortful and exercise.category in (Category.ISOMETRIC, Category.ACTIVE):
            assert segment.effort_cap == 40
            assert segment.cue.endswith("Effort: no more than 40%.")
    assert any(s.kind is SegmentKind.SWITCH_SIDES for s in rest)

    events = CheckinRepository(ctx.journal.engine).session_symptoms(active.session_id)
    assert [(e.symptom, e.rule_id, e.segment_index) for e in events] == [
        ("pinch", "symptom.pinch", at)
    ]
    assert "effort up to 40%" in events[0].action

    # A restart: a new process, the same data folder.
    ctx.close()
    with _context(tmp_path) as again:
        record = again.journal.get_session(active.session_id)
        assert record.total_segments == len(new.segments)
        assert adaptation.rebuild_timeline(again, record) == new
        assert min(set(range(record.total_segments)) - record.done_indices) == at


def test_the_journal_takes_the_new_plan_to_its_end(ctx: services.Context) -> None:
    active = adaptation.begin_adapted_session(ctx, "desk-break", CompileOptions(), _proceed(ctx))
    at = 3
    new = adaptation.report_symptom(ctx, active, active.timeline, at, "cramp").timeline
    assert new.segments[at].kind is SegmentKind.REST
    assert new.segments[at].duration == 20
    assert {s.effort_cap for s in new.segments[at:]} <= {None, 60}
    adapted = services.ActiveSession(active.session_id, new, 0, resumed=False)
    _play(ctx, adapted, range(len(new.segments)))
    record = ctx.journal.get_session(active.session_id)
    assert record.completed_count == record.total_segments == len(new.segments)


def test_a_knee_report_re_sets_now_and_changes_the_next_sides_set_up(
    ctx: services.Context,
) -> None:
    active = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), _proceed(ctx))
    at = _pry_round_two(active.timeline)
    new = adaptation.report_symptom(ctx, active, active.timeline, at, "knee").timeline
    assert new.segments[at].kind is SegmentKind.SETUP
    assert new.segments[at].text.startswith("Knee")
    setups = [s.exercise_id for s in new.segments[at:] if s.kind is SegmentKind.SETUP]
    assert setups[1:] == ["90-90-setup-heels-closer"]
    assert "contralateral-pry" in {s.exercise_id for s in new.segments[at:]}


def test_a_second_pinch_in_the_eased_session_ends_it(ctx: services.Context) -> None:
    handler = adaptation.SymptomHandler(
        ctx, adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), _proceed(ctx))
    )
    at = _pry_round_two(handler.timeline)
    first = handler("pinch", at)
    assert first.timeline is handler.timeline
    assert not handler.ended
    second = handler("pinch", at + 4)
    assert second.end_session
    assert second.timeline is None
    assert handler.ended
    assert handler.responses[-1].rule_id == "symptom.pinch-again"
    record = ctx.journal.get_session(handler.active.session_id)
    assert record.total_segments == at + 4
    assert len(adaptation.rebuild_timeline(ctx, record).segments) == at + 4


def test_bad_reports_change_nothing(ctx: services.Context) -> None:
    active = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), _proceed(ctx))
    before = ctx.journal.get_session(active.session_id)
    with pytest.raises(CheckinError, match="unknown symptom 'elbow'"):
        adaptation.report_symptom(ctx, active, active.timeline, 3, "elbow")
    with pytest.raises(SessionStateError, match="segment 999"):
        adaptation.report_symptom(ctx, active, active.timeline, 999, "pinch")
    stale = services.plan_routine(ctx.library, "desk-break", CompileOptions())
    with pytest.raises(SessionStateError, match="not the session's current plan"):
        adaptation.report_symptom(ctx, active, stale, 3, "pinch")
    with pytest.raises(CheckinError, match="pain must be from 0 to 10, got 11"):
        checkins.record_checkin_after(ctx, active.session_id, 11, 5)
    with pytest.raises(CheckinError, match="effort must be from 0 to 10"):
        checkins.record_checkin_after(ctx, active.session_id, 1, 15)
    with pytest.raises(CheckinError, match="morning-after"):
        checkins.record_checkin_before(ctx, None, 2, "awful")
    with pytest.raises(CheckinError, match="unknown symptom"):
        checkins.report_outside_session(ctx, TODAY, 3, "same", ["knee", "elbow"])
    assert ctx.journal.get_session(active.session_id) == before
    recent = CheckinRepository(ctx.journal.engine).recent(ctx.profile_id, NOW - timedelta(days=1))
    assert (recent.checkins, recent.symptoms) == ((), ())


def _past_session(ctx: services.Context, days_ago: int, after: int, morning: str | None) -> str:
    """A finished morning pry `days_ago` days back, with its check-ins."""
    repo = CheckinRepository(ctx.journal.engine)
    at = NOW - timedelta(days=days_ago)
    timeline = services.plan_routine(ctx.library, "morning-pry", CompileOptions())
    session_id = ctx.journal.start_session(
        ctx.profile_id, "morning-pry", "Morning pry", {}, timeline.fingerprint(), 1, 1, at
    )
    repo.add_checkin(ctx.profile_id, "after", session_id=session_id, pain=after, recorded_at=at)
    if morning:
        next_morning = at + timedelta(hours=20)
        repo.add_checkin(ctx.profile_id, "before", morning_after=morning, recorded_at=next_morning)
    return session_id


def test_readiness_follows_the_pain_model_over_the_journal(ctx: services.Context) -> None:
    assert checkins.readiness_decision(ctx, TODAY).verdict is Verdict.PROCEED
    _past_session(ctx, 3, after=2, morning="same")
    _past_session(ctx, 1, after=3, morning="better")
    assert checkins.readiness_decision(ctx, TODAY).verdict is Verdict.PROGRESS
    assert checkins.readiness_decision(ctx, TODAY, pain_now=4).verdict is Verdict.HOLD
    worse = checkins.readiness_decision(ctx, TODAY, morning_after="worse")
    assert worse.verdict is Verdict.REGRESS
    assert worse.rule_ids[0] == "pain.regress.worse-morning"
    # A report made earlier today on its own counts without being repeated.
    checkins.record_checkin_before(ctx, None, 7, None)
    assert checkins.readiness_decision(ctx, TODAY).verdict is Verdict.REGRESS


def test_two_regressions_in_a_week_pause_and_no_session_begins(ctx: services.Context) -> None:
    _past_session(ctx, 4, after=7, morning="same")
    _past_session(ctx, 2, after=2, morning="worse")
    decision = checkins.readiness_decision(ctx, TODAY, 1)
    assert decision.verdict is Verdict.PAUSE
    assert decision.blocked
    with pytest.raises(SessionStateError, match="no session today"):
        adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), decision)
    assert len(services.history(ctx, 10)) == 2  # only the two past sessions


def test_a_pinch_last_time_shapes_todays_session_and_resume_matches(
    ctx: services.Context,
) -> None:
    earlier = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), _proceed(ctx))
    adaptation.report_symptom(ctx, earlier, earlier.timeline, 5, "pinch")
    decision = checkins.readiness_decision(ctx, TODAY, 1, "same")
    assert decision.verdict is Verdict.REGRESS
    assert decision.rule_ids[0] == "symptom.pinch"
    options = CompileOptions(effort_cap=70)
    active = adaptation.begin_adapted_session(ctx, "morning-pry", options, decision)
    assert {s.exercise_id for s in active.timeline.segments}.isdisjoint(_ir(ctx))
    assert {s.effort_cap for s in active.timeline.segments} == {None, 40}
    record = ctx.journal.get_session(active.session_id)
    assert adaptation.rebuild_timeline(ctx, record) == active.timeline
    # The eased session escalates straight away on a pinch.
    assert adaptation.report_symptom(ctx, active, active.timeline, 4, "pinch").end_session


def test_a_session_begun_the_old_way_rebuilds_unchanged(ctx: services.Context) -> None:
    timeline = services.plan_routine(ctx.library, "desk-break", CompileOptions())
    active = services.begin_session(ctx, timeline, CompileOptions())
    record = ctx.journal.get_session(active.session_id)
    assert adaptation.rebuild_timeline(ctx, record) == timeline


def test_a_report_outside_a_session_applies_from_the_next_one(ctx: services.Context) -> None:
    report = checkins.report_outside_session(ctx, TODAY, 2, None, ["cannot-sit-tall", "knee"])
    assert report.checkin is not None
    assert report.checkin.pain == 2
    assert report.symptoms == ("symptom.cannot-sit-tall", "symptom.knee")
    assert report.decision.verdict is Verdict.HOLD
    assert (
        "90/90 seat, heels closer instead of 90/90 seat"
        in checkins.explain(ctx.library, report.decision)[-1]
    )
    as_json = checkins.decision_dict(ctx.library, report.decision)
    assert as_json["rule_ids"] == ["symptom.knee", "symptom.cannot-sit-tall"]


def _brief(sid: str, hours: int) -> SessionBrief:
    return SessionBrief(sid, NOW + timedelta(hours=hours), "completed")


def _checkin(sid: str | None, hours: int, moment: str = "before", **kw) -> CheckinRecord:  # type: ignore[no-untyped-def]
    values = {"pain": None, "morning_after": None, "effort": None, **kw}
    return CheckinRecord(0, sid, moment, NOW + timedelta(hours=hours), **values)


def _symptom(sid: str | None, hours: int, name: str) -> SymptomRecord:
    return SymptomRecord(0, sid, None, name, NOW + timedelta(hours=hours), "r", "a")


def test_reports_are_attached_to_the_session_they_follow() -> None:
    activity = RecentActivity(
        sessions=(_brief("a", 0), _brief("b", 24), _brief("c", 48)),
        checkins=(
            _checkin("a", 0, "after", pain=4),
            _checkin("b", 24, pain=1, morning_after="worse"),  # b's check-in: a's morning
            _checkin(None, 40, morning_after="same"),  # on its own: b's morning
            _checkin("c", 48, morning_after="better"),  # c's check-in: b's too (worst wins)
        ),
        symptoms=(
            _symptom("a", 1, "pinch"),
            _symptom(None, 30, "knee"),
            _symptom("c", 49, "cramp"),
        ),
    )
    a, b, c = checkins.assemble_history(activity).sessions
    assert (a.pain_after, a.morning_after) == (4, MorningAfter.WORSE)
    assert (b.pain_before, b.morning_after) == (1, MorningAfter.SAME)
    assert (a.symptoms, b.symptoms) == (frozenset({Symptom.PINCH}), frozenset({Symptom.KNEE}))
    assert c.symptoms == frozenset({Symptom.CRAMP})
    without_c = checkins.assemble_history(activity, exclude="c")
    assert len(without_c.sessions) == 2
    assert without_c.sessions[-1].morning_after is MorningAfter.SAME


def test_a_symptom_before_any_session_is_pending() -> None:
    activity = RecentActivity((), (), (_symptom(None, 0, "cannot_sit_tall"),))
    assert checkins.assemble_history(activity).pending == {Symptom.CANNOT_SIT_TALL}


def test_the_dates_used_are_local_days(ctx: services.Context) -> None:
    _past_session(ctx, 1, after=2, morning=None)
    history = checkins.recent_history(ctx)
    assert history.sessions[-1].day == TODAY - timedelta(days=1)
    assert isinstance(history.sessions[-1].day, date)
