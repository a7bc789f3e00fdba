"""Properties over generated timelines and wake-up jitter: order and timing never slip."""

from __future__ import annotations

from itertools import cycle

from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.timeline import SegmentKind
from hipcoach.player.clock import FakeClock
from hipcoach.player.events import Outcome, SegmentEnded, SegmentStarted, SessionFinished
from hipcoach.player.runner import SessionRunner
from tests.player.support import drive, hand_timeline

segment_kinds = st.sampled_from(list(SegmentKind))
plans = st.lists(st.tuples(st.integers(1, 12), segment_kinds), min_size=1, max_size=25)
jitters = st.lists(st.floats(0.0, 2.5, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(plan=plans, lateness=jitters, t0=st.floats(0.0, 1e6, allow_nan=False))
def test_segments_end_in_timeline_order_at_their_planned_times(
    plan: list[tuple[int, SegmentKind]], lateness: list[float], t0: float
) -> None:
    timeline = hand_timeline([d for d, _ in plan], [k for _, k in plan])
    clock = FakeClock(t0)
    runner = SessionRunner(timeline, clock)
    late = cycle(lateness)
    seen = drive(runner, clock, jitter=lambda: next(late))

    ended = [(t, e) for t, e in seen if isinstance(e, SegmentEnded)]
    assert [e.segment for _, e in ended] == list(timeline.segments)
    assert all(e.outcome is Outcome.COMPLETED for _, e in ended)
    assert [e.at for _, e in ended] == [float(s.end) for s in timeline.segments]
    assert [e.elapsed for _, e in ended] == [float(s.duration) for s in timeline.segments]
    # Each end was seen no earlier than planned and no later than one late wake-up.
    for woke, event in ended:
        planned = t0 + event.segment.end
        assert planned - 1e-6 <= woke <= planned + max(lateness) + 1e-6

    started = [e.segment for _, e in seen if isinstance(e, SegmentStarted)]
    assert started == list(timeline.segments)
    assert seen[-1][1] == SessionFinished(completed=True, at=float(timeline.total_seconds))
    ats = [e.at for _, e in seen]
    assert ats == sorted(ats)
