"""Shared steps for the browser tests: axe, keyboard walks, driving the player, seeding data."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Each page a person can open, named for its screenshot file.
PAGES = {
    "today": "/",
    "screen": "/screen",
    "player": "/player",
    "library": "/library",
    "exercise": "/library/contralateral-pry",
    "plan": "/plan",
    "progress": "/progress",
    "measure": "/measure",
    "settings": "/settings",
}

BLOCKING = ("serious", "critical")

# What a keyboard user can reach with Tab, as the browser decides it.
FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), "
    "select:not([disabled]), textarea:not([disabled]), summary, "
    "[tabindex]:not([tabindex='-1'])"
)


def wait_until(check: Callable[[], Any], timeout: float = 15.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail with the last value."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:g} s (last: {value!r})")
        time.sleep(every)
        value = check()
    return value


def goto(page: Any, url: str) -> Any:
    """Open a page and insist it rendered (a 2xx, no uncaught script error)."""
    response = page.goto(url, wait_until="load")
    assert response is not None
    assert response.ok, f"{url} answered {response.status}"
    return response


def load_all_images(page: Any) -> None:
    """Load lazy images now: a full-page screenshot does not scroll, so they would be blank."""
    page.evaluate(
        """async () => {
            for (const img of document.querySelectorAll('img[loading=lazy]')) img.loading = 'eager';
            await Promise.all(Array.from(document.images).map(img => img.complete ? null
                : new Promise(done => { img.onload = img.onerror = done; })));
        }"""
    )


def axe_violations(page: Any, axe_js: Path) -> list[dict[str, Any]]:
    """Run axe-core in the page; returns its serious and critical violations."""
    # Evaluated through the DevTools protocol: the pages' CSP rightly refuses an injected
    # <script> element, as it would any other inline script.
    page.evaluate(axe_js.read_text(encoding="utf-8") + "\n;true")
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """Readable axe findings: rule, impact, help, and the first few offending nodes."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def visible_controls(page: Any) -> list[str]:
    """A stable description of every visible keyboard-reachable control on the page."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
            .filter(el => {
                const r = el.getBoundingClientRect();
                const s = getComputedStyle(el);
                return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
                    && !el.closest('[inert]') && !el.closest('details:not([open]) > :not(summary)');
            })
            .map(el => window.__describe(el))
            .filter((id, i, all) => all.indexOf(id) === i)""",
        FOCUSABLE,
    )


# An expression, not a function: Playwright would call a function value with no arguments.
DESCRIBE_JS = """(() => {
window.__describe = (el) => {
    // A radio group is one Tab stop (arrow keys move inside it), so it is one control here.
    if (el.type === 'radio') return `radio-group[${el.name}]`;
    const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '')
        .trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}#${el.id}[${label}]@${Array.from(
        el.parentNode ? el.parentNode.children : []).indexOf(el)}`;
};
window.__focusShown = (el) => {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return outline || (s.boxShadow && s.boxShadow !== 'none');
};
})()"""


def tab_walk(page: Any, limit: int) -> list[dict[str, Any]]:
    """Press Tab up to `limit` times; each stop's element and whether its focus shows."""
    page.evaluate(DESCRIBE_JS)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => { const el = document.activeElement;
                if (!el || el === document.body) return null;
                return {id: window.__describe(el), shown: window.__focusShown(el)}; }"""
        )
        if stop is None:
            continue
        if stops and stop["id"] == stops[0]["id"]:
            break  # wrapped round: every stop has been seen
        stops.append(stop)
    return stops


def seed_plan_and_measures(server: Any) -> None:
    """A plan and two measurement sittings, so /plan and /progress have something to show."""
    from datetime import UTC, datetime, timedelta

    from hipcoach.services import measurements, programs

    programs.new_plan(server.ctx, "unlock-stiff-hips")
    now = datetime.now(UTC)
    for weeks_ago, ir in ((3, 28), (0, 34)):
        given = measurements.MeasureInput(
            at=(now - timedelta(weeks=weeks_ago)).date().isoformat(),
            angles=(("left", "ir", ir), ("right", "ir", ir + 2), ("left", "er", 40)),
        )
        measurements.record_measurements(server.ctx, given, now=now)
