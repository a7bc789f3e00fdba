"""Every page in Chromium at phone and desktop size: it renders, axe finds nothing serious,
every control is reachable by Tab with its focus shown, and a screenshot is kept for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.helpers import (
    DESCRIBE_JS,
    PAGES,
    axe_violations,
    describe_violations,
    goto,
    load_all_images,
    seed_plan_and_measures,
    tab_walk,
    visible_controls,
)

SIZES = ("phone", "desktop")


@pytest.fixture(scope="module")
def seeded(live_server: Any) -> Any:
    """The shared server with a plan and measurements, so no page is just an empty state."""
    if not getattr(live_server, "seeded", False):
        seed_plan_and_measures(live_server)
        live_server.seeded = True
    return live_server


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_and_passes_axe(
    seeded: Any, open_page: Any, axe_js: Path, screenshot_dir: Path, name: str, size: str
) -> None:
    page = open_page(size)
    goto(page, seeded.url(PAGES[name]))
    page.wait_for_load_state("networkidle")
    assert page.title(), f"{name} has no <title>"
    assert page.locator("h1").count() >= 1, f"{name} has no h1"
    load_all_images(page)
    broken = page.evaluate(
        "() => Array.from(document.images)"
        ".filter(i => i.getAttribute('src') && !i.naturalWidth).map(i => i.src)"
    )
    assert not broken, f"images that did not load on {PAGES[name]}: {broken}"
    page.screenshot(path=screenshot_dir / f"{name}-{size}.png", full_page=True)

    violations = axe_violations(page, axe_js)
    assert not violations, f"axe on {PAGES[name]} at {size}:\n{describe_violations(violations)}"
    assert not page.errors, f"script errors on {PAGES[name]}: {page.errors}"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_control_is_reached_by_tab_with_focus_shown(
    seeded: Any, open_page: Any, name: str
) -> None:
    page = open_page("desktop")
    goto(page, seeded.url(PAGES[name]))
    page.wait_for_load_state("networkidle")
    page.evaluate(DESCRIBE_JS)
    controls = visible_controls(page)
    stops = tab_walk(page, limit=len(controls) + 15)
    reached = {stop["id"] for stop in stops}
    unreached = [c for c in controls if c not in reached]
    assert not unreached, f"Tab never reaches on {PAGES[name]}: {unreached}"
    # Judged at each control's first stop: Chromium walks Tab through a date input's parts
    # and drops :focus-visible on the last one (AM/PM), which no stylesheet can change.
    first_stops = {stop["id"]: stop for stop in reversed(stops)}
    hidden_focus = [i for i, stop in first_stops.items() if not stop["shown"]]
    assert not hidden_focus, f"focus not visible on {PAGES[name]}: {hidden_focus}"


@pytest.mark.parametrize("size", SIZES)
def test_player_mid_hold_screenshot_and_axe(
    server_factory: Any, open_page: Any, axe_js: Path, screenshot_dir: Path, size: str
) -> None:
    from tests.web.browser.test_player import start_from_player

    server = server_factory(time_scale="1")  # real time: the hold stays on screen
    page = open_page(size)
    session = start_from_player(page, server)
    hold = next(s for s in session["timeline"]["segments"] if s["kind"] == "hold")
    for _ in range(hold["index"]):
        page.keyboard.press("n")
    page.locator("#play-text").filter(has_text=hold["text"]).wait_for()
    page.keyboard.press(" ")  # paused mid-hold: the screenshot and axe see a still page
    assert page.get_attribute("#player", "data-state") == "paused"
    page.keyboard.press(" ")
    page.wait_for_timeout(1500)  # a second into the hold, counting down
    page.screenshot(path=screenshot_dir / f"player-hold-{size}.png", full_page=True)

    violations = axe_violations(page, axe_js)
    found = describe_violations(violations)
    assert not violations, f"axe on the playing player at {size}:\n{found}"
    assert not page.errors
