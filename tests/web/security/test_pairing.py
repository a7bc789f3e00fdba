"""Pairing: beyond loopback, only a paired device reaches hipcoach.

Codes work once, for ten minutes, and a run of wrong ones is slowed down;
a revoked device is refused at once; the cookie is one no script can read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hipcoach.services.devices import list_devices, new_pairing_code
from hipcoach.web.gate import DEVICE_COOKIE
from hipcoach.web.pairing import FailureLimit, device_name
from tests.web.security.apps import app_client

API = "/api/v1"
PHONE = ("192.168.1.30", 40000)
LAN = "http://192.168.1.20:8000"


@pytest.fixture
def lan(tmp_path: Path) -> Iterator[TestClient]:
    """A server bound to every interface, reached by a phone on the network."""
    with app_client(tmp_path / "data", base_url=LAN, client=PHONE, HIPCOACH_HOST="0.0.0.0") as c:
        yield c


def ctx_of(client: TestClient) -> Any:
    return client.app.state.ctx  # type: ignore[attr-defined]


def pair(client: TestClient, code: str, name: str = "Test phone") -> Any:
    """Open the link, then press Pair, as a person does."""
    page = client.get(f"/pair?code={code}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post(
        "/pair",
        data={"code": code, "name": name, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


@pytest.mark.parametrize("path", ["/", "/settings", "/player", "/plan", "/docs", "/nowhere"])
def test_an_unpaired_browser_gets_the_pairing_page(lan: TestClient, path: str) -> None:
    response = lan.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert "<h1>Pair this device</h1>" in response.text
    assert "hipcoach devices pair" in response.text
    assert "Recent sessions" not in response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", f"{API}/export"), ("GET", f"{API}/today"), ("POST", f"{API}/sessions")],
)
def test_an_unpaired_api_client_gets_401(lan: TestClient, method: str, path: str) -> None:
    response = lan.request(method, path, json={})
    assert response.status_code == 401
    assert "not paired" in response.json()["error"]


def test_the_style_sheet_and_the_pairing_page_need_no_pairing(lan: TestClient) -> None:
    assert lan.get("/static/css/app.css").status_code == 200
    assert lan.get("/pair").status_code == 200


def test_a_code_pairs_one_device_once(lan: TestClient, tmp_path: Path) -> None:
    code = new_pairing_code(ctx_of(lan))
    # Opening the link only shows the form: a link preview must not use the code up.
    assert lan.get(f"/pair?code={code.code}").status_code == 200
    response = pair(lan, code.grouped.lower())
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert lan.get("/").status_code == 200
    assert lan.get(f"{API}/today").status_code == 200
    assert [d.name for d in list_devices(ctx_of(lan))] == ["Test phone"]
    # Another browser with the same code: refused, and not paired.
    with app_client(
        tmp_path / "data", base_url=LAN, client=("192.168.1.31", 1), HIPCOACH_HOST="0.0.0.0"
    ) as other:
        again = pair(other, code.code)
        assert again.status_code == 422
        assert "not valid or was used" in again.text
        assert other.get("/", headers={"Accept": "text/html"}).status_code == 401


def test_an_expired_code_is_refused(lan: TestClient) -> None:
    old = new_pairing_code(ctx_of(lan), now=datetime.now(UTC) - timedelta(minutes=11))
    response = pair(lan, old.code)
    assert response.status_code == 422
    assert "expired" in response.text
    assert lan.get("/", headers={"Accept": "text/html"}).status_code == 401


def test_a_revoked_device_is_refused_at_once(lan: TestClient) -> None:
    assert pair(lan, new_pairing_code(ctx_of(lan)).code).status_code == 303
    page = lan.get("/settings")
    assert page.status_code == 200
    assert "this device" in page.text
    device = list_devices(ctx_of(lan))[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    revoked = lan.post(
        f"/settings/devices/{device.id}/revoke",
        data={"csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert lan.get("/", headers={"Accept": "text/html"}).status_code == 401
    assert lan.get(f"{API}/today").status_code == 401


def test_a_forged_cookie_is_not_a_device(lan: TestClient) -> None:
    lan.cookies.set(DEVICE_COOKIE, "A" * 43)
    assert lan.get(f"{API}/today").status_code == 401


def test_wrong_codes_are_slowed_down(lan: TestClient) -> None:
    for _ in range(5):
        assert pair(lan, "ABCDE-FGHJK").status_code == 422
    # Even the right code waits now: guessing at speed is over for this client.
    good = new_pairing_code(ctx_of(lan))
    blocked = pair(lan, good.code)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many wrong codes" in blocked.text


def test_the_failure_limit_counts_per_client_and_for_the_server() -> None:
    limit = FailureLimit(per_client=2, per_server=3, window=60)
    limit.failed("a", now=0)
    assert limit.wait_seconds("a", now=1) == 0
    limit.failed("a", now=1)
    assert limit.wait_seconds("a", now=2) == 58
    assert limit.wait_seconds("b", now=2) == 0
    limit.failed("b", now=2)
    assert limit.wait_seconds("c", now=3) == 57  # the server's limit: many addresses
    assert limit.wait_seconds("a", now=61) == 0


def test_a_paired_device_can_pair_another_from_settings(lan: TestClient) -> None:
    assert pair(lan, new_pairing_code(ctx_of(lan)).code).status_code == 303
    page = lan.get("/settings")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    shown = lan.post("/settings/pair", data={"csrf_token": token.group(1)})
    assert shown.status_code == 200
    link = re.search(r"<code>(http://192\.168\.1\.20:8000/pair\?code=(\w+))</code>", shown.text)
    assert link, shown.text
    assert "<svg" in shown.text
    assert 'aria-label="QR code of the pairing link"' in shown.text


def test_settings_shows_paths_only_to_this_computer(lan: TestClient, tmp_path: Path) -> None:
    assert pair(lan, new_pairing_code(ctx_of(lan)).code).status_code == 303
    remote = lan.get("/settings").text
    assert str(tmp_path) not in remote
    assert "Data folder" not in remote
    with app_client(tmp_path / "data") as local:
        assert str(tmp_path) in local.get("/settings").text


def test_loopback_needs_no_pairing(tmp_path: Path) -> None:
    with app_client(tmp_path / "data") as local:
        assert local.get("/").status_code == 200
        assert "No pairing is needed" in local.get("/pair").text


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on Linux",
        ),
        ("curl/8", "A browser"),
    ],
)
def test_a_device_is_named_from_its_browser(agent: str, name: str) -> None:
    assert device_name(agent) == name


def test_devices_through_the_api(lan: TestClient) -> None:
    assert pair(lan, new_pairing_code(ctx_of(lan)).code).status_code == 303
    listed = lan.get(f"{API}/devices").json()
    assert [(d["name"], d["this_device"]) for d in listed] == [("Test phone", True)]
    made = lan.post(f"{API}/devices/pairing-code")
    assert made.status_code == 201
    body = made.json()
    assert re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", body["code"])
    assert body["links"][0].startswith(f"{LAN}/pair?code=")
    gone = lan.post(f"{API}/devices/{listed[0]['id']}/revoke")
    assert gone.status_code == 200
    assert gone.json()["revoked_at"] is not None
    assert lan.get(f"{API}/devices").status_code == 401  # it was this device
    unknown = lan.post(f"{API}/devices/nope/revoke")
    assert unknown.status_code == 401  # not paired any more: not even told what exists


def test_an_unknown_device_id_is_404(tmp_path: Path) -> None:
    with app_client(tmp_path / "data") as local:
        response = local.post(f"{API}/devices/nope/revoke")
        assert response.status_code == 404
        assert "nope" in response.json()["error"]


@pytest.mark.parametrize("odd", ['x={"a":1}', 'x="', "x=a b", "_ga=GA1.2.3; y=[1,2]"])
def test_an_odd_cookie_from_another_app_does_not_hide_the_device(lan: TestClient, odd: str) -> None:
    """Cookies are not kept apart by port: another app on this host may set anything."""
    code = new_pairing_code(ctx_of(lan))
    assert pair(lan, code.code).status_code == 303
    device = lan.cookies[DEVICE_COOKIE]
    lan.cookies.clear()
    response = lan.get(f"{API}/devices", headers={"Cookie": f"{odd}; {DEVICE_COOKIE}={device}"})
    assert response.status_code == 200, response.text


def test_an_unpaired_head_request_gets_headers_and_no_body(lan: TestClient) -> None:
    response = lan.head("/", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0  # what the GET would carry
    assert "content-security-policy" in response.headers
