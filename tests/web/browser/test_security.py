"""The browser coach against another site, in Chromium: no write gets through, and no page
breaks its own Content-Security-Policy.

The attacking site runs on a second loopback origin, both as another port of the same
address (a browser calls that "same-site") and as `localhost` (cross-site). Its pages post
every form of the app and call every route that writes, as a page on any site can.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.web.browser.conftest import LiveServer, free_port
from tests.web.browser.helpers import PAGES, goto, wait_until
from tests.web.security.apps import mutating_routes, store_fingerprint

# Collects what the policy blocked, from before the page's first script runs.
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Attacker(BaseHTTPRequestHandler):
    """Serves a page per attack: /form?action=URL&... posts a form, /fetch?... calls fetch."""

    pages: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?", 1)[0], "<p>nothing</p>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def attacker() -> Iterator[int]:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port
    server.shutdown()
    server.server_close()


def form_page(action: str) -> str:
    fields = {
        "goal": "jammed-hips",
        "reason": "from another site",
        "left_ir": "33",
        "trauma": "no",
        "code": "ABCDEFGHJK",
        "csrf_token": "guessed",
    }
    inputs = "".join(f'<input name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
    return (
        f'<form id="f" method="post" action="{html.escape(action)}">{inputs}</form>'
        "<script>document.getElementById('f').submit()</script>"
    )


def fetch_page(calls: list[tuple[str, str]]) -> str:
    script = """
    window.__done = false;
    (async () => {
      for (const [method, url] of CALLS) {
        const attempts = [
          {method, mode: 'no-cors', credentials: 'include',
           headers: {'Content-Type': 'text/plain'}, body: '{"routine_id": "morning-pry"}'},
          {method, mode: 'cors', credentials: 'include',
           headers: {'Content-Type': 'application/json'}, body: '{"routine_id": "morning-pry"}'},
          {method, mode: 'no-cors', credentials: 'include', body: new Blob(['{}'])},
        ];
        for (const init of attempts) { try { await fetch(url, init); } catch (e) {} }
      }
      window.__done = true;
    })();
    """.replace("CALLS", json.dumps(calls))
    return f"<script>{script}</script>"


@pytest.mark.parametrize("attacker_host", ["127.0.0.1", "localhost"])
def test_another_site_cannot_change_anything(
    fresh_server: LiveServer, open_page: Any, attacker: int, attacker_host: str
) -> None:
    page = open_page("desktop")
    # The person uses the app first, so the browser holds its cookies when the attack comes.
    goto(page, fresh_server.url("/plan"))
    goto(page, fresh_server.url("/screen"))
    with fresh_server.api() as api:
        sid = api.post("/api/v1/sessions", json={"routine_id": "morning-pry"}).json()["session_id"]
    routes = [(m, p.replace("/s1/", f"/{sid}/")) for m, p in mutating_routes(fresh_server.app)]
    before = store_fingerprint(fresh_server.data_dir)
    site = f"http://{attacker_host}:{attacker}"
    refused = 0
    for method, path in routes:
        if method != "POST":
            continue
        Attacker.pages = {"/form": form_page(fresh_server.url(path))}
        with page.expect_response(lambda r, p=path: r.url.startswith(fresh_server.url(p))) as got:
            page.goto(f"{site}/form")
        response = got.value
        assert response.status == 403, (path, response.status)
        assert "Refused a request from" in response.text()
        refused += 1
    Attacker.pages = {"/fetch": fetch_page([(m, fresh_server.url(p)) for m, p in routes])}
    page.goto(f"{site}/fetch")
    wait_until(lambda: page.evaluate("() => window.__done"), timeout=30)
    assert store_fingerprint(fresh_server.data_dir) == before
    assert refused >= 20
    # The app itself still works for the person.
    goto(page, fresh_server.url("/plan"))


@pytest.mark.parametrize("name", [*PAGES, "pair", "docs", "missing"])
def test_no_page_breaks_its_policy_or_reaches_beyond_the_server(
    live_server: LiveServer, open_page: Any, name: str
) -> None:
    """Nothing blocked by the CSP, and every request (scripts, styles, figures, fonts, API
    calls) goes to this server: the pages work offline."""
    path = {**PAGES, "pair": "/pair", "docs": "/docs", "missing": "/no-such-page"}[name]
    page = open_page("phone")
    page.add_init_script(CSP_WATCH)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live_server.url(path), wait_until="networkidle")
    if name == "player":
        page.locator("#view-start").wait_for(state="visible")
        page.click("#start-button")
        page.locator("#view-ready").wait_for(state="visible")
        page.click("#begin-button")
        page.locator("#view-play").wait_for(state="visible")
        page.wait_for_timeout(1500)
        page.keyboard.press("Space")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__csp") == []
    assert not [m for m in messages if "Content Security Policy" in m], messages
    assert not [m for m in messages if "Permissions-Policy" in m], messages
    assert not page.errors
    elsewhere = [u for u in requested if not u.startswith((live_server.base_url, "data:"))]
    assert requested
    assert elsewhere == []


def test_a_rebound_name_reads_nothing(live_server: LiveServer, browser: Any) -> None:
    """DNS rebinding, as it happens: a site's own name now points at this computer."""
    from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    port = live_server.base_url.rsplit(":", 1)[1]
    rules = "--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1"
    # A second Chromium from the same Playwright, whose resolver maps the attacker's name.
    rebinding = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, rules]
    )
    try:
        page = rebinding.new_page()
        answer = page.goto(f"http://rebind.attacker.test:{port}/")
        assert answer is not None
        assert answer.status == 400
        # The attacker's script runs in its own origin, which now reaches this server.
        read = page.evaluate(
            """async () => {
                const r = await fetch('/api/v1/export');
                return [r.status, await r.text()];
            }"""
        )
        assert read[0] == 400
        assert "records" not in read[1]
    finally:
        rebinding.close()
