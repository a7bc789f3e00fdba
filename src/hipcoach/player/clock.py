"""Time for the player, behind a small protocol so tests can run a session in no time.

The runner only ever asks a clock two things: what time it is, and to wait until
an absolute deadline. Event loops that must not block (Textual) also ask how many
real seconds are left until a deadline. Three clocks implement that:

* `MonotonicClock`: real time, with a sleep precise to well under a millisecond.
* `ScaledClock`: session time running `scale` times faster than real time
  (HIPCOACH_TIME_SCALE); for demos and tests only, never for a real session.
* `FakeClock`: time that moves only when told to; a complete fake for tests.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "FakeClock", "MonotonicClock", "ScaledClock"]

# time.sleep() on Linux usually wakes 50-100 µs late but can overshoot by a
# scheduler slice or more under load, so we sleep coarsely until this close to
# the deadline and spend the rest yielding in a tight loop.
_SPIN_SECONDS = 0.002


def _precise_sleep_until(deadline: float) -> None:
    """Sleep on time.monotonic() until `deadline`, waking no more than a few µs late."""
    remaining = deadline - time.monotonic()
    if remaining > _SPIN_SECONDS:
        time.sleep(remaining - _SPIN_SECONDS)
    while time.monotonic() < deadline:
        # sleep(0) yields the GIL and the CPU between checks instead of burning it.
        time.sleep(0)


@runtime_checkable
class Clock(Protocol):
    """Monotonic seconds and a way to wait for an absolute deadline."""

    def now(self) -> float:
        """Current time in seconds; only differences between readings mean anything."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Block until now() >= deadline; return at once if it already is."""
        ...

    def delay_until(self, deadline: float) -> float:
        """Real seconds from now until `deadline` (0 if passed), for non-blocking loops."""
        ...


class MonotonicClock:
    """Real time from time.monotonic(), immune to wall-clock changes."""

    def now(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    def sleep_until(self, deadline: float) -> None:
        """Sleep coarsely, then finish in a short yielding loop so cues are not late."""
        _precise_sleep_until(deadline)

    def delay_until(self, deadline: float) -> float:
        """Real seconds until `deadline`."""
        return max(0.0, deadline - time.monotonic())


class ScaledClock:
    """Session time that runs `scale` times faster than real time; for demos and tests only.

    HIPCOACH_TIME_SCALE=10 plays a ten-minute routine in one minute, which is
    handy for showing the player or checking it by hand. Session time starts
    equal to real monotonic time when the clock is made.
    """

    def __init__(self, scale: float) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be above 0, got {scale}")
        self.scale = float(scale)
        self._origin = time.monotonic()

    def now(self) -> float:
        """Session seconds: real seconds since creation times the scale, plus the origin."""
        return self._origin + (time.monotonic() - self._origin) * self.scale

    def real_time_of(self, deadline: float) -> float:
        """The time.monotonic() reading at which session time reaches `deadline`."""
        return self._origin + (deadline - self._origin) / self.scale

    def sleep_until(self, deadline: float) -> None:
        """Sleep until session time reaches `deadline`, as precisely as MonotonicClock."""
        _precise_sleep_until(self.real_time_of(deadline))

    def delay_until(self, deadline: float) -> float:
        """Real (unscaled) seconds until session time reaches `deadline`."""
        return max(0.0, self.real_time_of(deadline) - time.monotonic())


class FakeClock:
    """Time that stands still until advanced; sleeping jumps straight to the deadline.

    Every sleep_until() deadline is kept in `sleeps`, so a test can check what
    the code under test waited for without waiting itself.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The fake time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (never backwards: a monotonic clock cannot)."""
        if seconds < 0:
            raise ValueError(f"a monotonic clock cannot go back ({seconds} s)")
        self._now += seconds

    def set(self, when: float) -> None:
        """Move time forward to `when` exactly; earlier times are refused."""
        if when < self._now:
            raise ValueError(f"a monotonic clock cannot go back (from {self._now} to {when})")
        self._now = float(when)

    def sleep_until(self, deadline: float) -> None:
        """Record the deadline and jump to it at once (no-op when it has passed)."""
        self.sleeps.append(deadline)
        self._now = max(self._now, deadline)

    def delay_until(self, deadline: float) -> float:
        """Fake seconds until `deadline`, treated as real seconds by event loops."""
        return max(0.0, deadline - self._now)
