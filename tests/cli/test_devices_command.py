"""`hipcoach devices`, `devices list`, `devices pair` and `devices revoke`, run in-process."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest

from hipcoach.cli.qr import terminal_qr
from hipcoach.services import Context, devices
from hipcoach.services.devices import device_for_token, pair_device
from tests.cli.conftest import Cli


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine as 'coachbox' at 192.168.1.20, whatever the test machine really is."""

    def getaddrinfo(*args: object, **kwargs: object) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.1.1", 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", 0)),
        ]

    monkeypatch.setattr(socket, "gethostname", lambda: "coachbox")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(devices, "_interface_addresses", list)


def _pair(cli: Cli, name: str) -> tuple[str, str]:
    """Pair a device the way the /pair page does; its id and token."""
    made = cli.json("devices", "pair", "--url", "http://coachbox:8000")
    with Context() as ctx:
        device, token = pair_device(ctx, made["code"], name)
    return device.id, token


def test_with_nothing_paired_it_says_how_to_pair(cli: Cli) -> None:
    assert "hipcoach devices pair" in cli("devices")
    assert cli.json("devices") == []
    assert cli.json("devices", "list", "--all") == []


def test_pair_prints_the_code_the_links_and_a_qr_code_of_the_first(cli: Cli, network: None) -> None:
    out = cli("devices", "pair")
    found = re.search(r"Pairing code ([A-Z2-9]{5})-([A-Z2-9]{5}): valid for 10 minutes, once", out)
    assert found, out
    code = "".join(found.groups())
    assert re.search(r"\(until \d\d:\d\d\)", out)
    links = re.findall(r"^  (http\S+)$", out, flags=re.M)
    assert links == [
        f"http://192.168.1.20:8000/pair?code={code}",
        f"http://coachbox:8000/pair?code={code}",
    ]
    assert terminal_qr(links[0]) in out
    assert "hipcoach serve --host 0.0.0.0 --port 8000" in out
    # The printed code pairs a device, typed as a person would.
    with Context() as ctx:
        device, _ = pair_device(ctx, f"{code[:5]}-{code[5:]}".lower(), "Phone")
    assert device.name == "Phone"


def test_pair_json_with_a_port_or_a_url(cli: Cli, network: None) -> None:
    made = cli.json("devices", "pair", "--port", "9000")
    assert set(made) == {"code", "grouped", "expires_at", "links"}
    assert made["grouped"] == f"{made['code'][:5]}-{made['code'][5:]}"
    assert made["links"] == [
        f"http://192.168.1.20:9000/pair?code={made['code']}",
        f"http://coachbox:9000/pair?code={made['code']}",
    ]
    given = cli.json("devices", "pair", "--url", "https://coach.example.net/hip/")
    assert given["links"] == [f"https://coach.example.net/hip/pair?code={given['code']}"]
    assert given["code"] != made["code"]


@pytest.mark.parametrize("url", ["192.168.1.20:8000", "ftp://coachbox", "http://", "http://x/?a=1"])
def test_pair_refuses_a_url_that_is_no_server_address(cli: Cli, url: str) -> None:
    out = cli("devices", "pair", "--url", url, code=1)
    assert "Error: --url wants the coach's address" in out
    assert url in out


def test_list_shows_the_paired_devices_newest_first(cli: Cli) -> None:
    first, token = _pair(cli, "Chrome on Android")
    second, _ = _pair(cli, "Safari on iPad")
    with Context() as ctx:
        device_for_token(ctx, token)
    listed = cli.json("devices", "list")
    assert [d["id"] for d in listed] == [second, first]
    assert listed[0] == {
        "id": second,
        "name": "Safari on iPad",
        "paired_at": listed[0]["paired_at"],
        "last_seen_at": None,
        "revoked_at": None,
    }
    assert listed[1]["last_seen_at"] is not None
    assert cli.json("devices") == listed
    table = cli("devices")
    for text in (first, second, "Chrome on Android", "Safari on iPad", "never", "last seen"):
        assert text in table


def test_revoke_locks_a_device_out_and_says_so_twice(cli: Cli) -> None:
    device_id, token = _pair(cli, "Old phone")
    kept, _ = _pair(cli, "New phone")
    out = cli("devices", "revoke", device_id)
    assert f"Revoked device {device_id} (Old phone)" in out
    assert "paired again" in out
    with Context() as ctx:
        assert device_for_token(ctx, token) is None
    assert [d["id"] for d in cli.json("devices")] == [kept]
    everything = cli.json("devices", "--all")
    assert [d["id"] for d in everything] == [kept, device_id]
    assert everything[1]["revoked_at"] is not None
    assert "revoked" in cli("devices", "list", "--all")
    again = cli("devices", "revoke", device_id.upper())
    assert f"Device {device_id} (Old phone) was already revoked on" in again


def test_revoking_an_unknown_id_is_an_error_naming_it(cli: Cli) -> None:
    out = cli("devices", "revoke", "feedf00d", code=1)
    assert out.startswith("Error: no device called 'feedf00d'")
