"""The history the rules read carries how much of each session was done, from the journal.

A carried restriction lifts only after sessions that count (domain/rules.py); these
tests check that the journal's steps done and planned reach the rules, through the
assembly and through a real journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.rules import Symptom
from hipcoach.player.events import Outcome, SegmentEnded
from hipcoach.services import adaptation, checkins
from hipcoach.settings import Settings
from hipcoach.store.checkins import RecentActivity, SessionBrief, SymptomRecord

NOW = datetime.now(UTC)
TODAY = NOW.astimezone().date()


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[services.Context]:
    with services.Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path)})) as context:
        yield context


def _brief(
    sid: str, hours: int, status: str, done: int, total: int, ended_by: str | None = None
) -> SessionBrief:
    return SessionBrief(sid, NOW + timedelta(hours=hours), status, done, total, ended_by)


def test_the_assembly_passes_steps_and_a_safety_end_to_the_rules() -> None:
    activity = RecentActivity(
        (
            _brief("a", 0, "partial", 1, 20),
            _brief("b", 1, "completed", 20, 20),
            _brief("c", 2, "partial", 6, 20, "symptom.pinch-again"),
        ),
        (),
        (SymptomRecord(0, "c", 5, "pinch", NOW + timedelta(hours=2), "symptom.pinch-again", ""),),
    )
    a, b, c = checkins.assemble_history(activity).sessions
    assert (a.steps_done, a.steps_total, a.ended_for_safety) == (1, 20, False)
    assert (b.steps_done, b.steps_total) == (20, 20)
    assert c.ended_for_safety
    assert c.symptoms == {Symptom.PINCH}


def _play(ctx: services.Context, share: float, symptom: str | None = None) -> str:
    decision = checkins.readiness_decision(ctx, TODAY, 1, "same")
    active = adaptation.begin_adapted_session(ctx, "morning-pry", CompileOptions(), decision)
    segments = active.timeline.segments
    done = max(1, round(share * len(segments)))
    observer = services.JournalObserver(ctx, active)
    for segment in segments[:done]:
        observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))
    if symptom:
        adaptation.report_symptom(ctx, active, active.timeline, done, symptom)
    ctx.journal.finish_session(active.session_id, "partial")
    return active.session_id


def test_sessions_quit_after_one_step_do_not_lift_a_pinch(ctx: services.Context) -> None:
    _play(ctx, 0.5, "pinch")
    for _ in range(3):
        _play(ctx, 0.0)
    sessions = checkins.recent_history(ctx, today=TODAY).sessions
    assert [s.steps_done for s in sessions[1:]] == [1, 1, 1]
    assert all(not s.counts(checkins.rulebook(ctx).limits) for s in sessions[1:])
    decision = checkins.readiness_decision(ctx, TODAY, 1, "same")
    assert decision.adjustments[0].rule_id == "symptom.pinch"


def test_half_the_steps_count_and_the_ir_work_returns_capped(ctx: services.Context) -> None:
    _play(ctx, 0.5, "pinch")
    for _ in range(3):
        _play(ctx, 0.5)
    decision = checkins.readiness_decision(ctx, TODAY, 1, "same")
    assert "symptom.pinch" not in decision.rule_ids
    assert decision.adjustments[0].rule_id == "symptom.pinch.returning"
    assert decision.effort_cap == 40
    as_data = checkins.decision_dict(ctx.library, decision)
    assert as_data["rule_ids"][0] == "symptom.pinch.returning"
    assert as_data["effort_cap"] == 40
