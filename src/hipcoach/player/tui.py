"""The full-screen guided session: a big countdown, the instruction, and what comes next.

The app owns no timing. An event-loop timer wakes it at runner.next_deadline();
pump() polls the runner, passes each event to the observer and the cues, and
redraws from the runner's state. Keys only send commands to the runner and
pump again, so the screen and the journal always agree with the runner.

Ctrl-Z suspends the program as in any terminal program; when it is continued
(`fg`), or after any other time it did not run through, the runner has paused
the session and the pause screen says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from rich.markup import escape
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Digits, Footer, Label, ProgressBar, Static

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.timeline import Segment, SegmentKind
from hipcoach.player.events import (
    Adapted,
    Beep,
    Paused,
    PlayerEvent,
    SegmentStarted,
    SymptomResult,
)
from hipcoach.player.gaps import ContinueSignal, gap_text
from hipcoach.player.plain import clock_text
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import Cues, TerminalBeep

__all__ = [
    "BANNER_SECONDS",
    "KIND_LABELS",
    "SYMPTOM_KEYS",
    "PausedScreen",
    "PlayerApp",
    "SymptomCallback",
    "countdown_text",
]

# Keys to report a symptom mid-session, with the footer label each gets. Labels are
# short capitals: someone on the floor reads them from a distance.
SYMPTOM_KEYS: tuple[tuple[str, str, str], ...] = (
    ("p", "pinch", "PINCH"),
    ("c", "cramp", "CRAMP"),
    ("k", "knee", "KNEE"),
    ("x", "pain", "PAIN"),
)
# How long the banner saying what changed stays up, in wall-clock seconds.
BANNER_SECONDS = 8.0
SymptomCallback = Callable[[str, int], SymptomResult | None]


def _symptom_bindings(prefix: str) -> list[BindingType]:
    return [
        Binding(key, f"{prefix}symptom('{name}')", label, key_display=key.upper())
        for key, name, label in SYMPTOM_KEYS
    ]


KIND_LABELS: dict[SegmentKind, str] = {
    SegmentKind.GET_READY: "GET READY",
    SegmentKind.SETUP: "SET UP",
    SegmentKind.HOLD: "HOLD",
    SegmentKind.REP: "REPS",
    SegmentKind.REST: "REST",
    SegmentKind.SWITCH_SIDES: "SWITCH SIDES",
    SegmentKind.TRANSITION: "NEXT EXERCISE",
}


def _kind_class(kind: SegmentKind) -> str:
    return f"-{kind.value.replace('_', '-')}"


_KIND_CLASSES = [_kind_class(kind) for kind in SegmentKind] + ["-done"]


def countdown_text(seconds: int) -> str:
    """What the big digits show: "27" below a minute, "1:30" from a minute up."""
    minutes, secs = divmod(max(0, seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes else str(secs)


def _counters(segment: Segment) -> str:
    parts = []
    if segment.round is not None and segment.rounds and segment.rounds > 1:
        parts.append(f"Round {segment.round} of {segment.rounds}")
    if segment.rep is not None and segment.reps:
        parts.append(f"Rep {segment.rep} of {segment.reps}")
    return "   ·   ".join(parts)


class PausedScreen(ModalScreen[None]):
    """Shown over the dimmed session while it is paused; the same keys still work.

    `reason` says why when the session paused itself (empty when the person paused).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "app.toggle_pause", "Resume"),
        Binding("n", "app.skip", "Next"),
        Binding("b", "app.go_back", "Back"),
        Binding("q", "app.quit", "Quit"),
        *_symptom_bindings("app."),
    ]

    def __init__(self, reason: str = "") -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        why = f"{escape(self.reason)}\n\n" if self.reason else ""
        yield Static(
            f"[b]PAUSED[/b]\n\n{why}Press [b]space[/b] to carry on,\n[b]q[/b] to stop here.",
            id="paused-box",
        )
        yield Footer()


class PlayerApp(App[bool]):
    """Plays a SessionRunner full-screen; run() returns True when the session completed."""

    CSS_PATH = "player.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause"),
        Binding("n", "skip", "Next"),
        Binding("b", "go_back", "Back"),
        Binding("q", "quit", "Quit"),
        *_symptom_bindings(""),
        # The terminal's own Ctrl-Z does not reach a full-screen program; this does
        # the same, and the session is paused when it comes back.
        Binding("ctrl+z", "suspend_process", "Suspend", show=False),
    ]
    DEFAULT_CSS = """
    #banner {
        display: none;
        height: auto;
        margin: 1 2 0 2;
        padding: 1 2;
        border: thick $warning;
        background: $warning 20%;
        text-style: bold;
        text-align: center;
    }
    #banner.-shown { display: block; }
    """

    def __init__(
        self,
        runner: SessionRunner,
        cues: Cues,
        on_event: Callable[[PlayerEvent], None],
        title: str,
        on_symptom: SymptomCallback | None = None,
    ) -> None:
        super().__init__()
        # Reports a symptom at a segment index; returns the changed rest of the session.
        self.on_symptom = on_symptom
        self.banner = Static("", id="banner", markup=False)
        self._banner_timer: asyncio.TimerHandle | None = None
        self.end_message: str | None = None  # set when a report ended the session
        self.runner = runner
        # A plain BEL written from here could land in the middle of a frame that
        # Textual is writing; its own bell goes through the same writer.
        self.cues: Cues = cues.with_ring(self.bell) if isinstance(cues, TerminalBeep) else cues
        self.observer = on_event
        self.session_title = title
        self._timer: asyncio.TimerHandle | None = None
        self.pause_reason = ""  # why the session paused itself, for the pause screen
        self._continue_signal = ContinueSignal(runner.mark_continued)
        # Kept as attributes: while the pause screen is up, queries would search it.
        self.stage = Vertical(id="stage")
        self.kind_label = Label("", id="kind")
        self.side_label = Label("", id="side")
        self.countdown = Digits("", id="countdown")
        self.instruction = Static("", id="instruction", markup=False)
        self.cue = Static("", id="cue", markup=False)
        self.counters = Label("", id="counters")
        self.exercise_label = Label("", id="exercise", markup=False)
        self.next_label = Static("", id="next", markup=False)
        self.progress_bar = ProgressBar(
            total=max(1, runner.timeline.total_seconds), show_eta=False, id="progress"
        )
        self.clock_label = Label("", id="clock")

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Label(self.session_title, id="title", markup=False)
            yield self.exercise_label
        with self.stage:
            yield self.kind_label
            with Center(id="side-row"):
                yield self.side_label
            yield self.countdown
            yield self.instruction
            yield self.cue
            yield self.counters
        yield self.banner
        yield self.next_label
        with Horizontal(id="progress-row"):
            yield self.progress_bar
            yield self.clock_label
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.session_title
        # Installed now, after Textual's driver put its own SIGCONT handler in place,
        # so that both run.
        self._continue_signal.install()
        if not self.runner.started:
            self.runner.start()
        self.pump()

    def on_unmount(self) -> None:
        self._continue_signal.restore()

    # ---- the one place the runner is driven ------------------------------------------

    def pump(self) -> None:
        """Poll the runner, pass its events on, redraw, and re-arm the timer."""
        for event in self.runner.poll():
            self.observer(event)
            if isinstance(event, SegmentStarted):
                self.cues.say(event.segment.spoken)
            elif isinstance(event, Beep):
                self.cues.beep()
            elif isinstance(event, Adapted):
                self.progress_bar.update(total=max(1, self.runner.timeline.total_seconds))
                self.show_banner(event.message)
            elif isinstance(event, Paused):
                self.pause_reason = gap_text(event.gap) if event.gap is not None else ""
        self.refresh_view()
        # Writing the events down and drawing them is our own work, not time away:
        # only the wait for the next deadline is judged.
        self.runner.measure_gaps_from_now()
        if self.runner.finished:
            self._cancel_timer()
            self.exit(bool(self.runner.completed))
            return
        self._arm()

    def _arm(self) -> None:
        # One wake-up per deadline: after a pause or a skip the old deadline is
        # wrong, so it is always replaced rather than left to fire. asyncio's
        # call_later rather than App.set_timer: a one-shot Textual timer divides
        # by zero for a 0 s delay and silently never fires if the loop is late.
        self._cancel_timer()
        deadline = self.runner.next_deadline()
        if deadline is None:
            return
        delay = self.runner.clock.delay_until(deadline)
        loop = asyncio.get_running_loop()
        # call_next runs pump() as an app message, so its errors surface as the app's.
        self._timer = loop.call_later(delay, self.call_next, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if not self.runner.finished:
            self.pump()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # ---- drawing ---------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Redraw every widget from the runner's state."""
        runner = self.runner
        segment = runner.current
        self.stage.remove_class(*_KIND_CLASSES)
        self.stage.set_class(runner.is_paused, "-paused")
        if segment is None:
            self._show_ended()
        else:
            self.stage.add_class(_kind_class(segment.kind))
            self._show_segment(segment)
        progress = runner.progress
        self.progress_bar.update(progress=progress.elapsed)
        self.clock_label.update(f"{clock_text(progress.elapsed)} / {clock_text(progress.total)}")
        self._sync_pause_screen()

    def _sync_pause_screen(self) -> None:
        showing = isinstance(self.screen, PausedScreen)
        if self.runner.is_paused and not showing:
            self.push_screen(PausedScreen(self.pause_reason))
        elif showing and not self.runner.is_paused:
            self.pop_screen()

    def _show_segment(self, segment: Segment) -> None:
        runner = self.runner
        kind = KIND_LABELS.get(segment.kind, segment.kind.value.upper())
        self.kind_label.update(("PAUSED · " if runner.is_paused else "") + kind)
        self.side_label.update(f"{segment.side.value.upper()} leg in front")
        self.countdown.update(countdown_text(runner.remaining))
        self.instruction.update(segment.text)
        self.cue.update(segment.cue)
        self.counters.update(_counters(segment))
        self.exercise_label.update(segment.exercise_name)
        upcoming = runner.upcoming()
        self.next_label.update(
            f"Next: {upcoming.text} ({upcoming.duration} s)" if upcoming else "Next: the end"
        )

    def _show_ended(self) -> None:
        self.stage.add_class("-done")
        completed = self.runner.completed
        self.kind_label.update("WELL DONE" if completed else "STOPPED")
        self.side_label.update("")
        self.countdown.update("0")
        self.instruction.update(
            "Session complete." if completed else "Session stopped; progress is kept."
        )
        for widget in (self.cue, self.next_label, self.counters):
            widget.update("")

    # ---- keys ------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        """Pause or resume the session."""
        self.runner.toggle_pause()
        self.pump()

    def action_skip(self) -> None:
        """Skip to the next segment."""
        self.runner.skip()
        self.pump()

    def action_go_back(self) -> None:
        """Restart this segment, or go to the previous one."""
        self.runner.back()
        self.pump()

    async def action_quit(self) -> None:
        """Stop the session; what was done so far has already been passed on."""
        self.runner.quit()
        self.pump()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Symptom keys exist only when someone listens for them."""
        return action != "symptom" or self.on_symptom is not None

    def action_symptom(self, symptom: str) -> None:
        """Report a symptom: the rules change the rest of the session from this step on."""
        if self.on_symptom is None or self.runner.finished:
            return
        self.pump()  # settle what was already due, so the step reported is the one on screen
        segment = self.runner.current
        if segment is None:
            return
        try:
            result = self.on_symptom(symptom, segment.index)
        except HipcoachError as exc:
            # The session goes on unchanged; the person should still know it did not work.
            self.show_banner(f"Could not apply that: {exc}")
            return
        finally:
            # Working the change out and saving it was our own work, not time away.
            self.runner.measure_gaps_from_now()
        if result is None:
            return
        if result.end_session:
            self.end_message = result.message
            self.show_banner(result.message)
            self.runner.quit()
        elif result.timeline is not None:
            self.runner.replace_timeline(result.timeline, result.message)
        else:
            self.show_banner(result.message)
        self.pump()

    def show_banner(self, message: str) -> None:
        """Show `message` above the progress bar for BANNER_SECONDS."""
        if not message:
            return
        self.banner.update(message)
        self.banner.add_class("-shown")
        if self._banner_timer is not None:
            self._banner_timer.cancel()
        loop = asyncio.get_running_loop()
        self._banner_timer = loop.call_later(BANNER_SECONDS, self.call_next, self.hide_banner)

    def hide_banner(self) -> None:
        """Take the banner down."""
        self._banner_timer = None
        self.banner.remove_class("-shown")
        self.banner.update("")
