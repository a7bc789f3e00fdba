"""Noticing time the player did not run through, so it is never counted as played.

A suspended laptop, Ctrl-Z, `kill -STOP` or a clock set by hand all look the
same from inside the program: time moved on (or back) while nothing looked.
The runner looks at its clock about once a session second; between two looks
the real clocks behind it should move by about one tick. When one of them
moved much further, or went back, or the program was continued after a stop
(SIGCONT), the runner pauses itself at the last moment it saw instead of
crediting the steps nobody did.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Self

from hipcoach.player.events import Gap, GapKind

__all__ = ["GAP_SECONDS", "ContinueSignal", "Look", "find_gap", "gap_text", "span_text"]

# Real seconds between two looks past which the player counts itself as having
# been away. Ticks come every session second, so an ordinary late wake-up stays
# well below it; the runner raises it for a clock slower than real time.
GAP_SECONDS = 2.0
# How far a real clock may step back without it counting: the wall clock is
# sometimes corrected by a few milliseconds. The session clock may not go back at all.
_BACK_TOLERANCE_SECONDS = 0.5
_EPSILON = 1e-6


@dataclass(frozen=True)
class Look:
    """One look at the player's clock: session time and the real clocks behind it."""

    now: float
    real: tuple[float, ...]


def find_gap(before: Look, after: Look, limit: float, *, continued: bool = False) -> Gap | None:
    """The gap between two looks, or None when the time between them was ordinary.

    `limit` is in real seconds; `continued` says the program was continued after a
    stop in between, which counts however short the stop was.
    """
    steps = [later - earlier for earlier, later in zip(before.real, after.real, strict=False)]
    went_back = before.now - after.now
    if went_back > _EPSILON or any(step < -_BACK_TOLERANCE_SECONDS for step in steps):
        back = max([went_back, *(-step for step in steps)])
        return Gap(GapKind.CLOCK_BACK, back)
    # The clock that moved furthest tells how long the player was away: the
    # monotonic one misses a sleeping computer, boot and wall time do not.
    away = max(steps) if steps else max(0.0, after.now - before.now)
    if continued:
        return Gap(GapKind.STOPPED, away)
    if steps and away > limit:
        return Gap(GapKind.AWAY, away)
    return None


def span_text(seconds: float) -> str:
    """A length of time in plain words: "25 s", "3 min 5 s", "2 h 4 min"."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def gap_text(gap: Gap) -> str:
    """Why the session paused itself, in plain words, without the key to press."""
    if gap.kind is GapKind.CLOCK_BACK:
        what = f"the computer's clock went back by {span_text(gap.seconds)}"
    elif gap.kind is GapKind.STOPPED:
        what = f"the program was suspended for {span_text(gap.seconds)} (Ctrl-Z or a stop signal)"
    else:
        what = (
            f"the player was not running for {span_text(gap.seconds)} "
            "(the computer slept, the program was suspended, or the clock jumped)"
        )
    return f"The session paused itself: {what}. That time was not counted."


_SignalHandler = Callable[[int, FrameType | None], object] | int | None


class ContinueSignal:
    """Calls `on_continue` each time the program is continued after a stop (SIGCONT).

    That is `fg` after Ctrl-Z, or `kill -CONT`. Whatever handler was there before
    (Textual keeps one to redraw the screen) is still called after ours. Where
    there is no SIGCONT (Windows) or this is not the main thread, it does nothing:
    the runner still notices a long stop from its clocks. `on_continue` runs in a
    signal handler, so it should only set a flag.
    """

    def __init__(self, on_continue: Callable[[], None]) -> None:
        self.on_continue = on_continue
        self._previous: _SignalHandler = None
        self._installed = False

    def install(self) -> None:
        """Start listening; a second call does nothing."""
        number = getattr(signal, "SIGCONT", None)
        if self._installed or number is None:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.getsignal(number)
        signal.signal(number, self._handle)
        self._installed = True

    def restore(self) -> None:
        """Put the handler that was there before back."""
        if not self._installed:
            return
        self._installed = False
        previous = self._previous
        signal.signal(signal.SIGCONT, previous if previous is not None else signal.SIG_DFL)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        self.on_continue()
        previous = self._previous
        if callable(previous):
            previous(number, frame)

    def __enter__(self) -> Self:
        self.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.restore()
