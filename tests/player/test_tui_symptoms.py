"""The player's symptom keys, headless: p, c, k and x hand the report on and play the answer."""

from __future__ import annotations

from dataclasses import replace

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.timeline import SessionTimeline
from hipcoach.player.clock import FakeClock
from hipcoach.player.events import Adapted, PlayerEvent, SegmentEnded, SymptomResult
from hipcoach.player.runner import SessionRunner
from hipcoach.player.sound import RecordingCues
from hipcoach.player.tui import PausedScreen, PlayerApp, SymptomCallback
from tests.player.support import tiny_timeline

SIZE = (100, 34)


def eased(timeline: SessionTimeline, at: int) -> SessionTimeline:
    """`timeline` with every segment from `at` on reworded and one second shorter."""
    tail = []
    start = timeline.segments[at].start
    for s in timeline.segments[at:]:
        tail.append(
            replace(s, text="Eased: " + s.text, start=start, duration=max(1, s.duration - 1))
        )
        start += tail[-1].duration
    return replace(timeline, segments=timeline.segments[:at] + tuple(tail))


class Reports:
    """An on_symptom callback that records its calls and answers with `answer`."""

    def __init__(self, answer: SymptomCallback | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.answer = answer

    def __call__(self, symptom: str, index: int) -> SymptomResult | None:
        self.calls.append((symptom, index))
        return self.answer(symptom, index) if self.answer else None


def make_app(
    on_symptom: SymptomCallback | None, clock: FakeClock | None = None
) -> tuple[PlayerApp, list[PlayerEvent]]:
    events: list[PlayerEvent] = []
    runner = SessionRunner(tiny_timeline(), clock or FakeClock())
    app = PlayerApp(runner, RecordingCues(), events.append, "Tiny", on_symptom=on_symptom)
    return app, events


async def test_each_key_reports_its_symptom_at_the_current_segment() -> None:
    clock = FakeClock()
    reports = Reports()
    app, _ = make_app(reports, clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(4)  # into the first hold (segment 1)
        for key in ("p", "c", "k", "x"):
            await pilot.press(key)
    assert reports.calls == [("pinch", 1), ("cramp", 1), ("knee", 1), ("pain", 1)]


async def test_a_pinch_switches_the_rest_of_the_session_at_once() -> None:
    clock = FakeClock()
    old = tiny_timeline()
    new = eased(old, 1)

    def answer(symptom: str, index: int) -> SymptomResult:
        return SymptomResult(eased(old, index), "Pinch: front-hip work only from here.")

    app, events = make_app(Reports(answer), clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(5)
        await pilot.press("p")
        assert app.runner.timeline == new
        assert str(app.instruction.content).startswith("Eased: ")
        assert app.banner.has_class("-shown")
        assert str(app.banner.content) == "Pinch: front-hip work only from here."
        assert app.progress_bar.total == new.total_seconds
        adapted = [e for e in events if isinstance(e, Adapted)]
        assert [(e.segment, e.message) for e in adapted] == [
            (new.segments[1], "Pinch: front-hip work only from here.")
        ]
        # The interrupted hold is replaced, not recorded as skipped.
        assert [e.segment.index for e in events if isinstance(e, SegmentEnded)] == [0]
        app.hide_banner()
        assert not app.banner.has_class("-shown")


async def test_a_report_that_ends_the_session_stops_it() -> None:
    clock = FakeClock()

    def answer(symptom: str, index: int) -> SymptomResult:
        return SymptomResult(None, "Stop for today.", end_session=True)

    app, _ = make_app(Reports(answer), clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(5)
        await pilot.press("x")
        await pilot.pause()
    assert app.return_value is False
    assert app.end_message == "Stop for today."


async def test_a_failing_report_leaves_the_session_as_it_was() -> None:
    def answer(symptom: str, index: int) -> SymptomResult:
        raise HipcoachError("the journal is locked")

    app, _ = make_app(Reports(answer))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        assert app.runner.timeline == tiny_timeline()
        assert "Could not apply that: the journal is locked" in str(app.banner.content)
        assert not app.runner.finished


async def test_keys_work_while_paused_and_the_change_waits_for_the_resume() -> None:
    clock = FakeClock()
    old = tiny_timeline()
    app, _ = make_app(Reports(lambda s, i: SymptomResult(eased(old, i), "Cramp: rest.")), clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert isinstance(app.screen, PausedScreen)
        await pilot.press("c")
        assert app.runner.timeline == eased(old, 0)
        assert app.runner.is_paused


async def test_without_a_listener_the_keys_are_hidden_and_do_nothing() -> None:
    app, events = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        assert app.check_action("symptom", ("pinch",)) is False
        await pilot.press("p")
        assert app.runner.timeline == tiny_timeline()
        assert not any(isinstance(e, Adapted) for e in events)
    with_listener, _ = make_app(Reports())
    assert with_listener.check_action("symptom", ("pinch",)) is True
    assert with_listener.check_action("skip", ()) is True
