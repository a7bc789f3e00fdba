"""Nothing injected runs in Chromium: the places of tests/web/security/test_xss.py, with the
representative payloads of xss_corpus.BROWSER_PAYLOADS, on every page, the player included.

Each tab records every dialog (alert, confirm, prompt) and any window a page opens, and
reads `window.__xss` in the page and in each of its frames: once the page has loaded, its
controls were focused, every element was pointed at (the events a passing mouse sends:
pointerover, pointerenter, mouseover, mouseenter), and timers, animations and toggles had
a moment. Nothing
may fire. The Content-Security-Policy is bypassed on purpose: it would stop inline script
by itself, and this test must show that escaping (and the player's textContent) stops it
first.

Covered here: every query and path place; the refused forms (Screen, Plan, Measure, and
the pairing page of a server that listens beyond this computer); text stored through
forms (a pause reason, PSFS activities); a hostile journal imported, shown by Today,
Plan, Screen, Progress, Measure and the report, resumed in the player (the rest after the
cramp carries imported words), and its caution and stop screens as the player's start
shows them; device names on Settings, and an import refusal that names the file's record
kinds, as the Settings page's script shows it. Headers are left to the in-process test:
a page cannot choose its Host or Origin.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.web.browser.conftest import LiveServer, start_server
from tests.web.security.xss_corpus import (
    BROWSER_PAYLOADS,
    STORED_FIELDS,
    StoredField,
    charts_left_out,
    hostile_export,
    screen_clear,
    seed_export,
)

# Focus every control and point at every element, as a keyboard and a mouse passing over
# would; returns at once (the caller gives every tab one pause for what follows).
STIR = """() => {
    for (const el of document.querySelectorAll(
            'a[href], button, input, select, textarea, summary, [tabindex], [autofocus]')) {
        try { el.focus({preventScroll: true}); } catch (e) {}
    }
    for (const el of document.querySelectorAll('body *')) {
        for (const kind of ['pointerover', 'pointerenter', 'mouseover', 'mouseenter'])
            el.dispatchEvent(new PointerEvent(kind, {bubbles: kind.endsWith('over')}));
    }
}"""
MARKER = "() => window.__xss === undefined ? null : String(window.__xss)"
SETTLE_MS = 50
# The progress chart is a picture that takes the server half a second to draw.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class Tab:
    """One Chromium tab that opens pages and says whether anything injected ran in them."""

    def __init__(self, context: Any, base_url: str) -> None:
        self.page = context.new_page()
        self.base_url = base_url
        self.fired: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.fired.append(f"a {dialog.type} dialog: {dialog.message!r}")
        dialog.dismiss()

    def go(self, path: str) -> Any:
        """Start loading `path`; returns once the answer arrived (see `settle`)."""
        return self.page.goto(self.base_url + path, wait_until="commit")

    def settle(self) -> None:
        """Wait for the page's load, then focus and point at everything in it."""
        self.page.wait_for_load_state("load")
        if "json" not in str(self.page.evaluate("() => document.contentType")):
            self.page.evaluate(STIR)

    def check(self, where: str) -> list[str]:
        """Everything that fired since the last check, each said with `where` it was."""
        found = [f"{where}: {f}" for f in self.fired]
        self.fired.clear()
        for frame in self.page.frames:
            try:
                marker = frame.evaluate(MARKER)
            except Exception as exc:  # a frame gone with a navigation
                marker = None if "detached" in str(exc) or "destroyed" in str(exc) else str(exc)
            if marker is not None:
                found.append(f"{where}: window.__xss = {marker} in {frame.url[:60]}")
        return found

    def text(self, selector: str) -> str:
        return str(self.page.text_content(selector) or "")

    def open_form(self, page: str, action: str) -> None:
        """Have `page` open, with its form token (a refused post shows its form again)."""
        here = self.page.url.split("?")[0].removeprefix(self.base_url)
        if here not in (page, action) or not self.page.query_selector("input[name=csrf_token]"):
            self.page.goto(self.base_url + page, wait_until="load")

    def submit(self, action: str, fields: dict[str, Any]) -> None:
        """Post `fields` to `action` with the open page's form token, as a browser posts a
        form holding those values; returns at once (the answer loads: see `settle`)."""
        self.page.evaluate(
            """([action, fields]) => {
                const token = document.querySelector('input[name=csrf_token]');
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                const add = (name, value) => {
                    const input = document.createElement('input');
                    input.type = 'hidden';
                    input.name = name;
                    input.value = value;
                    form.append(input);
                };
                if (token) add('csrf_token', token.value);
                for (const [name, value] of Object.entries(fields))
                    for (const one of [].concat(value)) add(name, one);
                document.body.append(form);
                form.submit();
            }""",
            [action, fields],
        )


class Lab:
    """A browser context on one server (CSP bypassed: see the module docstring) and its tab.

    One tab, in front: Chromium throttles a tab behind others (its timers, its frames, so
    its clicks and loads), which would only slow every step down.
    """

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        self.context.set_default_timeout(15_000)
        self.context.route(
            "**/api/v1/progress/chart.png",
            lambda route: route.fulfill(body=TINY_PNG, content_type="image/png"),
        )
        self.tab = Tab(self.context, base_url)

    def visit(self, paths: Sequence[str], where: Sequence[str] | None = None) -> list[str]:
        """Open each path; what fired in each (said with its `where`, the path by default)."""
        found = []
        for path, said in zip(paths, where or paths, strict=True):
            self.tab.go(path)
            found += self.settle(said)
        return found

    def post(
        self, forms: Sequence[tuple[str, str, dict[str, Any]]], where: Sequence[str]
    ) -> list[str]:
        """Submit each (page, action, fields); what fired in each answer."""
        found = []
        for (page, action, fields), said in zip(forms, where, strict=True):
            self.tab.open_form(page, action)
            with self.tab.page.expect_navigation(wait_until="commit"):
                self.tab.submit(action, fields)
            found += self.settle(said)
        return found

    def settle(self, where: str) -> list[str]:
        """Stir the page, give its timers and animations a moment, then what fired."""
        self.tab.settle()
        self.tab.page.wait_for_timeout(SETTLE_MS)
        found = self.tab.check(where)
        # Our tab is the only page there should be: any other, a payload opened.
        others = [p.url for p in self.context.pages if p is not self.tab.page]
        return found + [f"{where}: a window opened: {url}" for url in others]

    def close(self) -> None:
        self.context.close()


def report(found: list[str]) -> None:
    assert not found, f"{len(found)} injection(s) ran:\n" + "\n".join(found[:30])


@pytest.fixture(scope="module")
def no_charts() -> Iterator[None]:
    """The report without its PNG charts (pictures; half a second each to draw)."""
    with charts_left_out():
        yield


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, no_charts: None) -> Iterator[LiveServer]:
    """A live server of its own (it takes hostile imports), screened clear, with a plan."""
    # Real time: the player must still be on the imported rest when the test reads it.
    live = start_server(tmp_path_factory.mktemp("xss") / "data", time_scale="1")
    with live.api() as http:
        screen_clear(http)
        made = http.post("/api/v1/plan", json={"goal": "jammed-hips", "days": "mon,wed,fri"})
        assert made.status_code == 201, made.text
    yield live
    live.stop()


@pytest.fixture(scope="module")
def lab(browser: Any, server: LiveServer) -> Iterator[Lab]:
    """One context and tab for the module (a context takes a second to open)."""
    opened = Lab(browser, server.base_url)
    yield opened
    opened.close()


# ---- query parameters and paths -------------------------------------------------------------

PLACES: dict[str, Callable[[str], str]] = {
    "query:today.pain_now": lambda t: "/?" + urlencode({"pain_now": t}),
    "query:today.morning_after": lambda t: "/?" + urlencode({"morning_after": t}),
    "query:player.routine": lambda t: "/player?" + urlencode({"routine": t}),
    "query:player.session": lambda t: "/player?" + urlencode({"session": t}),
    "query:screen.saved": lambda t: "/screen?" + urlencode({"saved": t}),
    "query:pair.code": lambda t: "/pair?" + urlencode({"code": t}),
    "query:docs.any": lambda t: "/docs?" + urlencode({"q": t}),
    "path:library.exercise_id": lambda t: "/library/" + quote(t, safe=""),
    "path:unknown": lambda t: "/no-such-page/" + quote(t, safe=""),
    "path:static": lambda t: "/static/" + quote(t, safe=""),
    "path:figure": lambda t: "/api/v1/figures/" + quote(t, safe="") + ".svg",
    "path:api.session": lambda t: "/api/v1/sessions/" + quote(t, safe=""),
}


def test_query_and_path_text_runs_nothing(lab: Lab) -> None:
    """Every query and path place, each in its tab, for every payload."""
    found = []
    for payload in BROWSER_PAYLOADS:
        paths = [make(payload.text) for make in PLACES.values()]
        for path, name in zip(paths, PLACES, strict=True):
            lab.tab.go(path)
            if name == "query:player.session" and lab.tab.page.query_selector("#start-error"):
                # The player asks the API for that session, and says it has none.
                lab.tab.page.locator("#start-error:not(:empty)").wait_for()
            found += lab.settle(f"{payload.id} in {name}")
    report(found)


# ---- forms ---------------------------------------------------------------------------------

SCREEN_NO = dict.fromkeys(
    [
        "trauma", "cannot_bear_weight", "leg_shape", "hot_swollen", "bowel_bladder",
        "pale_cold_foot", "night_pain", "weight_loss", "cancer", "steroids", "numbness",
        "groin_clicking", "under_18", "pregnant", "fai",
    ],
    "no",
)  # fmt: skip
MEASURE_FIELDS = [
    "left_ir", "left_er", "right_ir", "right_er", "pain", "global_rating", "sit_tall_left",
    "sit_tall_right", "method", "position", "at", "note",
]  # fmt: skip
FORMS: dict[str, tuple[str, str, Callable[[str], dict[str, Any]]]] = {
    "form:screen": (
        "/screen",
        "/screen",
        lambda t: (
            SCREEN_NO
            | {"replacement": "yes", "replacement_side": t, "replacement_approach": "lateral"}
        ),
    ),
    "form:plan": ("/plan", "/plan", lambda t: {"goal": t, "days": t, "time": t, "weeks": t}),
    "form:plan.goal": ("/plan", "/plan", lambda t: {"goal": t, "time": t, "weeks": "4"}),
    "form:measure": (
        "/measure",
        "/measure",
        lambda t: dict.fromkeys(MEASURE_FIELDS, t) | {"psfs_activity": t, "psfs_score": t},
    ),
    "form:measure.psfs_activity.twice": (
        "/measure",
        "/measure",
        lambda t: {"left_ir": "30", "psfs_activity": [t, t], "psfs_score": ["1", "2"]},
    ),
    # Stored: the paused plan shows its reason; the saved sitting lists its activities.
    "form:plan.pause.reason": ("/plan", "/plan/pause", lambda t: {"reason": t}),
    "form:measure.psfs_activity.stored": (
        "/measure",
        "/measure",
        lambda t: {"left_ir": "30", "psfs_activity": [t, "stairs"], "psfs_score": ["4", "5"]},
    ),
}


@pytest.mark.parametrize("place", list(FORMS))
def test_forms_run_nothing(place: str, lab: Lab) -> None:
    """Every payload through the form; a refused post shows the form again, and the next
    payload goes from there. (What the last two places store shows on Today and Progress
    through the same words as the imported text, checked below.)"""
    page, action, make = FORMS[place]
    posts = [(page, action, make(p.text)) for p in BROWSER_PAYLOADS]
    report(lab.post(posts, [p.id for p in BROWSER_PAYLOADS]))


def start_pairing_server(data_dir: Path) -> LiveServer:
    """A server for an app that listens beyond this computer (so an unpaired browser meets
    the pairing page); its socket stays on loopback."""
    return start_server(data_dir, HIPCOACH_HOST="0.0.0.0")


def test_pairing_form_runs_nothing(browser: Any, tmp_path: Path) -> None:
    """A wrong pairing code re-shows the code and the device's name."""
    live = start_pairing_server(tmp_path / "pairing")
    pairing = Lab(browser, live.base_url)
    try:
        found = []
        for payload in BROWSER_PAYLOADS:
            fields = {"code": payload.text, "name": payload.text}
            found += pairing.post([("/pair", "/pair", fields)], [payload.id])
        report(found)
    finally:
        pairing.close()
        live.stop()


# ---- stored text: imported, then shown by the pages and the player ---------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real session's export (begun, three steps, a cramp), from a server of its own."""
    live = start_server(tmp_path_factory.mktemp("xss-seed") / "data")
    try:
        with live.api() as http:
            return seed_export(http)
    finally:
        live.stop()


def import_into(server: LiveServer, document: dict[str, Any]) -> None:
    """Import through the service that POST /import runs (there, in a process per file)."""
    from hipcoach.services.data import import_data

    with tempfile.TemporaryDirectory(prefix="hipcoach-xss-") as folder:
        path = Path(folder) / "import.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        import_data(server.ctx, path)


def rotation(round_: int) -> Callable[[StoredField], str]:
    """Field n of STORED_FIELDS holds payload n + round (mod the payloads): over as many
    rounds as payloads every field holds every payload once, and a page that shows
    several fields shows several payloads at a time."""
    index = {f.id: n for n, f in enumerate(STORED_FIELDS)}
    return lambda f: BROWSER_PAYLOADS[(index[f.id] + round_) % len(BROWSER_PAYLOADS)].text


def field(field_id: str) -> StoredField:
    (found,) = [f for f in STORED_FIELDS if f.id == field_id]
    return found


def start_in_player(tab: Tab) -> None:
    """Open the player and press Start (past the offer to resume, if it makes one)."""
    tab.page.goto(tab.base_url + "/player", wait_until="load")
    tab.page.wait_for_function(
        "() => !document.getElementById('view-resume').hidden"
        " || !document.getElementById('view-start').hidden"
    )
    if tab.page.locator("#view-resume").is_visible():
        tab.page.click("#resume-new")
    tab.page.click("#start-button")


STORED_PAGES = ("/", "/plan", "/screen", "/progress", "/measure", "/api/v1/progress/report.html")


@pytest.mark.parametrize("round_", range(len(BROWSER_PAYLOADS)))
def test_stored_text_runs_nothing(
    round_: int, lab: Lab, server: LiveServer, seed: dict[str, Any]
) -> None:
    """A hostile journal on every page; the player resuming its session (whose rest after
    the cramp carries imported words) and starting one under its caution screen (whose
    changes it lists); then a stop screen, whose reasons refuse the start."""
    text = rotation(round_)
    document, session_id = hostile_export(seed, text)
    import_into(server, document)
    found = lab.visit(STORED_PAGES)
    player = lab.tab
    player.go(f"/player?session={session_id}")
    # Carrying on passes the check-in first, as every way into a session does.
    player.page.click("#resume-button")
    player.page.locator("#view-start").wait_for(state="visible")
    player.page.click("#start-button")
    # The imported journal's own check-ins may pause the program: then the refusal lists
    # the imported reasons (as text); else the rest plays with the imported interlude.
    player.page.wait_for_function(
        "() => !document.getElementById('view-ready').hidden"
        " || document.getElementById('start-error').textContent !== ''"
    )
    if player.page.locator("#view-ready").is_visible():
        player.page.click("#begin-button")
        interlude = text(field("sessions.options.splices.interlude.text"))
        player.page.wait_for_function(
            "wanted => document.getElementById('play-text').textContent === wanted",
            arg=interlude,
        )
        found += lab.settle("the player, playing the imported rest")
    else:
        assert "No session today" in player.text("#start-error")
        found += lab.settle("the player, refusing to resume for imported reasons")

    start_in_player(player)
    player.page.locator("#view-ready").wait_for(state="visible")
    assert text(field("screens.outcome.adjustments.reason")) in player.text("#ready-changes")
    found += lab.settle("the player, listing the screen's changes")

    # (Today and Screen with a stop screen: the in-process test; the same text, other words.)
    import_into(server, hostile_export(seed, text, stop=True)[0])
    start_in_player(player)
    player.page.locator("#start-error:not(:empty)").wait_for()
    assert text(field("screens.outcome.adjustments.reason")) in player.text("#start-error")
    found += lab.settle("the player, refused by the stop screen")
    report(found)


def test_device_names_and_import_refusals_run_nothing(lab: Lab, server: LiveServer) -> None:
    """Paired devices' names on Settings; an import refused with a message naming the file's
    (hostile) record kinds, which the Settings page's script shows."""
    from hipcoach.services.devices import new_pairing_code, pair_device

    for payload in BROWSER_PAYLOADS:
        pair_device(server.ctx, new_pairing_code(server.ctx).code, payload.text)
    found = lab.visit(["/settings"], ["settings, the devices"])
    tab = lab.tab
    for first in range(0, len(BROWSER_PAYLOADS), 5):  # a refusal names five problems
        chunk = BROWSER_PAYLOADS[first : first + 5]
        document = {
            "format": "hipcoach-export",
            "schema_version": 1,
            "exported_at": "2025-03-14T07:30:00Z",
            "profile": {"name": "x", "created_at": "2025-03-14T07:30:00Z"},
            "records": {p.text: [] for p in chunk},
        }
        upload = {
            "name": "hostile.json",
            "mimeType": "application/json",
            "buffer": json.dumps(document).encode(),
        }
        tab.page.set_input_files("#import-file", files=[upload])
        tab.page.click("#import-form button[type=submit]")
        tab.page.locator("#import-result .notice--stop").wait_for()
        shown = tab.text("#import-result")
        assert all(p.text[:12] in shown for p in chunk), shown
        found += lab.settle(f"settings, import refusal {first // 5 + 1}")
    report(found)
