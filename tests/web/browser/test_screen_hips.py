"""In Chromium: the readiness screen asks each hip on its own when both were replaced.

Part of the scenarios of tests/scenarios/test_demands.py (issue 11, point 4), here
for the live server and browser fixtures of this package.
"""

from __future__ import annotations

from typing import Any


def test_browser_screen_asks_each_hip_after_both(fresh_server: Any, open_page: Any) -> None:
    """In Chromium: 'both' opens the per-hip questions and hides the single-hip ones."""
    page = open_page("phone")
    page.goto(fresh_server.url("/screen"))
    single, left = (
        page.locator("#q-replacement_approach"),
        page.locator("#q-replacement_approach_left"),
    )
    assert single.is_hidden()
    assert left.is_hidden()
    page.check("input[name=replacement][value=yes]")
    page.check("input[name=replacement_side][value=right]")
    assert single.is_visible()
    assert left.is_hidden()
    page.check("input[name=replacement_side][value=both]")
    assert single.is_hidden()
    for hip in ("left", "right"):
        assert page.locator(f"#q-replacement_approach_{hip}").is_visible()
        assert page.locator(f"#q-replacement_cleared_{hip}").is_visible()
    page.check("input[name=replacement_approach_left][value=posterior]")
    page.check("input[name=replacement_cleared_left][value=yes]")
    page.check("input[name=replacement_approach_right][value=anterior]")
    page.check("input[name=replacement_cleared_right][value=yes]")
    for question in page.locator("fieldset.question:not(.followup)").all():
        name = question.get_attribute("id")[2:]  # type: ignore[index]
        if name != "replacement":
            page.check(f"input[name={name}][value=no]")
    page.click("button[type=submit]")
    page.wait_for_selector("#outcome")
    text = page.locator("#outcome").inner_text()
    assert "screen.replacement.posterior-left" in text
    assert "Active ER hinge" in text  # named among what is left out
    assert page.errors == []
