"""Plain mode: parse the lines it writes for a tiny timeline on a FakeClock."""

from __future__ import annotations

import io
import re

import pytest

from hipcoach.domain.timeline import SegmentKind
from hipcoach.player.clock import FakeClock
from hipcoach.player.events import (
    Outcome,
    PlayerEvent,
    SegmentEnded,
    SegmentStarted,
    SessionFinished,
)
from hipcoach.player.plain import clock_text, play_plain
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import RecordingCues
from tests.player.support import tiny_timeline

SEGMENT_LINE = re.compile(r"^\[(\d\d):(\d\d)\] (.+) \((\d+) s\)$")
CUE_LINE = re.compile(r"^ {8}(\S.*)$")
COUNT_LINE = re.compile(r"^([123])$")


def parse(output: str) -> list[tuple[str, ...]]:
    """Each line as ("segment", seconds, text, duration), ("cue", text), ("count", n) or other."""
    parsed: list[tuple[str, ...]] = []
    for line in output.splitlines():
        if m := SEGMENT_LINE.match(line):
            seconds = int(m[1]) * 60 + int(m[2])
            parsed.append(("segment", str(seconds), m[3], m[4]))
        elif m := CUE_LINE.match(line):
            parsed.append(("cue", m[1]))
        elif m := COUNT_LINE.match(line):
            parsed.append(("count", m[1]))
        else:
            parsed.append(("other", line))
    return parsed


def play(clock: FakeClock) -> tuple[bool, str, RecordingCues, list[PlayerEvent]]:
    runner = SessionRunner(tiny_timeline(), clock)
    out = io.StringIO()
    cues = RecordingCues()
    events: list[PlayerEvent] = []
    completed = play_plain(runner, out, cues, events.append)
    return completed, out.getvalue(), cues, events


def test_plain_mode_writes_one_line_per_cue_in_session_order() -> None:
    timeline = tiny_timeline()
    completed, output, _, _ = play(FakeClock(50.0))
    assert completed is True
    lines = parse(output)
    segment_lines = [line[1:] for line in lines if line[0] == "segment"]
    assert [(int(t), d) for t, _, d in segment_lines] == [
        (s.start, str(s.duration)) for s in timeline.segments
    ]
    texts = [text for _, text, _ in segment_lines]
    assert texts[0] == "Right leg in front. Get ready: ER press"
    assert texts[1] == "ER press: hold, round 1 of 2"
    assert "Switch sides: left leg in front" in texts
    assert texts[texts.index("Switch sides: left leg in front") + 1] == (
        "Left leg in front. Get ready: ER press"
    )
    assert lines[-1] == ("other", "[01:00] Session complete: 01:00, 19 of 19 segments done.")


def test_each_segment_line_is_followed_by_its_cue_unless_the_cue_repeats() -> None:
    lines = parse(play(FakeClock())[1])
    assert lines[1] == ("cue", "ER press: the cue.")
    # The hold repeats the get-ready cue, and rep 2 repeats rep 1's tempo: left out.
    assert lines[2][0] == "segment"
    assert lines[2][2] == "ER press: hold, round 1 of 2"
    rep_two = next(i for i, line in enumerate(lines) if line[2:3] == ("IR lift: rep 2 of 2",))
    assert lines[rep_two + 1][0] == "segment"


def test_countdown_lines_come_only_in_the_last_three_seconds_of_holds() -> None:
    lines = parse(play(FakeClock())[1])
    counts: list[tuple[str, list[str]]] = []
    for line in lines:
        if line[0] == "segment":
            counts.append((line[2], []))
        elif line[0] == "count":
            counts[-1][1].append(line[1])
    for text, numbers in counts:
        assert numbers == (["3", "2", "1"] if ": hold" in text else []), text


def test_plain_output_has_no_escape_codes_and_speaks_every_prompt() -> None:
    timeline = tiny_timeline()
    _, output, cues, events = play(FakeClock())
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", output)  # no ESC, no BEL, only newlines
    assert cues.said == [s.spoken for s in timeline.segments]
    assert cues.beeps == 3 * sum(s.kind is SegmentKind.HOLD for s in timeline.segments)
    assert events[-1] == SessionFinished(completed=True, at=60.0)
    ended = [e for e in events if isinstance(e, SegmentEnded)]
    assert [e.segment for e in ended] == list(timeline.segments)


class InterruptedClock(FakeClock):
    """Ctrl-C arrives while the player sleeps, once time reaches `at`."""

    def __init__(self, at: float) -> None:
        super().__init__()
        self.at = at

    def sleep_until(self, deadline: float) -> None:
        if deadline >= self.at:
            self.set(self.at)
            raise KeyboardInterrupt
        super().sleep_until(deadline)


@pytest.mark.parametrize("at", [8.0, 8.5])
def test_ctrl_c_stops_cleanly_with_finished_segments_already_passed_on(at: float) -> None:
    # At 8.0 the first hold ends just as Ctrl-C arrives, before anything polled it;
    # at 8.5 it had ended and been shown, and the rest after it is under way.
    completed, output, _, events = play(InterruptedClock(at=at))
    assert completed is False
    ended = [(e.segment.index, e.outcome) for e in events if isinstance(e, SegmentEnded)]
    assert ended == [(0, Outcome.COMPLETED), (1, Outcome.COMPLETED)]
    assert events[-1] == SessionFinished(completed=False, at=at)
    last = output.splitlines()[-1]
    assert last == "[00:08] Session stopped at 00:08 of 01:00: 2 of 19 segments done."


def test_clock_text_formats_session_time() -> None:
    assert clock_text(0) == "00:00"
    assert clock_text(65.9) == "01:05"
    assert clock_text(3725) == "1:02:05"


def test_the_summary_counts_skipped_segments() -> None:
    runner = SessionRunner(tiny_timeline(), FakeClock())
    out = io.StringIO()
    events: list[PlayerEvent] = []

    def skip_first_rest(event: PlayerEvent) -> None:
        events.append(event)
        if isinstance(event, SegmentStarted) and event.segment.index == 2:
            assert event.segment.kind is SegmentKind.REST
            runner.skip()

    assert play_plain(runner, out, RecordingCues(), skip_first_rest) is True
    skipped = [
        e.segment.index for e in events if isinstance(e, SegmentEnded) and e.outcome == "skipped"
    ]
    assert skipped == [2]
    assert out.getvalue().splitlines()[-1] == (
        "[01:00] Session complete: 01:00, 18 of 19 segments done, 1 skipped."
    )
