"""Beeps and spoken prompts, behind a two-method protocol so a session can run silent.

Nothing here may hold up the schedule: a beep is one BEL character, and the
voice runs espeak-ng as a child process that the player never waits for. A
new prompt stops the one still speaking, so the voice never lags behind.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Protocol, TextIO, runtime_checkable

__all__ = [
    "NO_VOICE_NOTICE",
    "Cues",
    "EspeakVoice",
    "NullCues",
    "RecordingCues",
    "TerminalBeep",
    "Voice",
    "detect_voice",
]

NO_VOICE_NOTICE = "Voice prompts are off: espeak-ng is not installed (apt install espeak-ng)."
# espeak-ng speaks at 175 words a minute by default, which is brisk for
# someone mid-stretch; 150 is calmer and still finishes a prompt in time.
DEFAULT_WORDS_PER_MINUTE = 150


@runtime_checkable
class Cues(Protocol):
    """What the player uses to get attention: a beep and a spoken prompt."""

    def beep(self) -> None:
        """Make a short sound now, without blocking."""
        ...

    def say(self, text: str) -> None:
        """Start speaking `text`, cutting off anything still being said; never blocks."""
        ...


@runtime_checkable
class Voice(Protocol):
    """A speech engine."""

    def say(self, text: str) -> None:
        """Start speaking `text`, cutting off anything still being said; never blocks."""
        ...

    def stop(self) -> None:
        """Stop speaking now."""
        ...

    def close(self) -> None:
        """Stop speaking and release the engine, at the end of a session."""
        ...


class NullCues:
    """Cues that do nothing: for a silent session."""

    def beep(self) -> None:
        """Do nothing."""

    def say(self, text: str) -> None:
        """Do nothing."""


class RecordingCues:
    """A fake for tests: remembers every cue, in order, as ("beep", "") or ("say", text)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def beep(self) -> None:
        """Record a beep."""
        self.calls.append(("beep", ""))

    def say(self, text: str) -> None:
        """Record a prompt."""
        self.calls.append(("say", text))

    @property
    def beeps(self) -> int:
        """How many beeps were made."""
        return sum(1 for kind, _ in self.calls if kind == "beep")

    @property
    def said(self) -> list[str]:
        """Every prompt spoken, in order."""
        return [text for kind, text in self.calls if kind == "say"]


class TerminalBeep:
    """Cues for a terminal: BEL for a beep, and an optional voice for prompts.

    `stream` defaults to the real stderr at the moment of the beep (a pipe or a
    log on stdout should stay free of control characters); nothing is written
    when it is not a terminal. `ring` replaces the write when something else
    owns the terminal: the Textual app passes its own bell.
    """

    def __init__(
        self,
        voice: Voice | None = None,
        stream: TextIO | None = None,
        ring: Callable[[], None] | None = None,
    ) -> None:
        self.voice = voice
        self._stream = stream
        self._ring = ring

    def with_ring(self, ring: Callable[[], None]) -> TerminalBeep:
        """The same cues, ringing through `ring` instead of writing BEL themselves."""
        return TerminalBeep(voice=self.voice, stream=self._stream, ring=ring)

    def beep(self) -> None:
        """Ring the terminal bell."""
        if self._ring is not None:
            self._ring()
            return
        stream = self._stream or sys.__stderr__
        if stream is None or not stream.isatty():
            return
        stream.write("\a")
        stream.flush()

    def say(self, text: str) -> None:
        """Speak through the voice, if there is one."""
        if self.voice is not None:
            self.voice.say(text)

    def close(self) -> None:
        """Stop the voice, if there is one."""
        if self.voice is not None:
            self.voice.close()


class EspeakVoice:
    """Speech through the espeak-ng command, one child process per prompt."""

    def __init__(self, executable: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE) -> None:
        self.executable = executable
        self.words_per_minute = words_per_minute
        self._current: subprocess.Popen[bytes] | None = None
        self._stopping: list[subprocess.Popen[bytes]] = []

    def say(self, text: str) -> None:
        """Stop the previous prompt and start this one; returns as soon as it is launched."""
        self.stop()
        if not text.strip():
            return
        try:
            self._current = subprocess.Popen(
                # "--" so a prompt that starts with "-" is never read as an option.
                [self.executable, "-s", str(self.words_per_minute), "--", text],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # Its own session: Ctrl-C in the terminal stops the player, not the voice
                # mid-word with a traceback of its own; the player stops it instead.
                start_new_session=True,
            )
        except OSError:
            # A voice that fails to start must not end the session; the screen still cues.
            self._current = None

    def stop(self) -> None:
        """Stop speaking; reaps finished processes without ever waiting for one."""
        if self._current is not None:
            if self._current.poll() is None:
                self._current.terminate()
            self._stopping.append(self._current)
            self._current = None
        self._stopping = [p for p in self._stopping if p.poll() is None]

    def close(self, timeout: float = 1.0) -> None:
        """Stop and wait for the child processes to exit (at session end)."""
        self.stop()
        for process in self._stopping:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._stopping = []


def detect_voice(
    enabled: bool, which: Callable[[str], str | None] = shutil.which
) -> tuple[Voice | None, str | None]:
    """The installed voice when `enabled`, or None and a one-line notice saying why not."""
    if not enabled:
        return None, None
    for command in ("espeak-ng", "espeak"):
        path = which(command)
        if path:
            return EspeakVoice(path), None
    return None, NO_VOICE_NOTICE
