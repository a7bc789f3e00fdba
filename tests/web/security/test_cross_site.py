"""Cross-site requests: nothing another site sends can change the store.

Every route that changes something is tried with what a browser adds to a
request made by another site's page (Origin, Sec-Fetch-Site), and every form
without its token. Each is refused with a 403 that says why, before any
handler runs: the journal's files stay the same byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hipcoach.web.csrf import CSRF_COOKIE, form_token, server_secret, token_matches
from tests.web.conftest import form_token as page_token
from tests.web.security.apps import app_client, mutating_routes, store_fingerprint

API = "/api/v1"
OTHER_SITES = [
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://localhost:9999", "Sec-Fetch-Site": "cross-site"},
    # Another port on the same address is "same-site" to a browser, and still another origin.
    {"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"},
    {"Origin": "null"},
    {"Origin": "http://evil.example"},  # a browser that sends no Sec-Fetch-* headers
    {"Sec-Fetch-Site": "cross-site"},  # one that sends no Origin
]
BODIES: list[dict[str, Any]] = [
    {"json": {"routine_id": "morning-pry", "answers": {}, "goal": "jammed-hips"}},
    {"data": {"goal": "jammed-hips", "reason": "x", "code": "ABCDEFGHJK"}},
    {"content": b"goal=jammed-hips", "headers": {"Content-Type": "text/plain"}},
]


@pytest.fixture
def screened(tmp_path: Path) -> Any:
    with app_client(tmp_path / "data") as client:
        from hipcoach.services.screening import screening_form, take_screen

        ctx = client.app.state.ctx  # type: ignore[attr-defined]
        take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
        started = client.post(f"{API}/sessions", json={"routine_id": "morning-pry"}).json()
        client.data_dir = tmp_path / "data"  # type: ignore[attr-defined]
        client.session_id = started["session_id"]  # type: ignore[attr-defined]
        yield client


def routes_of(client: TestClient) -> list[tuple[str, str]]:
    sid = client.session_id  # type: ignore[attr-defined]
    return [(m, p.replace("/s1/", f"/{sid}/")) for m, p in mutating_routes(client.app)]


def test_there_are_routes_to_try(screened: TestClient) -> None:
    routes = routes_of(screened)
    paths = {p for _, p in routes}
    # Every form and every API write: a new route is tried by the tests below by itself.
    assert {"/screen", "/plan", "/plan/pause", "/plan/resume", "/measure", "/pair"} <= paths
    assert f"{API}/import" in paths
    assert f"{API}/sessions" in paths
    assert len(routes) >= 20, routes


def test_every_write_from_another_site_is_refused(screened: TestClient) -> None:
    data_dir = screened.data_dir  # type: ignore[attr-defined]
    before = store_fingerprint(data_dir)
    tried = 0
    for method, path in routes_of(screened):
        for headers in OTHER_SITES:
            for body in BODIES:
                extra = {**headers, **body.get("headers", {})}
                sent = {k: v for k, v in body.items() if k != "headers"}
                response = screened.request(method, path, headers=extra, **sent)
                assert response.status_code == 403, (method, path, headers, response.text)
                said = response.json()["error"]
                if headers == {"Origin": "null"}:
                    # What a browser sends for its own forms under no-referrer: for a form
                    # body the token decides; for JSON it is refused as from no one.
                    assert "security token" in said or "unnamed origin" in said, said
                else:
                    assert "Refused a request from" in said, said
                tried += 1
    assert store_fingerprint(data_dir) == before
    assert tried >= 20 * len(OTHER_SITES) * len(BODIES)


def test_a_form_without_its_token_is_refused(screened: TestClient) -> None:
    data_dir = screened.data_dir  # type: ignore[attr-defined]
    token = page_token(screened)
    before = store_fingerprint(data_dir)
    forms = [p for m, p in routes_of(screened) if not p.startswith("/api/")]
    for path in forms:
        for data in (
            {"goal": "jammed-hips"},  # no token
            {"goal": "jammed-hips", "csrf_token": ""},
            {"goal": "jammed-hips", "csrf_token": token[:-1] + "0"},  # one character off
            {"goal": "jammed-hips", "csrf_token": form_token(b"x" * 32, "cookie")},
        ):
            response = screened.post(path, data=data)
            assert response.status_code == 403, (path, data, response.text)
            assert "security token" in response.json()["error"]
        # The right token for another browser's cookie does not do either.
        other = form_token(screened.app.state.gate.secret, "another-browser")  # type: ignore[attr-defined]
        assert screened.post(path, data={"csrf_token": other}).status_code == 403
    assert store_fingerprint(data_dir) == before


def test_a_form_with_its_token_from_the_page_goes_through(screened: TestClient) -> None:
    token = page_token(screened, "/plan")
    response = screened.post(
        "/plan",
        data={"goal": "jammed-hips", "csrf_token": token},
        headers={"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert screened.get(f"{API}/plan").status_code == 200


def test_a_form_from_its_own_page_may_say_its_origin_is_null(screened: TestClient) -> None:
    # Chromium sends Origin: null for a form posted under Referrer-Policy: no-referrer.
    token = page_token(screened, "/plan")
    response = screened.post(
        "/plan",
        data={"goal": "jammed-hips", "csrf_token": token},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    unnamed = screened.post(f"{API}/sessions", json={}, headers={"Origin": "null"})
    assert unnamed.status_code == 403


def test_the_api_takes_json_from_its_own_pages_and_from_scripts(screened: TestClient) -> None:
    sid = screened.session_id  # type: ignore[attr-defined]
    own = {"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"}
    body = {"index": 0, "outcome": "completed", "elapsed_seconds": 3}
    assert (
        screened.post(f"{API}/sessions/{sid}/segments", json=body, headers=own).status_code == 200
    )
    # Neither header: a script or the command line, not a browser page.
    body["index"] = 1
    assert screened.post(f"{API}/sessions/{sid}/segments", json=body).status_code == 200


def test_the_form_cookie_is_private_to_the_site(screened: TestClient) -> None:
    screened.cookies.clear()
    response = screened.get("/plan")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would not come back


def test_over_https_the_cookie_is_secure(tmp_path: Path) -> None:
    with app_client(tmp_path / "data", base_url="https://127.0.0.1") as client:
        assert "Secure" in client.get("/plan").headers["set-cookie"]


def test_the_secret_is_kept_and_shared(tmp_path: Path) -> None:
    first = server_secret(tmp_path)
    assert server_secret(tmp_path) == first  # another worker, or the next start
    assert (tmp_path / "server-secret").stat().st_mode & 0o077 == 0
    (tmp_path / "server-secret").write_text("torn")
    renewed = server_secret(tmp_path)
    assert len(renewed) == 32
    assert renewed != first
    assert token_matches(renewed, "c", form_token(renewed, "c"))
    assert not token_matches(renewed, "c", form_token(first, "c"))
    assert not token_matches(renewed, None, form_token(renewed, ""))
