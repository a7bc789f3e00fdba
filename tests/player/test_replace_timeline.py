"""SessionRunner.replace_timeline: the rest of a session changes mid-way, deadlines stay exact."""

from __future__ import annotations

from itertools import cycle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.errors import SessionStateError
from hipcoach.domain.timeline import SessionTimeline
from hipcoach.player.clock import FakeClock
from hipcoach.player.events import (
    Adapted,
    PlayerEvent,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
)
from hipcoach.player.runner import SessionRunner
from tests.player.support import drive, hand_timeline

T0 = 500.0


def _runner(timeline: SessionTimeline) -> tuple[SessionRunner, FakeClock]:
    clock = FakeClock(T0)
    runner = SessionRunner(timeline, clock)
    runner.start()
    return runner, clock


def _play_to(runner: SessionRunner, clock: FakeClock, at: float) -> list[PlayerEvent]:
    seen: list[PlayerEvent] = []
    while True:
        seen.extend(runner.poll())
        deadline = runner.next_deadline()
        if deadline is None or deadline > at:
            clock.sleep_until(at)
            seen.extend(runner.poll())
            return seen
        clock.sleep_until(deadline)


def test_the_current_segment_restarts_now_in_its_new_form() -> None:
    old = hand_timeline([5, 5, 5, 5])
    new = hand_timeline([5, 5, 3, 7, 2])  # same first two segments, a new tail
    runner, clock = _runner(old)
    before = _play_to(runner, clock, T0 + 12.4)  # 2.4 s into segment 2
    assert runner.current == old.segments[2]
    runner.replace_timeline(new, "changed")
    seen = drive(runner, clock)
    events = [e for _, e in seen]
    assert events[0] == Adapted(new.segments[2], at=10.0, message="changed")
    assert events[1] == SegmentStarted(new.segments[2], at=10.0)
    ended = [(t, e) for t, e in seen if isinstance(e, SegmentEnded)]
    # Segment 2 of the old plan never ends: it was replaced, not skipped.
    assert [e.segment for _, e in ended] == list(new.segments[2:])
    assert all(e.segment in new.segments for e in before if isinstance(e, SegmentEnded))
    # The new segment 2 starts at the moment of the change; the rest follow at exact offsets.
    base = T0 + 12.4 - 10.0
    assert [t for t, _ in ended] == pytest.approx([base + s.end for s in new.segments[2:]])
    assert seen[-1][1] == SessionFinished(completed=True, at=float(new.total_seconds))
    assert runner.progress.total == new.total_seconds


def test_a_change_while_paused_starts_when_the_pause_ends() -> None:
    old = hand_timeline([4, 4, 4])
    new = hand_timeline([4, 6])
    runner, clock = _runner(old)
    _play_to(runner, clock, T0 + 5)
    runner.pause()
    runner.poll()
    clock.advance(30)
    runner.replace_timeline(new)
    # Shown at once (as after 'back' in a pause), but its clock waits for the resume.
    assert [type(e) for e in runner.poll()][:2] == [Adapted, SegmentStarted]
    assert runner.next_deadline() is None
    assert runner.remaining == 6
    clock.advance(10)
    runner.resume()
    runner.poll()
    clock.advance(5.9)
    assert not any(isinstance(e, SegmentEnded) for e in runner.poll())
    clock.advance(0.1)
    ends = [e for e in runner.poll() if isinstance(e, SegmentEnded)]
    assert [e.segment for e in ends] == [new.segments[1]]


def test_a_timeline_with_nothing_left_ends_the_session_as_completed() -> None:
    old = hand_timeline([3, 3, 3])
    runner, clock = _runner(old)
    _play_to(runner, clock, T0 + 4)
    shorter = SessionTimeline(old.routine_id, old.routine_name, old.sides, old.segments[:1])
    runner.replace_timeline(shorter)
    assert runner.poll()[-1] == SessionFinished(completed=True, at=3.0)
    assert runner.finished
    assert runner.completed


def test_the_played_part_must_stay_as_it_was() -> None:
    runner, clock = _runner(hand_timeline([3, 3, 3]))
    _play_to(runner, clock, T0 + 4)
    with pytest.raises(SessionStateError, match="keep every segment already played"):
        runner.replace_timeline(hand_timeline([2, 3, 3]))
    not_started = SessionRunner(hand_timeline([3]), FakeClock())
    with pytest.raises(SessionStateError, match="no segment is playing"):
        not_started.replace_timeline(hand_timeline([3]))


@settings(max_examples=120, deadline=None)
@given(
    old=st.lists(st.integers(1, 8), min_size=1, max_size=12),
    tail=st.lists(st.integers(1, 8), min_size=1, max_size=12),
    cut=st.floats(0.0, 1.0),
    lateness=st.lists(st.floats(0.0, 2.0, allow_nan=False), min_size=1, max_size=20),
)
def test_after_a_change_every_segment_ends_on_its_new_plan(
    old: list[int], tail: list[int], cut: float, lateness: list[float]
) -> None:
    timeline = hand_timeline(old)
    runner, clock = _runner(timeline)
    moment = T0 + cut * (timeline.total_seconds - 0.01)
    _play_to(runner, clock, moment)
    index = runner.current.index if runner.current else 0
    new = hand_timeline([*old[:index], *tail])
    runner.replace_timeline(new)
    late = cycle(lateness)
    seen = drive(runner, clock, jitter=lambda: next(late))
    ended = [e for _, e in seen if isinstance(e, SegmentEnded)]
    assert [e.segment for e in ended] == list(new.segments[index:])
    assert [e.at for e in ended] == [float(s.end) for s in new.segments[index:]]
    ats = [e.at for _, e in seen]
    assert ats == sorted(ats)
