"""Time the player did not run through is never credited: gaps, jumps and stops pause it."""

from __future__ import annotations

import io
import os
import signal
import time
from types import FrameType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.player.clock import MAX_NAP_SECONDS, Clock, FakeClock, MonotonicClock, ScaledClock
from hipcoach.player.events import (
    Adapted,
    Gap,
    GapKind,
    Outcome,
    Paused,
    PlayerEvent,
    Resumed,
    SegmentEnded,
    SessionFinished,
)
from hipcoach.player.gaps import GAP_SECONDS, ContinueSignal, Look, find_gap, gap_text, span_text
from hipcoach.player.plain import play_plain
from hipcoach.player.runner import OWN_WORK_SECONDS, SessionRunner
from hipcoach.player.sound import RecordingCues
from hipcoach.player.tui import PlayerApp
from tests.player.support import hand_timeline, tiny_timeline

T0 = 1000.0


def ended(events: list[PlayerEvent]) -> list[tuple[int, Outcome, float]]:
    return [(e.segment.index, e.outcome, e.elapsed) for e in events if isinstance(e, SegmentEnded)]


def play_to(runner: SessionRunner, clock: FakeClock, at: float) -> list[PlayerEvent]:
    """Play on time, waking at every deadline, until the clock reads `at`."""
    seen = runner.poll()
    while True:
        deadline = runner.next_deadline()
        if deadline is None or deadline > at:
            clock.sleep_until(at)
            return seen + runner.poll()
        clock.sleep_until(deadline)
        seen += runner.poll()


def play_out(runner: SessionRunner, clock: FakeClock) -> list[PlayerEvent]:
    seen: list[PlayerEvent] = []
    while True:
        seen += runner.poll()
        if runner.finished:
            return seen
        deadline = runner.next_deadline()
        assert deadline is not None, "paused when nothing should have paused it"
        clock.sleep_until(deadline)


# ---- finding a gap between two looks ----------------------------------------------------


def test_ordinary_ticks_are_no_gap() -> None:
    before = Look(10.0, (10.0, 50.0, 1e9))
    assert find_gap(before, Look(11.0, (11.0, 51.0, 1e9 + 1)), GAP_SECONDS) is None
    assert find_gap(before, Look(11.9, (11.9, 51.9, 1e9 + 1.9)), GAP_SECONDS) is None


def test_any_real_clock_moving_far_on_is_a_gap_of_the_furthest() -> None:
    before = Look(10.0, (10.0, 50.0, 1e9))
    # A sleeping computer: the monotonic clock stood still, boot and wall time did not.
    slept = find_gap(before, Look(10.5, (10.5, 350.0, 1e9 + 300)), GAP_SECONDS)
    assert slept == Gap(GapKind.AWAY, 300.0)
    stopped = find_gap(before, Look(35.0, (35.0, 75.0, 1e9 + 25)), GAP_SECONDS)
    assert stopped == Gap(GapKind.AWAY, 25.0)


def test_a_clock_going_back_is_a_gap() -> None:
    before = Look(10.0, (10.0, 1e9))
    assert find_gap(before, Look(4.0, (4.0, 1e9)), GAP_SECONDS) == Gap(GapKind.CLOCK_BACK, 6.0)
    wall_back = find_gap(before, Look(10.5, (10.5, 1e9 - 3600)), GAP_SECONDS)
    assert wall_back is not None
    assert wall_back.kind is GapKind.CLOCK_BACK
    # A wall clock corrected by a few milliseconds is not worth a pause.
    assert find_gap(before, Look(10.5, (10.5, 1e9 - 0.01)), GAP_SECONDS) is None


def test_a_continue_signal_counts_however_short_the_stop() -> None:
    before = Look(10.0, (10.0,))
    gap = find_gap(before, Look(10.4, (10.4,)), GAP_SECONDS, continued=True)
    assert gap is not None
    assert gap.kind is GapKind.STOPPED
    assert gap.seconds == pytest.approx(0.4)


def test_without_real_readings_only_a_stop_or_a_clock_going_back_counts() -> None:
    before = Look(10.0, ())
    assert find_gap(before, Look(500.0, ()), GAP_SECONDS) is None  # a late wake-up
    assert find_gap(before, Look(9.0, ()), GAP_SECONDS) == Gap(GapKind.CLOCK_BACK, 1.0)


def test_gap_texts_are_plain_words() -> None:
    assert span_text(25.4) == "25 s"
    assert span_text(185) == "3 min 5 s"
    assert span_text(120) == "2 min"
    assert span_text(2 * 3600 + 4 * 60 + 9) == "2 h 4 min"
    assert gap_text(Gap(GapKind.AWAY, 25)) == (
        "The session paused itself: the player was not running for 25 s (the computer "
        "slept, the program was suspended, or the clock jumped). That time was not counted."
    )
    assert "suspended for 3 s (Ctrl-Z" in gap_text(Gap(GapKind.STOPPED, 3.2))
    assert "clock went back by 1 min" in gap_text(Gap(GapKind.CLOCK_BACK, 60))


# ---- the runner ---------------------------------------------------------------------------


def test_a_long_stop_pauses_in_the_step_it_began_and_credits_nothing_after() -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(timeline, clock)
    runner.start()
    before = play_to(runner, clock, T0 + 4.0)  # 1 s into the first hold (3 s to 8 s)
    assert ended(before) == [(0, Outcome.COMPLETED, 3.0)]
    clock.advance(25)  # stopped: 25 s pass without a look (the rest of the session is 56 s)
    seen = runner.poll()
    assert seen == [Paused(timeline.segments[1], at=4.0, gap=Gap(GapKind.AWAY, 25.0))]
    assert runner.is_paused
    assert runner.next_deadline() is None
    assert runner.position == 4.0
    assert runner.remaining == 4
    clock.advance(60)  # still nothing while it stays paused
    assert runner.poll() == []
    runner.resume()
    rest = play_out(runner, clock)
    # The pause counts from the last moment played, so it takes in the stop too.
    assert rest[0] == Resumed(timeline.segments[1], at=4.0, paused_for=85.0)
    # The hold that was running is played out from where it stood; the rest follow in full.
    assert ended(rest) == [
        (s.index, Outcome.COMPLETED, float(s.duration)) for s in timeline.segments[1:]
    ]
    assert rest[-1] == SessionFinished(completed=True, at=60.0)
    assert clock.now() == T0 + 4.0 + 25 + 60 + 56


def test_a_stop_just_below_the_limit_is_an_ordinary_late_wake_up() -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(timeline, clock)
    runner.start()
    play_to(runner, clock, T0 + 4.0)
    clock.advance(GAP_SECONDS - 0.1)
    assert not any(isinstance(e, Paused) for e in runner.poll())
    assert not runner.is_paused


@pytest.mark.parametrize("real", [True, False])
def test_a_clock_going_back_pauses_and_does_not_freeze(real: bool) -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0, real=real)
    runner = SessionRunner(timeline, clock)
    runner.start()
    play_to(runner, clock, T0 + 5.5)
    clock.jump(-3600)
    [paused] = runner.poll()
    assert paused == Paused(timeline.segments[1], at=5.5, gap=Gap(GapKind.CLOCK_BACK, 3600.0))
    runner.resume()
    assert isinstance(runner.poll()[0], Resumed)
    # Without the pause its deadlines would lie an hour ahead: frozen.
    deadline = runner.next_deadline()
    assert deadline is not None
    assert 0 < deadline - clock.now() <= 1.0
    rest = play_out(runner, clock)
    assert ended(rest)[0] == (1, Outcome.COMPLETED, 5.0)
    assert rest[-1] == SessionFinished(completed=True, at=60.0)
    assert clock.now() == pytest.approx(T0 - 3600 + 5.5 + 54.5)


def test_a_continue_signal_pauses_even_after_a_short_stop() -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0)
    runner = SessionRunner(timeline, clock)
    runner.start()
    play_to(runner, clock, T0 + 9.0)  # 1 s into the first rest (8 s to 11 s)
    clock.advance(0.5)
    runner.mark_continued()
    [paused] = runner.poll()
    assert paused == Paused(timeline.segments[2], at=9.0, gap=Gap(GapKind.STOPPED, 0.5))
    # The flag is used up: the session resumes and plays on.
    runner.resume()
    assert not any(isinstance(e, Paused) for e in play_out(runner, clock))


def test_a_continue_signal_while_paused_does_nothing() -> None:
    clock = FakeClock(T0)
    runner = SessionRunner(tiny_timeline(), clock)
    runner.start()
    runner.pause()
    assert isinstance(runner.poll()[-1], Paused)
    clock.advance(5)
    runner.mark_continued()
    assert runner.poll() == []
    runner.resume()
    assert not any(isinstance(e, Paused) for e in play_out(runner, clock))


@pytest.mark.parametrize("command", ["skip", "back", "quit", "pause"])
def test_a_command_right_after_a_stop_does_not_credit_it(command: str) -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(timeline, clock)
    runner.start()
    play_to(runner, clock, T0 + 4.0)
    clock.advance(30)  # past the first hold, its rest and into the next hold
    getattr(runner, command)()
    seen = runner.poll()
    assert seen[0] == Paused(timeline.segments[1], at=4.0, gap=Gap(GapKind.AWAY, 30.0))
    if command == "skip":
        # The hold that was running ends as skipped, with the time spent in it.
        assert ended(seen) == [(1, Outcome.SKIPPED, 1.0)]
    else:
        assert ended(seen) == []
    if command == "quit":
        assert seen[-1] == SessionFinished(completed=False, at=4.0)


def test_a_slow_demo_clock_raises_the_limit_to_two_ticks() -> None:
    # At half speed a session second is two real seconds: ticks are not gaps.
    runner = SessionRunner(hand_timeline([5]), ScaledClock(0.5))
    runner.start()
    assert runner._gap_limit == pytest.approx(4.0, abs=0.01)
    fast = SessionRunner(hand_timeline([5]), ScaledClock(40))
    fast.start()
    assert fast._gap_limit == GAP_SECONDS


wake_ups = st.lists(
    st.one_of(
        st.tuples(st.just("late"), st.floats(0.0, 0.9, allow_nan=False)),
        st.tuples(st.just("away"), st.floats(2.5, 5000.0, allow_nan=False)),
        st.tuples(st.just("back"), st.floats(0.01, 5000.0, allow_nan=False)),
        st.tuples(st.just("stopped"), st.floats(0.0, 1.5, allow_nan=False)),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    durations=st.lists(st.integers(1, 15), min_size=1, max_size=12),
    script=wake_ups,
    t0=st.floats(0.0, 1e6, allow_nan=False),
)
def test_session_time_never_runs_ahead_of_the_time_spent_playing(
    durations: list[int], script: list[tuple[str, float]], t0: float
) -> None:
    timeline = hand_timeline(durations)
    clock = FakeClock(t0, real=True)
    runner = SessionRunner(timeline, clock)
    runner.start()
    played = 0.0  # real seconds the player was running and looking, pauses excluded
    events: list[PlayerEvent] = list(runner.poll())
    moves = iter(script)
    for _ in range(100_000):
        if runner.finished:
            break
        if runner.is_paused:
            runner.resume()
        deadline = runner.next_deadline()
        assert deadline is not None
        kind, amount = next(moves, ("late", 0.0))
        if kind == "late":
            before = clock.now()
            clock.sleep_until(deadline + amount)
            played += clock.now() - before
        elif kind == "away":
            clock.advance(amount)
        elif kind == "back":
            clock.jump(-amount)
        else:
            clock.advance(amount)
            runner.mark_continued()
        new = runner.poll()
        events += new
        if kind == "late":
            assert not any(isinstance(e, Paused) for e in new)
        else:
            assert any(isinstance(e, Paused) and e.gap is not None for e in new)
        # Nothing is credited beyond the time actually spent playing.
        assert runner.position <= played + 1e-6
        for event in new:
            if isinstance(event, SegmentEnded):
                assert event.at <= played + 1e-6
    assert runner.finished
    assert ended(events) == [
        (s.index, Outcome.COMPLETED, float(s.duration)) for s in timeline.segments
    ]


# ---- the real clocks and the signal ----------------------------------------------------------


def test_every_clock_reads_real_time_except_a_plain_fake() -> None:
    assert len(MonotonicClock().real_readings()) >= 2
    assert len(ScaledClock(10).real_readings()) >= 2
    assert FakeClock(3.0).real_readings() == ()
    assert FakeClock(3.0, real=True).real_readings() == (3.0,)


def test_a_far_deadline_is_slept_towards_one_nap_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    naps: list[float] = []
    monkeypatch.setattr(time, "sleep", naps.append)
    clock = MonotonicClock()
    clock.sleep_until(clock.now() + 3600)  # as a clock that just went back an hour would ask
    assert naps == [MAX_NAP_SECONDS]


def test_the_final_spin_stops_when_the_clock_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([100.0, 100.001, 40.0])  # the deadline, then a jump back of a minute
    monkeypatch.setattr(time, "monotonic", lambda: next(readings, 40.0))
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    MonotonicClock().sleep_until(100.0015)  # returns instead of spinning for 60 s


@pytest.mark.skipif(not hasattr(signal, "SIGCONT"), reason="no SIGCONT on this system")
def test_the_continue_signal_reaches_us_and_the_handler_before() -> None:
    calls: list[str] = []

    def earlier(number: int, frame: FrameType | None) -> None:
        calls.append("earlier")

    previous = signal.signal(signal.SIGCONT, earlier)
    try:
        with ContinueSignal(lambda: calls.append("ours")):
            os.kill(os.getpid(), signal.SIGCONT)
            time.sleep(0)  # the handler runs at the next bytecode boundary
            assert calls == ["ours", "earlier"]
        assert signal.getsignal(signal.SIGCONT) is earlier
        os.kill(os.getpid(), signal.SIGCONT)
        time.sleep(0)
        assert calls == ["ours", "earlier", "earlier"]
    finally:
        signal.signal(signal.SIGCONT, previous)


def test_a_stop_before_the_first_poll_still_starts_the_step_before_pausing() -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(timeline, clock)
    runner.start()
    clock.advance(30)
    seen = runner.poll()
    assert [type(e).__name__ for e in seen] == ["SegmentStarted", "Tick", "Paused"]
    assert seen[-1] == Paused(timeline.segments[0], at=0.0, gap=Gap(GapKind.AWAY, 30.0))


# ---- a change after a gap -----------------------------------------------------------------


def test_a_gap_before_a_change_pauses_there_and_the_new_step_starts_on_resume() -> None:
    old = hand_timeline([5, 5, 5, 5])
    new = hand_timeline([5, 5, 3, 7, 2])  # the same first two segments, a new tail
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(old, clock)
    runner.start()
    play_to(runner, clock, T0 + 12.0)  # 2 s into segment 2
    clock.advance(30)  # stopped while the change was being worked out
    runner.replace_timeline(new, "changed")
    seen = runner.poll()
    assert seen[0] == Paused(old.segments[2], at=12.0, gap=Gap(GapKind.AWAY, 30.0))
    assert Adapted(new.segments[2], at=10.0, message="changed") in seen
    assert runner.is_paused
    assert runner.next_deadline() is None
    clock.advance(5)
    runner.resume()
    resumed_at = clock.now()
    rest = runner.poll()
    assert Resumed(new.segments[2], at=10.0, paused_for=35.0) in rest
    # The new step plays from the resume on: its first second is due one second later,
    # not a whole gap later.
    assert runner.next_deadline() == pytest.approx(resumed_at + 1.0)
    ends: list[tuple[float, SegmentEnded]] = []
    while not runner.finished:
        deadline = runner.next_deadline()
        assert deadline is not None
        clock.sleep_until(deadline)
        ends += [(clock.now(), e) for e in runner.poll() if isinstance(e, SegmentEnded)]
    assert [e.segment for _, e in ends] == list(new.segments[2:])
    assert ends[0][0] == pytest.approx(resumed_at + 3.0)
    assert clock.now() == pytest.approx(resumed_at + 12.0)


def test_a_change_without_a_gap_still_starts_the_new_step_now() -> None:
    old = hand_timeline([5, 5, 5, 5])
    new = hand_timeline([5, 5, 3, 7, 2])
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(old, clock)
    runner.start()
    play_to(runner, clock, T0 + 12.0)
    clock.advance(0.5)  # an ordinary quick change
    runner.replace_timeline(new, "changed")
    assert not any(isinstance(e, Paused) for e in runner.poll())
    assert runner.next_deadline() == pytest.approx(T0 + 13.5)


# ---- the driver's own work is not time away ------------------------------------------------


def test_the_drivers_own_work_is_not_a_gap_but_the_wait_is() -> None:
    timeline = tiny_timeline()
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(timeline, clock)
    runner.start()
    play_to(runner, clock, T0 + 4.0)
    runner.poll()
    clock.advance(3)  # a journal write waiting on a lock held by the server
    runner.measure_gaps_from_now()
    deadline = runner.next_deadline()
    assert deadline is not None
    clock.sleep_until(deadline)
    assert not any(isinstance(e, Paused) for e in runner.poll())
    runner.measure_gaps_from_now()
    clock.advance(3)  # the same 3 s, but in the wait: the computer was away
    [paused] = [e for e in runner.poll() if isinstance(e, Paused)]
    assert paused.gap == Gap(GapKind.AWAY, 3.0)


def test_work_longer_than_any_write_could_take_is_still_a_gap() -> None:
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(tiny_timeline(), clock)
    runner.start()
    play_to(runner, clock, T0 + 4.0)
    clock.advance(OWN_WORK_SECONDS + 1)  # the lid closed during the write
    runner.measure_gaps_from_now()
    [paused] = [e for e in runner.poll() if isinstance(e, Paused)]
    assert paused.at == 4.0
    assert paused.gap == Gap(GapKind.AWAY, OWN_WORK_SECONDS + 1)


def test_a_clock_going_back_or_a_stop_during_the_work_still_counts() -> None:
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(tiny_timeline(), clock)
    runner.start()
    play_to(runner, clock, T0 + 4.0)
    clock.jump(-3.0)  # the clock set back by hand during the write
    runner.measure_gaps_from_now()
    [paused] = [e for e in runner.poll() if isinstance(e, Paused)]
    assert paused.gap is not None
    assert paused.gap.kind is GapKind.CLOCK_BACK
    runner.resume()
    runner.poll()
    runner.mark_continued()  # Ctrl-Z and fg while the write ran
    runner.measure_gaps_from_now()
    [stopped] = [e for e in runner.poll() if isinstance(e, Paused)]
    assert stopped.gap is not None
    assert stopped.gap.kind is GapKind.STOPPED


class _Waits:
    """Plain mode's commands on a FakeClock: waits to each deadline, once 3 s too long."""

    def __init__(self, late_after: float | None) -> None:
        self.late_after = late_after
        self.typed: list[list[str]] = [[""]]  # Enter, to go on from a pause once

    def wait(self, clock: Clock, deadline: float | None) -> list[str] | None:
        assert isinstance(clock, FakeClock)
        if deadline is None:
            return self.typed.pop() if self.typed else None
        clock.sleep_until(deadline)
        if self.late_after is not None and clock.now() >= self.late_after:
            self.late_after = None
            clock.advance(3)  # the computer was away for 3 s during the wait
        return []


def _play_plain_slowly(late_after: float | None) -> list[PlayerEvent]:
    clock = FakeClock(T0, real=True)
    runner = SessionRunner(tiny_timeline(), clock)
    events: list[PlayerEvent] = []

    def write_slowly(event: PlayerEvent) -> None:
        events.append(event)
        if isinstance(event, SegmentEnded):
            clock.advance(3)  # a journal write with synchronous=FULL behind a busy lock

    completed = play_plain(runner, io.StringIO(), RecordingCues(), write_slowly, _Waits(late_after))
    assert completed is True
    return events


def test_plain_mode_takes_a_slow_journal_write_for_work_not_for_sleep() -> None:
    events = _play_plain_slowly(late_after=None)
    assert not any(isinstance(e, Paused) for e in events)
    assert [e.outcome for e in events if isinstance(e, SegmentEnded)] == [Outcome.COMPLETED] * 19


def test_plain_mode_still_pauses_for_three_seconds_away_during_the_wait() -> None:
    events = _play_plain_slowly(late_after=T0 + 5.0)
    [paused] = [e for e in events if isinstance(e, Paused)]
    assert paused.gap == Gap(GapKind.AWAY, 3.0)


async def test_the_full_screen_player_takes_a_slow_write_for_work_not_for_sleep() -> None:
    clock = FakeClock(T0, real=True)
    events: list[PlayerEvent] = []

    def write_slowly(event: PlayerEvent) -> None:
        events.append(event)
        if isinstance(event, SegmentEnded):
            clock.advance(3)

    app = PlayerApp(SessionRunner(tiny_timeline(), clock), RecordingCues(), write_slowly, "Tiny")
    async with app.run_test(size=(100, 30)):
        for _ in range(12):  # on time, second by second, past two ends that each wrote slowly
            clock.advance(1)
            app.pump()
        assert sum(isinstance(e, SegmentEnded) for e in events) >= 2
        assert not app.runner.is_paused
        clock.advance(3)  # away for 3 s while waiting for the next second
        app.pump()
        assert app.runner.is_paused
    assert not any(isinstance(e, Paused) and e.gap is None for e in events)
