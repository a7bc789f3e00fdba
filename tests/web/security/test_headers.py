"""Security headers on every answer, and pages that keep to the strict CSP."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from hipcoach.web.gate import CSP

API = "/api/v1"
EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "x-frame-options": "DENY",
}
PAGES = [
    "/",
    "/?pain_now=3&morning_after=same",
    "/screen",
    "/player",
    "/library",
    "/library/contralateral-pry",
    "/plan",
    "/progress",
    "/measure",
    "/settings",
    "/pair",
    "/docs",
    "/no-such-page",
    "/library/no-such-exercise",
]
OTHERS = [
    ("GET", f"{API}/today"),
    ("GET", f"{API}/progress"),
    ("GET", f"{API}/export"),
    ("GET", f"{API}/openapi.json"),
    ("GET", f"{API}/no-such-route"),
    ("GET", "/static/css/app.css"),
    ("GET", "/static/js/player/main.js"),
    ("TRACE", "/"),
    ("DELETE", f"{API}/progress"),
    ("POST", f"{API}/sessions"),
]


def directives(policy: str) -> dict[str, str]:
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()
    }


def check_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (name, headers.get(name))
    policy = directives(headers["content-security-policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "unsafe-eval" not in headers["content-security-policy"]
    permissions = headers["permissions-policy"]
    assert "screen-wake-lock=(self)" in permissions
    assert "camera=()" in permissions


def test_the_policy_is_strict() -> None:
    policy = directives(CSP)
    assert policy["default-src"] == "'self'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_headers(screened: TestClient, path: str) -> None:
    response = screened.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (200, 404), (path, response.text[:300])
    check_headers(response)


@pytest.mark.parametrize(("method", "path"), OTHERS)
def test_every_other_answer_carries_them_too(screened: TestClient, method: str, path: str) -> None:
    check_headers(screened.request(method, path, json={} if method == "POST" else None))


def test_refusals_carry_them(screened: TestClient) -> None:
    check_headers(screened.get("/", headers={"Host": "evil.example"}))
    check_headers(screened.post("/plan", data={"goal": "x"}))
    check_headers(screened.post(f"{API}/sessions", json={}, headers={"Origin": "http://x.example"}))


class Inline(HTMLParser):
    """What the CSP would block on a page: inline script, inline style, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and value and "://" in value:
                self.problems.append(f"external {name} on <{tag}>: {value}")


@pytest.mark.parametrize("path", PAGES)
def test_no_page_needs_what_the_policy_forbids(screened: TestClient, path: str) -> None:
    parser = Inline()
    parser.feed(screened.get(path, headers={"Accept": "text/html"}).text)
    assert parser.problems == [], path


def test_unknown_addresses_answer_pages_to_browsers_and_json_to_scripts(
    screened: TestClient,
) -> None:
    page = screened.get("/nowhere", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text
    assert "<title>Not found" in page.text
    api = screened.get(f"{API}/nowhere", headers={"Accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/json"
    assert api.json()["error"]
    script = screened.get("/nowhere")
    assert script.status_code == 404
    assert script.headers["content-type"] == "application/json"


def test_a_method_not_allowed_says_which_are(screened: TestClient) -> None:
    response = screened.request("TRACE", f"{API}/progress")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert "GET" in response.json()["error"]


def test_the_figures_may_style_themselves_and_nothing_else(screened: TestClient) -> None:
    response = screened.get(f"{API}/figures/contralateral-pry.svg")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == "'none'"
    assert policy["style-src"].startswith("'sha256-")
    assert "script-src" not in policy  # so default-src 'none' forbids any
