"""The guided session player: a clock, a drift-free scheduler, cues, and two ways to show it.

    runner = SessionRunner(timeline, MonotonicClock())
    completed = play_plain(runner, sys.stdout, NullCues(), observer)      # lines
    completed = play_plain(..., TerminalCommands(sys.stdin.fileno()))    # Enter pauses too
    completed = PlayerApp(runner, cues, observer, title).run()            # full screen

`PlayerApp` is imported lazily so plain mode and the runner never load Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hipcoach.player.clock import Clock, FakeClock, MonotonicClock, ScaledClock
from hipcoach.player.events import (
    Beep,
    Gap,
    GapKind,
    Outcome,
    Paused,
    PlayerEvent,
    Resumed,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
    Tick,
)
from hipcoach.player.gaps import GAP_SECONDS, ContinueSignal, gap_text
from hipcoach.player.plain import PlainCommands, TerminalCommands, play_plain
from hipcoach.player.runner import BACK_RESTART_SECONDS, Progress, SessionRunner
from hipcoach.player.sound import (
    NO_VOICE_NOTICE,
    Cues,
    EspeakVoice,
    NullCues,
    RecordingCues,
    TerminalBeep,
    Voice,
    detect_voice,
)

if TYPE_CHECKING:
    from hipcoach.player.tui import PlayerApp

__all__ = [
    "BACK_RESTART_SECONDS",
    "GAP_SECONDS",
    "NO_VOICE_NOTICE",
    "Beep",
    "Clock",
    "ContinueSignal",
    "Cues",
    "EspeakVoice",
    "FakeClock",
    "Gap",
    "GapKind",
    "MonotonicClock",
    "NullCues",
    "Outcome",
    "Paused",
    "PlainCommands",
    "PlayerApp",
    "PlayerEvent",
    "Progress",
    "RecordingCues",
    "Resumed",
    "ScaledClock",
    "SegmentEnded",
    "SegmentStarted",
    "SessionFinished",
    "SessionRunner",
    "TerminalBeep",
    "TerminalCommands",
    "Tick",
    "Voice",
    "detect_voice",
    "gap_text",
    "play_plain",
]


def __getattr__(name: str) -> Any:
    # Textual takes a noticeable moment to import; only the full-screen player needs it.
    if name == "PlayerApp":
        from hipcoach.player.tui import PlayerApp

        return PlayerApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
