"""The clocks: the fake is complete, the real ones wake on time."""

from __future__ import annotations

import time

import pytest

from hipcoach.player.clock import Clock, FakeClock, MonotonicClock, ScaledClock


def test_every_clock_meets_the_protocol() -> None:
    for clock in (MonotonicClock(), ScaledClock(10), FakeClock()):
        assert isinstance(clock, Clock)


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(5.0)
    assert clock.now() == 5.0
    clock.advance(1.5)
    assert clock.now() == 6.5
    clock.set(10.0)
    assert clock.now() == 10.0
    assert clock.delay_until(12.0) == 2.0
    assert clock.delay_until(3.0) == 0.0


def test_fake_clock_sleeps_instantly_and_records_each_sleep() -> None:
    clock = FakeClock()
    clock.sleep_until(3.0)
    clock.sleep_until(1.0)  # already passed: time stays put
    assert clock.now() == 3.0
    assert clock.sleeps == [3.0, 1.0]


def test_fake_clock_refuses_to_go_back() -> None:
    clock = FakeClock(10.0)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(9.0)


def test_monotonic_clock_wakes_at_the_deadline_not_before() -> None:
    clock = MonotonicClock()
    lateness = []
    for _ in range(20):
        deadline = clock.now() + 0.01
        clock.sleep_until(deadline)
        lateness.append(time.monotonic() - deadline)
    assert min(lateness) >= 0
    # Generous for a loaded CI machine; bench/scheduler_accuracy.py measures the real figure.
    assert sorted(lateness)[len(lateness) // 2] < 0.005


def test_monotonic_clock_returns_at_once_for_a_passed_deadline() -> None:
    clock = MonotonicClock()
    started = time.monotonic()
    clock.sleep_until(clock.now() - 5)
    assert time.monotonic() - started < 0.005
    assert clock.delay_until(clock.now() - 5) == 0.0


def test_scaled_clock_runs_session_time_faster() -> None:
    clock = ScaledClock(100)
    real_start = time.monotonic()
    session_start = clock.now()
    clock.sleep_until(session_start + 1.0)  # one session second: 10 ms of real time
    real = time.monotonic() - real_start
    assert clock.now() >= session_start + 1.0
    assert 0.0099 <= real < 0.05
    assert clock.delay_until(clock.now() + 2.0) == pytest.approx(0.02, abs=0.002)


def test_scaled_clock_refuses_a_scale_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="above 0"):
        ScaledClock(0)
