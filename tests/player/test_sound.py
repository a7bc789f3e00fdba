"""Cues: the recording fake, the terminal bell, the espeak-ng voice and its detection."""

from __future__ import annotations

import io
import stat
import time
from pathlib import Path

from hipcoach.player.sound import (
    NO_VOICE_NOTICE,
    Cues,
    EspeakVoice,
    NullCues,
    RecordingCues,
    TerminalBeep,
    detect_voice,
)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeVoice:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.closed = False

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_cue_implementations_meet_the_protocol() -> None:
    for cues in (NullCues(), RecordingCues(), TerminalBeep()):
        assert isinstance(cues, Cues)


def test_recording_cues_keep_every_cue_in_order() -> None:
    cues = RecordingCues()
    cues.say("Get ready.")
    cues.beep()
    cues.beep()
    assert cues.calls == [("say", "Get ready."), ("beep", ""), ("beep", "")]
    assert cues.beeps == 2
    assert cues.said == ["Get ready."]


def test_terminal_beep_writes_bel_to_a_terminal_only() -> None:
    terminal = FakeTerminal()
    TerminalBeep(stream=terminal).beep()
    assert terminal.getvalue() == "\a"
    pipe = io.StringIO()
    TerminalBeep(stream=pipe).beep()
    assert pipe.getvalue() == ""


def test_terminal_beep_rings_through_a_replacement_bell() -> None:
    rings: list[str] = []
    terminal = FakeTerminal()
    cues = TerminalBeep(stream=terminal).with_ring(lambda: rings.append("ring"))
    cues.beep()
    assert rings == ["ring"]
    assert terminal.getvalue() == ""


def test_terminal_beep_speaks_through_its_voice() -> None:
    voice = FakeVoice()
    cues = TerminalBeep(voice=voice, stream=io.StringIO())
    cues.say("Hold.")
    cues.close()
    assert voice.said == ["Hold."]
    assert voice.closed
    TerminalBeep().say("nobody hears this")  # no voice: silently nothing


def test_detect_voice_is_quiet_when_voice_is_not_wanted() -> None:
    assert detect_voice(False, which=lambda name: "/usr/bin/" + name) == (None, None)


def test_detect_voice_explains_a_missing_engine_in_one_line() -> None:
    voice, notice = detect_voice(True, which=lambda name: None)
    assert voice is None
    assert notice == NO_VOICE_NOTICE
    assert "\n" not in notice
    assert "apt install espeak-ng" in notice


def test_detect_voice_finds_espeak_ng() -> None:
    voice, notice = detect_voice(
        True, which=lambda name: f"/opt/{name}" if name == "espeak-ng" else None
    )
    assert isinstance(voice, EspeakVoice)
    assert voice.executable == "/opt/espeak-ng"
    assert notice is None


def fake_espeak(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for espeak-ng that logs its arguments and then 'speaks' for 5 s."""
    log = tmp_path / "spoken.log"
    script = tmp_path / "espeak-ng"
    script.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> "{log}"\necho >> "{log}"\nexec sleep 5\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def wait_for_lines(log: Path, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.01)
    raise AssertionError(f"expected {count} utterances in {log}")


def test_espeak_voice_never_blocks_and_a_new_prompt_cuts_off_the_old(tmp_path: Path) -> None:
    script, log = fake_espeak(tmp_path)
    voice = EspeakVoice(str(script))
    try:
        started = time.monotonic()
        voice.say("Get ready.")
        first = voice._current
        assert time.monotonic() - started < 0.5  # the 5 s "utterance" runs on its own
        wait_for_lines(log, 1)
        voice.say("-Hold.")
        assert first is not None
        assert first.wait(timeout=5) != 0  # terminated, not left talking over the new one
        lines = wait_for_lines(log, 2)
        assert lines == ["-s|150|--|Get ready.|", "-s|150|--|-Hold.|"]
    finally:
        voice.close()
    assert voice._current is None


def test_espeak_voice_ignores_blank_prompts_and_survives_a_missing_binary(tmp_path: Path) -> None:
    voice = EspeakVoice(str(tmp_path / "not-installed"))
    voice.say("   ")
    voice.say("Hold.")  # OSError inside: the session must go on without a voice
    voice.close()
