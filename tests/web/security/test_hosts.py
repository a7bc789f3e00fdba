"""The Host check: only the names this server is for get an answer (DNS rebinding)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from hipcoach.web.hosts import AllowedHosts, host_of, is_loopback_address
from tests.web.security.apps import app_client, store_fingerprint

API = "/api/v1"


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("127.0.0.1:8000", "127.0.0.1"),
        ("LOCALHOST", "localhost"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("evil.example:80", "evil.example"),
        ("::1", "::1"),
    ],
)
def test_the_host_is_read_without_its_port(header: str, host: str) -> None:
    assert host_of(header) == host


def test_loopback_binding_answers_loopback_names_only() -> None:
    hosts = AllowedHosts.for_bind("127.0.0.1")
    for name in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "app.localhost"):
        assert hosts.allows(name), name
    for name in ("evil.example", "127.0.0.1.evil.example", "192.168.1.20", "", None, "localhost."):
        assert not hosts.allows(name), name


def test_a_wildcard_binding_answers_ip_literals_and_this_machines_names() -> None:
    hosts = AllowedHosts.for_bind("0.0.0.0", ("coach.home",))
    hostname = socket.gethostname().lower()
    for name in (
        "192.168.1.20:8000",
        "[fe80::1]:8000",
        hostname,
        f"{hostname}.local",
        "coach.home",
    ):
        assert hosts.allows(name), name
    assert not hosts.allows("rebind.attacker.example")


def test_a_specific_binding_adds_that_address() -> None:
    hosts = AllowedHosts.for_bind("192.168.1.20")
    assert hosts.allows("192.168.1.20:8000")
    assert not hosts.allows("192.168.1.21:8000")


def test_loopback_addresses() -> None:
    for host in ("127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"):
        assert is_loopback_address(host), host
    for host in ("0.0.0.0", "::", "192.168.1.20", "example.com"):
        assert not is_loopback_address(host), host


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", f"{API}/export"),
        ("GET", f"{API}/progress"),
        ("GET", "/settings"),
        ("GET", "/static/css/app.css"),
        ("GET", "/docs"),
        ("POST", f"{API}/sessions"),
        ("POST", f"{API}/sessions/s1/segments"),
    ],
)
def test_a_rebinding_name_gets_400_before_any_handler(
    tmp_path: Path, method: str, path: str
) -> None:
    with app_client(tmp_path / "data") as client:
        client.get("/")  # the journal exists
        before = store_fingerprint(tmp_path / "data")
        response = client.request(
            method, path, headers={"Host": "rebind.attacker.example"}, json={"index": 0}
        )
        assert response.status_code == 400
        assert "rebind.attacker.example" in response.text
        assert "records" not in response.text
        assert "hipcoach-export" not in response.text
        assert store_fingerprint(tmp_path / "data") == before


def test_allowed_hosts_from_the_environment(tmp_path: Path) -> None:
    with app_client(tmp_path / "data", HIPCOACH_ALLOWED_HOSTS="coach.home, other.home") as client:
        assert client.get("/", headers={"Host": "coach.home:8000"}).status_code == 200
        assert client.get("/", headers={"Host": "other.home"}).status_code == 200
        assert client.get("/", headers={"Host": "third.home"}).status_code == 400


def test_the_refusal_is_json_for_the_api_and_a_page_for_browsers(tmp_path: Path) -> None:
    with app_client(tmp_path / "data") as client:
        api = client.get(f"{API}/export", headers={"Host": "evil.example"})
        assert api.headers["content-type"] == "application/json"
        assert api.json()["error"].startswith("This server does not answer to the host")
        page = client.get("/", headers={"Host": "evil.example"})
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in page.text
        assert "<title>" in page.text


@pytest.mark.parametrize("order", [("evil.example", "127.0.0.1"), ("127.0.0.1", "evil.example")])
def test_a_request_naming_two_hosts_is_refused(tmp_path: Path, order: tuple[str, str]) -> None:
    """Parts of the stack read the first Host, parts the last: two of them get no answer."""
    import asyncio

    with app_client(tmp_path / "data") as client:
        app = client.app
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/v1/export",
            "raw_path": b"/api/v1/export",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", order[0].encode()), (b"host", order[1].encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        asyncio.run(app(scope, receive, send))  # type: ignore[operator]
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        assert start["status"] == 400
        assert b"several" in body
        assert b"records" not in body


@pytest.mark.parametrize(
    "header", ["[::1].evil.com:8765", "[::1]evil.com", "localhost:evil", "localhost:", "[::1"]
)
def test_a_malformed_host_names_nothing_allowed(header: str) -> None:
    assert not AllowedHosts.for_bind("127.0.0.1").allows(header)
