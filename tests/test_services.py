"""Use cases over a real journal: beginning, offering and resuming sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions, DoseOverride
from hipcoach.domain.errors import SessionStateError
from hipcoach.player.events import Outcome, SegmentEnded, SessionFinished
from hipcoach.settings import Settings


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[services.Context]:
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path)})
    with services.Context(settings) as context:
        yield context


def _play_first(ctx: services.Context, active: services.ActiveSession, count: int) -> None:
    observer = services.JournalObserver(ctx, active)
    for segment in active.timeline.segments[active.start_index : active.start_index + count]:
        observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))


def test_resume_starts_at_the_first_unfinished_segment(ctx: services.Context) -> None:
    options = CompileOptions(dose=DoseOverride(seconds=14))
    timeline = services.plan_routine(ctx.library, "morning-pry", options)
    active = services.begin_session(ctx, timeline, options)
    _play_first(ctx, active, 7)
    resumed = services.resume_session(ctx)
    assert resumed.session_id == active.session_id
    assert resumed.start_index == 7
    assert resumed.resumed
    # The stored options come back: the resumed timeline still holds for 14 s.
    assert {s.duration for s in resumed.timeline.segments if s.kind.value == "hold"} == {14}


def test_a_finished_session_is_not_offered(ctx: services.Context) -> None:
    timeline = services.plan_routine(ctx.library, "desk-break", CompileOptions())
    active = services.begin_session(ctx, timeline, CompileOptions())
    observer = services.JournalObserver(ctx, active)
    _play_first(ctx, active, len(timeline.segments))
    observer(SessionFinished(completed=True, at=float(timeline.total_seconds)))
    assert services.resume_offer(ctx) is None
    with pytest.raises(SessionStateError, match="no unfinished session"):
        services.resume_session(ctx)


def test_an_old_unfinished_session_is_not_offered_but_can_still_resume(
    ctx: services.Context,
) -> None:
    timeline = services.plan_routine(ctx.library, "desk-break", CompileOptions())
    long_ago = datetime.now(UTC) - timedelta(hours=services.RESUME_OFFER_HOURS + 1)
    session_id = ctx.journal.start_session(
        ctx.profile_id,
        "desk-break",
        timeline.routine_name,
        CompileOptions().to_dict(),
        timeline.fingerprint(),
        len(timeline.segments),
        timeline.total_seconds,
        long_ago,
    )
    assert services.resume_offer(ctx) is None
    assert services.resume_session(ctx).session_id == session_id


def test_a_changed_routine_cannot_be_resumed(ctx: services.Context) -> None:
    timeline = services.plan_routine(ctx.library, "desk-break", CompileOptions())
    ctx.journal.start_session(
        ctx.profile_id,
        "desk-break",
        timeline.routine_name,
        CompileOptions().to_dict(),
        "0" * 16,
        len(timeline.segments),
        timeline.total_seconds,
    )
    with pytest.raises(SessionStateError, match="has changed since that session began"):
        services.resume_session(ctx)


def test_exercises_are_listed_in_method_order_with_variants_after_their_parent(
    ctx: services.Context,
) -> None:
    ids = [e.id for e in services.list_exercises(ctx.library)]
    assert ids[:3] == ["90-90-setup", "90-90-setup-block", "90-90-setup-heels-closer"]
    assert ids.index("ir-ankle-lift-lean") == ids.index("ir-ankle-lift") + 1
    assert sorted(ids) == sorted(ctx.library.exercises)
