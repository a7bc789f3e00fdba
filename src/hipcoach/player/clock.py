"""Time for the player, behind a small protocol so tests can run a session in no time.

The runner only ever asks a clock two things: what time it is, and to wait until
an absolute deadline. Event loops that must not block (Textual) also ask how many
real seconds are left until a deadline, and the runner reads the real clocks
behind it to notice time it was not running for (see player/gaps.py). Three
clocks implement that:

* `MonotonicClock`: real time, with a sleep precise to well under a millisecond.
* `ScaledClock`: session time running `scale` times faster than real time
  (HIPCOACH_TIME_SCALE); for demos and tests only, never for a real session.
* `FakeClock`: time that moves only when told to; a complete fake for tests.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = [
    "MAX_NAP_SECONDS",
    "Clock",
    "FakeClock",
    "MonotonicClock",
    "ScaledClock",
    "real_readings",
]

# The longest one sleep_until() call sleeps. The runner's deadlines are at most a
# session second apart, so a deadline further off means a slow demo scale or a
# clock that went back; waking to look again keeps the latter from freezing the player.
MAX_NAP_SECONDS = 1.0
# time.sleep() on Linux usually wakes 50-100 µs late but can overshoot by a
# scheduler slice or more under load, so we sleep coarsely until this close to
# the deadline and spend the rest yielding in a tight loop.
_SPIN_SECONDS = 0.002


def _precise_sleep_until(deadline: float) -> None:
    """Sleep on time.monotonic() until `deadline`, waking no more than a few µs late.

    Sleeps MAX_NAP_SECONDS at most, and stops spinning if the clock is seen to go
    back, so a caller that loops on its deadline always gets to look again.
    """
    remaining = deadline - time.monotonic()
    if remaining > MAX_NAP_SECONDS:
        time.sleep(MAX_NAP_SECONDS)
        return
    if remaining > _SPIN_SECONDS:
        time.sleep(remaining - _SPIN_SECONDS)
    # The bound on the left ends the spin should the clock jump back meanwhile.
    while 0 < deadline - time.monotonic() <= 2 * _SPIN_SECONDS:
        # sleep(0) yields the GIL and the CPU between checks instead of burning it.
        time.sleep(0)


def real_readings() -> tuple[float, ...]:
    """The machine's real clocks, in seconds: monotonic, boot time (Linux), wall time.

    Each shows a different stall: the monotonic clock runs on while a program is
    stopped, boot time and wall time also run on while the computer sleeps, and
    wall time moves when someone or something sets the clock.
    """
    boot = getattr(time, "CLOCK_BOOTTIME", None)
    if boot is None:
        return (time.monotonic(), time.time())
    return (time.monotonic(), time.clock_gettime(boot), time.time())


@runtime_checkable
class Clock(Protocol):
    """Monotonic seconds and a way to wait for an absolute deadline."""

    def now(self) -> float:
        """Current time in seconds; only differences between readings mean anything."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Block until now() >= deadline (or a second at most); return at once if it is."""
        ...

    def delay_until(self, deadline: float) -> float:
        """Real seconds from now until `deadline` (0 if passed), for non-blocking loops."""
        ...

    def real_readings(self) -> tuple[float, ...]:
        """Readings of the real clocks in which a stall or a jump shows; () when none."""
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

    def real_readings(self) -> tuple[float, ...]:
        """The machine's real clocks (see real_readings())."""
        return real_readings()


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

    def real_readings(self) -> tuple[float, ...]:
        """The machine's real clocks, unscaled: a stall is measured in real seconds."""
        return real_readings()


class FakeClock:
    """Time that stands still until advanced; sleeping jumps straight to the deadline.

    Every sleep_until() deadline is kept in `sleeps`, so a test can check what
    the code under test waited for without waiting itself.

    By default the fake stands for session time only, as if the player never
    stopped running: a long advance() is a late wake-up to catch up on. With
    `real=True` its time is also the real time the runner watches, so an advance
    longer than the runner's gap limit reads as the player having been stopped.
    """

    def __init__(self, start: float = 0.0, *, real: bool = False) -> None:
        self._now = float(start)
        self.real = real
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

    def jump(self, seconds: float) -> None:
        """Jump by `seconds`, back too, as a clock set by hand or a faulty one would."""
        self._now += seconds

    def sleep_until(self, deadline: float) -> None:
        """Record the deadline and jump to it at once (no-op when it has passed)."""
        self.sleeps.append(deadline)
        self._now = max(self._now, deadline)

    def delay_until(self, deadline: float) -> float:
        """Fake seconds until `deadline`, treated as real seconds by event loops."""
        return max(0.0, deadline - self._now)

    def real_readings(self) -> tuple[float, ...]:
        """The fake time when it stands for real time too, else nothing to watch."""
        return (self._now,) if self.real else ()
