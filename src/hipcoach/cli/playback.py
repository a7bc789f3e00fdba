"""Wire a session to the player: clock, cues, journal observer, and the chosen view."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from hipcoach.cli.output import console
from hipcoach.player import (
    MonotonicClock,
    ScaledClock,
    SessionRunner,
    TerminalBeep,
    TerminalCommands,
    Voice,
    detect_voice,
    play_plain,
)
from hipcoach.services import ActiveSession, Context, JournalObserver
from hipcoach.views import SAFETY_NOTE


@dataclass(frozen=True)
class Played:
    """How a played session ended: whether it reached its end, and how much was done."""

    completed: bool
    steps_done: int
    steps_total: int
    ended_by_symptom: bool


class _VoiceOnly:
    """Cues for --no-beep: prompts are still spoken, the bell stays silent."""

    def __init__(self, voice: Voice | None) -> None:
        self.voice = voice

    def beep(self) -> None:
        return None

    def say(self, text: str) -> None:
        if self.voice is not None:
            self.voice.say(text)


def _typed_commands() -> TerminalCommands | None:
    """Lines typed in the terminal for plain mode; None when stdin is not a terminal.

    Piped input is left alone: it holds a script's answers to the questions after
    the session, as everywhere else in the CLI (see cli/checkins.interactive).
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None  # no stdin, or a test runner's in-memory one
    return TerminalCommands(fd) if os.isatty(fd) else None


def play(ctx: Context, active: ActiveSession, *, plain: bool, voice: bool, beep: bool) -> Played:
    """Play `active` in the terminal and report where it ended."""
    from hipcoach.services.adaptation import SymptomHandler

    out = console()
    scale = ctx.settings.time_scale
    clock = MonotonicClock() if scale == 1 else ScaledClock(scale)
    runner = SessionRunner(active.timeline, clock, start_index=active.start_index)
    speaker, notice = detect_voice(voice)
    cues = TerminalBeep(voice=speaker) if beep else _VoiceOnly(speaker)
    observer = JournalObserver(ctx, active)
    timeline = active.timeline
    lines = [SAFETY_NOTE]
    if notice:
        lines.append(notice)
    if scale != 1:
        lines.append(
            f"Clock running {scale:g}x faster (HIPCOACH_TIME_SCALE; demos and tests only)."
        )
    if active.resumed:
        lines.append(
            f"Resuming {timeline.routine_name} at step {active.start_index + 1} of "
            f"{len(timeline.segments)}."
        )
    ended_by_symptom = False
    try:
        if plain:
            for line in lines:
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
            completed = play_plain(runner, sys.stdout, cues, observer, _typed_commands())
        else:
            for line in lines:
                out.print(line, style="dim")
            from hipcoach.player.tui import PlayerApp

            handler = SymptomHandler(ctx, active)
            app = PlayerApp(runner, cues, observer, timeline.routine_name, on_symptom=handler)
            completed = bool(app.run())
            ended_by_symptom = handler.ended
    finally:
        if speaker is not None:
            speaker.close()
    record = ctx.journal.get_session(active.session_id)
    # A symptom may have reshaped the session: count against what was played.
    total = len(runner.timeline.segments)
    done = len(record.done_indices)
    if ended_by_symptom:
        message = handler.responses[-1].message + " What you did is saved."
    elif completed:
        message = (
            f"Well done: {timeline.routine_name} complete. {record.completed_count} steps done"
            + (f", {record.skipped_count} skipped." if record.skipped_count else ".")
        )
    else:
        message = (
            f"Stopped with {total - done} of {total} steps left. What you did is saved; "
            "`hipcoach start --resume` carries on from here."
        )
    if plain:
        sys.stdout.write(message + "\n")
    else:
        out.print(message)
    return Played(completed, done, total, ended_by_symptom)
