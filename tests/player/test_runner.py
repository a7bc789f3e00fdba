"""SessionRunner on a FakeClock: absolute deadlines, pause, skip, back, quit, resume."""

from __future__ import annotations

import random
from typing import TypeVar

import pytest

from hipcoach.domain.errors import SessionStateError
from hipcoach.domain.timeline import SegmentKind, SessionTimeline
from hipcoach.player.clock import FakeClock
from hipcoach.player.events import (
    Beep,
    Outcome,
    Paused,
    PlayerEvent,
    Resumed,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
    Tick,
)
from hipcoach.player.runner import SessionRunner
from tests.player.support import drive, hand_timeline, tiny_timeline

T0 = 1000.0  # a clock that does not start at zero catches offsets mixed up with times
E = TypeVar("E")


def of_type(seen: list[tuple[float, PlayerEvent]], kind: type[E]) -> list[tuple[float, E]]:
    return [(t, e) for t, e in seen if isinstance(e, kind)]


def started_runner(
    timeline: SessionTimeline | None = None, start_index: int = 0
) -> tuple[SessionRunner, FakeClock]:
    clock = FakeClock(T0)
    runner = SessionRunner(timeline or tiny_timeline(), clock, start_index=start_index)
    runner.start()
    return runner, clock


def test_segments_start_and_end_exactly_at_their_planned_offsets() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    seen = drive(runner, clock)
    starts = [(t - T0, e.segment.index) for t, e in of_type(seen, SegmentStarted)]
    ends = [(t - T0, e.segment.index, e.outcome, e.elapsed) for t, e in of_type(seen, SegmentEnded)]
    assert starts == [(s.start, s.index) for s in timeline.segments]
    assert ends == [(s.end, s.index, Outcome.COMPLETED, s.duration) for s in timeline.segments]
    assert seen[-1] == (T0 + 60, SessionFinished(completed=True, at=60.0))
    assert runner.finished
    assert runner.completed is True
    # The driver slept to every deadline it was given, and to nothing else.
    assert clock.sleeps == sorted(clock.sleeps)


def test_a_thousand_late_wake_ups_cause_no_drift() -> None:
    rng = random.Random(90)
    durations = [rng.randint(1, 6) for _ in range(400)]
    timeline = hand_timeline(durations)
    runner, clock = started_runner(timeline)
    deadlines: list[float] = []
    ended: list[tuple[float, SegmentEnded]] = []
    for _ in range(1000):
        for event in runner.poll():
            if isinstance(event, SegmentEnded):
                ended.append((clock.now(), event))
        deadline = runner.next_deadline()
        assert deadline is not None
        deadlines.append(deadline)
        clock.sleep_until(deadline + rng.uniform(0.0, 0.9))  # up to 0.9 s late, every time
    assert len(ended) > 100
    # Every deadline is still base + a whole-second offset from the plan: the
    # lateness of one wake-up never leaks into the next deadline.
    assert all(d - T0 == int(d - T0) for d in deadlines)
    for woke, event in ended:
        assert event.at == event.segment.end  # ended-at times equal the plan
        assert 0.0 <= woke - (T0 + event.segment.end) < 0.9
    assert [e.segment.index for _, e in ended] == list(range(len(ended)))


def test_ticks_come_once_per_whole_second_with_the_seconds_left() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    ticks = of_type(drive(runner, clock), Tick)
    expected = [
        (float(s.start + k), s.index, s.duration - k)
        for s in timeline.segments
        for k in range(s.duration)
    ]
    assert [(t - T0, e.segment.index, e.remaining) for t, e in ticks] == expected
    assert all(e.at == t - T0 for t, e in ticks)


def test_beeps_sound_in_the_last_three_seconds_of_holds_and_nowhere_else() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    beeps = [(t - T0, e.segment.index, e.remaining) for t, e in of_type(drive(runner, clock), Beep)]
    holds = [s for s in timeline.segments if s.kind is SegmentKind.HOLD]
    assert len(holds) == 4
    assert beeps == [(float(s.end - r), s.index, r) for s in holds for r in (3, 2, 1)]


def test_a_hold_shorter_than_the_countdown_beeps_for_its_whole_length() -> None:
    runner, clock = started_runner(hand_timeline([2]))
    beeps = [(t - T0, e.remaining) for t, e in of_type(drive(runner, clock), Beep)]
    assert beeps == [(0.0, 2), (1.0, 1)]


def test_pause_shifts_everything_after_it_by_the_pause_length() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    clock.set(T0 + 4.5)  # 1.5 s into the first hold
    before = runner.poll()
    runner.pause()
    assert runner.is_paused
    clock.advance(10)
    assert runner.poll() == [Paused(timeline.segments[1], at=4.5)]
    assert runner.next_deadline() is None  # nothing is due while paused
    assert runner.remaining == 4  # frozen while paused
    assert runner.progress.elapsed == 4.5
    runner.resume()
    seen = drive(runner, clock)
    assert seen[0][1] == Resumed(timeline.segments[1], at=4.5, paused_for=10.0)
    hold_end = next(e for _, e in of_type(seen, SegmentEnded))
    assert hold_end.segment.index == 1
    assert hold_end.elapsed == 5.0  # time in the segment excludes the pause
    ends = [(t - T0, e.segment.index) for t, e in of_type(seen, SegmentEnded)]
    assert ends == [(s.end + 10.0, s.index) for s in timeline.segments[1:]]
    assert [e.segment.index for e in before if isinstance(e, SegmentEnded)] == [0]


def test_toggle_pause_pauses_and_resumes() -> None:
    runner, clock = started_runner()
    runner.toggle_pause()
    assert runner.is_paused
    clock.advance(3)
    runner.toggle_pause()
    assert not runner.is_paused
    assert runner.next_deadline() == T0 + 3.0  # the start, moved by the pause


def test_skip_records_skipped_and_starts_the_next_segment_now() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    clock.set(T0 + 4.25)  # 1.25 s into the first hold
    runner.poll()
    runner.skip()
    events = runner.poll()
    assert events[0] == SegmentEnded(timeline.segments[1], Outcome.SKIPPED, elapsed=1.25, at=4.25)
    assert events[1] == SegmentStarted(timeline.segments[2], at=8.0)
    assert runner.current == timeline.segments[2]
    assert runner.progress.elapsed == 8.0  # the plan jumps to where the rest begins
    assert runner.remaining == 3
    seen = drive(runner, clock)
    # Everything after the skip comes 3.75 s earlier than planned: the time not held.
    ends = [(t - T0, e.segment.index) for t, e in of_type(seen, SegmentEnded)]
    assert ends == [(s.end - 3.75, s.index) for s in timeline.segments[2:]]


def test_skipping_the_last_segment_completes_the_session() -> None:
    runner, _ = started_runner(hand_timeline([5, 5]))
    runner.skip()
    runner.skip()
    events = [e for e in runner.poll() if not isinstance(e, Tick)]
    assert [type(e) for e in events] == [
        SegmentStarted,
        SegmentEnded,
        SegmentStarted,
        SegmentEnded,
        SessionFinished,
    ]
    assert events[-1] == SessionFinished(completed=True, at=10.0)


def test_skip_while_paused_moves_on_and_stays_paused() -> None:
    timeline = hand_timeline([5, 5])
    runner, clock = started_runner(timeline)
    clock.advance(1)
    runner.pause()
    clock.advance(30)
    runner.skip()
    assert runner.is_paused
    assert runner.current == timeline.segments[1]
    clock.advance(30)
    runner.resume()
    assert runner.next_deadline() == clock.now()  # pending events, then the new segment
    runner.poll()
    assert runner.next_deadline() == clock.now() + 1


def test_back_after_two_seconds_restarts_the_segment() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    clock.set(T0 + 6)  # 3 s into the first hold
    runner.poll()
    runner.back()
    events = runner.poll()
    hold = timeline.segments[1]
    assert events == [SegmentStarted(hold, at=3.0), Tick(hold, 5, at=3.0)]
    assert runner.remaining == 5
    ends = of_type(drive(runner, clock), SegmentEnded)
    assert ends[0] == (T0 + 11, SegmentEnded(timeline.segments[1], Outcome.COMPLETED, 5.0, 8.0))


def test_back_early_in_a_segment_goes_to_the_previous_one_without_recording() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    clock.set(T0 + 4)  # 1 s into the first hold
    runner.poll()
    runner.back()
    events = runner.poll()
    assert not any(isinstance(e, SegmentEnded) for e in events)  # the hold is not recorded
    assert events[0] == SegmentStarted(timeline.segments[0], at=0.0)
    assert runner.current == timeline.segments[0]
    ended = [e.segment.index for _, e in of_type(drive(runner, clock), SegmentEnded)]
    assert ended == [s.index for s in timeline.segments]


def test_back_at_the_very_start_restarts_the_first_segment() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    clock.advance(1)
    runner.back()
    assert runner.current == timeline.segments[0]
    assert runner.remaining == 3


def test_quit_finishes_incomplete_without_recording_the_current_segment() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    clock.set(T0 + 9.5)  # the rest after the first hold; nothing polled since the start
    runner.quit()
    events = runner.poll()
    ended = [e.segment.index for e in events if isinstance(e, SegmentEnded)]
    assert ended == [0, 1]  # what had ended before the quit still reaches the journal
    assert events[-1] == SessionFinished(completed=False, at=9.5)
    assert runner.completed is False
    assert runner.current is None
    assert runner.next_deadline() is None
    runner.skip()
    runner.back()
    runner.pause()
    runner.quit()
    assert runner.poll() == []


def test_catching_up_after_a_long_stall_replays_no_stale_beeps() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    runner.poll()
    clock.set(T0 + 13.5)  # stalled through the first hold's countdown and past it
    events = runner.poll()
    ended = [e.segment.index for e in events if isinstance(e, SegmentEnded)]
    assert ended == [0, 1, 2]
    assert not any(isinstance(e, Beep) for e in events)
    # Only the current second of the current segment is reported.
    assert [(e.segment.index, e.remaining) for e in events if isinstance(e, Tick)] == [(3, 1)]


def test_start_index_resumes_there_with_the_right_remaining_total() -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0)
    runner = SessionRunner(timeline, clock, start_index=10)
    assert runner.upcoming() == timeline.segments[10]
    assert runner.progress.remaining == 60 - 32
    runner.start()
    assert runner.progress.elapsed == 32.0
    assert runner.progress.remaining == 28.0
    seen = drive(runner, clock)
    assert seen[0] == (T0, SegmentStarted(timeline.segments[10], at=32.0))
    ended = [(t - T0, e.segment.index) for t, e in of_type(seen, SegmentEnded)]
    assert ended == [(s.end - 32.0, s.index) for s in timeline.segments[10:]]


def test_state_properties_follow_the_session() -> None:
    timeline = tiny_timeline()
    runner, clock = started_runner(timeline)
    assert runner.current == timeline.segments[0]
    runner.poll()
    assert runner.upcoming() == timeline.segments[1]
    assert runner.remaining == 3
    clock.advance(1.4)
    assert runner.remaining == 2
    assert runner.progress.fraction == pytest.approx(1.4 / 60)
    clock.set(T0 + 59)
    runner.poll()
    assert runner.upcoming() is None
    clock.set(T0 + 61)
    runner.poll()
    assert runner.finished
    assert runner.progress.fraction == 1.0
    assert runner.remaining == 0


def test_an_empty_timeline_finishes_at_once() -> None:
    runner, _ = started_runner(hand_timeline([]))
    assert runner.poll() == [SessionFinished(completed=True, at=0.0)]


def test_misuse_is_refused() -> None:
    timeline = tiny_timeline()
    with pytest.raises(SessionStateError, match="19 segments"):
        SessionRunner(timeline, FakeClock(), start_index=19)
    runner = SessionRunner(timeline, FakeClock())
    assert runner.poll() == []  # not started yet
    assert runner.next_deadline() is None
    runner.start()
    with pytest.raises(SessionStateError, match="already"):
        runner.start()
