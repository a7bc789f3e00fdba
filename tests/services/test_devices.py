"""Pairing devices with the browser coach, over a real store on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import socket
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select, text

from hipcoach.domain.errors import HipcoachError, PairingError, StoreError, UnknownIdError
from hipcoach.services import Context, devices
from hipcoach.services.data import export_data
from hipcoach.services.devices import (
    CODE_ALPHABET,
    EXPIRED_CODE,
    INVALID_CODE,
    PAIRING_MINUTES,
    Device,
    PairingCode,
    device_for_token,
    device_name,
    list_devices,
    new_pairing_code,
    normalise_code,
    pair_device,
    pairing_url,
    revoke_device,
)
from hipcoach.settings import Settings
from hipcoach.store import devices as store_devices
from hipcoach.store.tables import DeviceRow, PairingCodeRow

T0 = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.from_env(
        {"HIPCOACH_DATA_DIR": str(tmp_path), "HIPCOACH_DATABASE_URL": database_url}
    )


@pytest.fixture
def ctx(tmp_path: Path, database_url: str) -> Iterator[Context]:
    with Context(_settings(tmp_path, database_url)) as context:
        yield context


def paired(
    ctx: Context, name: str = "Chrome on Android", seconds: float = 60
) -> tuple[Device, str]:
    code = new_pairing_code(ctx, now=at(seconds - 30))
    return pair_device(ctx, code.code, name, now=at(seconds))


def _rows(ctx: Context, table: str) -> list[dict[str, Any]]:
    with ctx.journal.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table}"))]


def test_a_code_is_ten_unambiguous_characters_shown_in_two_groups(ctx: Context) -> None:
    code = new_pairing_code(ctx, now=T0)
    assert len(code.code) == 10
    assert set(code.code) <= set(CODE_ALPHABET)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert code.grouped == f"{code.code[:5]}-{code.code[5:]}"
    assert code.expires_at == T0 + timedelta(minutes=PAIRING_MINUTES)
    assert code.expires_at.utcoffset() == timedelta(0)
    assert new_pairing_code(ctx, now=T0).code != code.code  # random, not a counter


def test_pairing_round_trip(ctx: Context) -> None:
    code = new_pairing_code(ctx, now=T0)
    device, token = pair_device(ctx, code.code, "  Chrome   on Android ", now=at(60))
    assert device.name == "Chrome on Android"
    assert len(device.id) == 8
    int(device.id, 16)  # hex
    assert (device.paired_at, device.last_seen_at, device.revoked_at) == (at(60), None, None)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    found = device_for_token(ctx, token, now=at(90))
    assert found == Device(device.id, device.name, at(60), at(90), None)
    assert list_devices(ctx) == [found]


def test_a_code_pairs_only_once_and_then_reads_as_unknown(ctx: Context) -> None:
    code = new_pairing_code(ctx, now=T0)
    pair_device(ctx, code.code, "Phone", now=at(10))
    with pytest.raises(PairingError) as used:
        pair_device(ctx, code.code, "Another phone", now=at(20))
    fresh = new_pairing_code(ctx, now=T0).code
    unknown = "".join(c for c in CODE_ALPHABET if c not in fresh)[:10]
    with pytest.raises(PairingError) as never_made:
        pair_device(ctx, unknown, "Another phone", now=at(20))
    # An attacker cannot tell a used code from one that never existed.
    assert str(used.value) == str(never_made.value) == INVALID_CODE
    assert used.value.reason == never_made.value.reason == "invalid"
    assert "hipcoach devices pair" in INVALID_CODE
    assert [d.name for d in list_devices(ctx)] == ["Phone"]


@pytest.mark.parametrize("typed", ["", "hello", "ABCDE-FGHJ", "ABCDE-FGHJK0", "ABCD0-FGHJK"])
def test_a_malformed_code_is_refused_like_an_unknown_one(ctx: Context, typed: str) -> None:
    new_pairing_code(ctx, now=T0)
    with pytest.raises(PairingError, match="not valid"):
        pair_device(ctx, typed, "Phone", now=at(10))
    assert list_devices(ctx, include_revoked=True) == []


def test_an_expired_code_is_refused_and_pairs_nothing(ctx: Context) -> None:
    code = new_pairing_code(ctx, now=T0)
    with pytest.raises(PairingError) as refused:
        pair_device(ctx, code.code, "Phone", now=code.expires_at)
    assert str(refused.value) == EXPIRED_CODE
    assert refused.value.reason == "expired"
    assert "expired" in EXPIRED_CODE
    assert "hipcoach devices pair" in EXPIRED_CODE
    assert list_devices(ctx, include_revoked=True) == []
    [row] = _rows(ctx, "pairing_codes")
    assert row["used_at"] is None


def test_a_code_still_pairs_a_second_before_it_expires(ctx: Context) -> None:
    code = new_pairing_code(ctx, minutes=2, now=T0)
    device, _ = pair_device(ctx, code.code, "Phone", now=code.expires_at - timedelta(seconds=1))
    assert device.name == "Phone"


@pytest.mark.parametrize(
    "typed",
    [
        str.lower,
        lambda c: f"{c[:5]}-{c[5:]}".lower(),
        lambda c: f" {c[:5]} {c[5:]} ",
        lambda c: f"{c[:5]}\u2013{c[5:]}",  # a phone's keyboard turns - into an en dash
        lambda c: " ".join(c),
    ],
    ids=["lower", "grouped-lower", "spaces", "en-dash", "spaced-out"],
)
def test_a_code_is_accepted_however_it_is_typed(ctx: Context, typed: Callable[[str], str]) -> None:
    code = new_pairing_code(ctx, now=T0)
    device, _ = pair_device(ctx, typed(code.code), "Phone", now=at(10))
    assert list_devices(ctx) == [device]


def test_two_redemptions_of_one_code_at_once_pair_one_device(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first redemption is held inside its transaction, right after it read the code,
    until the second one gets as far or a second passes: only one may get through."""
    settings = _settings(tmp_path, database_url)
    first_inside = threading.Event()
    second_through = threading.Event()
    lookups: list[str] = []

    def held_compare(a: str, b: str) -> bool:
        name = threading.current_thread().name
        lookups.append(name)
        if name == "first":
            first_inside.set()
            second_through.wait(timeout=1.0)
        else:
            second_through.set()
        return a == b

    with Context(settings) as maker:
        code = new_pairing_code(maker, now=T0).code
    monkeypatch.setattr(store_devices, "hmac", SimpleNamespace(compare_digest=held_compare))
    results: dict[str, object] = {}

    def redeem() -> None:
        # A context (and engine) each, as two server processes would have.
        with Context(settings) as own:
            try:
                results[threading.current_thread().name] = pair_device(own, code, "Phone", now=T0)
            except PairingError as exc:
                results[threading.current_thread().name] = exc

    first = threading.Thread(target=redeem, name="first")
    second = threading.Thread(target=redeem, name="second")
    first.start()
    assert first_inside.wait(timeout=10)
    second.start()
    first.join(timeout=20)
    second.join(timeout=20)
    assert lookups[0] == "first"
    assert isinstance(results["first"], tuple)
    assert isinstance(results["second"], PairingError)
    with Context(settings) as check:
        assert len(list_devices(check, include_revoked=True)) == 1


def test_a_token_finds_its_device_and_nothing_else_does(ctx: Context) -> None:
    device, token = paired(ctx)
    other, other_token = paired(ctx, "Laptop", seconds=120)
    assert device_for_token(ctx, token, now=at(200)) == Device(
        device.id, device.name, device.paired_at, at(200), None
    )
    found = device_for_token(ctx, other_token, now=at(200))
    assert found is not None
    assert found.id == other.id
    assert device_for_token(ctx, token[:-1], now=at(200)) is None
    assert device_for_token(ctx, token + "x", now=at(200)) is None
    assert device_for_token(ctx, "", now=at(200)) is None
    assert device_for_token(ctx, "x" * 10_000, now=at(200)) is None
    # The hash of a token is no token either.
    assert device_for_token(ctx, hashlib.sha256(token.encode()).hexdigest()) is None


def test_a_revoked_device_is_refused_and_listed_only_when_asked(ctx: Context) -> None:
    device, token = paired(ctx)
    kept, _ = paired(ctx, "Laptop", seconds=120)
    revoked = revoke_device(ctx, device.id, now=at(300))
    assert revoked.revoked_at == at(300)
    assert revoked.revoked
    assert device_for_token(ctx, token, now=at(310)) is None
    assert list_devices(ctx) == [kept]
    assert [d.id for d in list_devices(ctx, include_revoked=True)] == [kept.id, device.id]
    again = revoke_device(ctx, f" {device.id.upper()} ", now=at(900))
    assert again.revoked_at == at(300)  # the first revocation stands
    assert device_for_token(ctx, token, now=at(910)) is None


def test_revoking_an_unknown_id_names_it(ctx: Context) -> None:
    device, _ = paired(ctx)
    with pytest.raises(UnknownIdError, match="'feedf00d'") as refused:
        revoke_device(ctx, "feedf00d", now=at(300))
    assert device.id in str(refused.value)  # the ids there are, to pick from
    with pytest.raises(UnknownIdError):
        revoke_device(ctx, "   ", now=at(300))
    assert list_devices(ctx) == [device]


def test_last_seen_is_written_at_most_once_a_minute(ctx: Context) -> None:
    _, token = paired(ctx, seconds=0)

    def stored() -> datetime | None:
        [row] = list_devices(ctx)
        return row.last_seen_at

    assert stored() is None
    seen = device_for_token(ctx, token, now=at(10))
    assert seen is not None
    assert seen.last_seen_at == stored() == at(10)
    later = device_for_token(ctx, token, now=at(69))
    assert later is not None
    assert later.last_seen_at == stored() == at(10)  # 59 s later: nothing written
    latest = device_for_token(ctx, token, now=at(70))
    assert latest is not None
    assert latest.last_seen_at == stored() == at(70)


def test_codes_and_tokens_are_stored_only_as_hashes(ctx: Context) -> None:
    code = new_pairing_code(ctx, now=T0)
    _, token = pair_device(ctx, code.code.lower(), "Phone", now=at(10))
    codes, devices = _rows(ctx, "pairing_codes"), _rows(ctx, "devices")
    stored = json.dumps([codes, devices], default=str)
    for secret in (code.code, code.grouped, token):
        assert secret not in stored
    assert [r["code_hash"] for r in codes] == [hashlib.sha256(code.code.encode()).hexdigest()]
    assert [r["token_hash"] for r in devices] == [hashlib.sha256(token.encode()).hexdigest()]


def test_making_a_code_clears_out_codes_expired_a_day_ago(ctx: Context) -> None:
    new_pairing_code(ctx, now=T0)
    new_pairing_code(ctx, now=T0 + timedelta(hours=1))
    new_pairing_code(ctx, now=T0 + timedelta(days=1, minutes=PAIRING_MINUTES + 1))
    kept = sorted(r["created_at"] for r in _rows(ctx, "pairing_codes"))
    assert len(kept) == 2  # the first expired more than a day before the third was made


def test_a_code_lasts_one_to_sixty_minutes(ctx: Context) -> None:
    for minutes in (0, 61):
        with pytest.raises(HipcoachError, match="1 to 60 minutes"):
            new_pairing_code(ctx, minutes=minutes, now=T0)
    assert new_pairing_code(ctx, minutes=1, now=T0).expires_at == at(60)


def test_pairing_moves_no_profile_counter(ctx: Context) -> None:
    """Pages are cached until the profile's data_version moves; pairing is not their data."""
    profile = ctx.profile_id
    before = ctx.journal.data_version(profile)
    device, token = paired(ctx)
    device_for_token(ctx, token, now=at(600))
    revoke_device(ctx, device.id, now=at(700))
    assert ctx.journal.data_version(profile) == before


def test_devices_stay_out_of_every_export(ctx: Context, tmp_path: Path) -> None:
    """Paired devices are the server's, not the person's health data."""
    ctx.profile_id  # noqa: B018  # the profile exists, as it does for anyone who exports
    paired(ctx, "Pixel of Ana")
    for fmt in ("json", "fhir"):
        result = export_data(ctx, fmt)
        assert result.text is not None
        assert "Pixel of Ana" not in result.text
        assert "pairing" not in result.text
    document = json.loads(export_data(ctx, "json").text or "{}")
    assert not {"devices", "pairing_codes"} & set(document["records"])
    csv = export_data(ctx, "csv", tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        names = archive.namelist()
        assert not any("Pixel of Ana" in archive.read(n).decode() for n in names)
    assert not {"devices.csv", "pairing_codes.csv"} & set(csv.files)


def test_the_store_refuses_a_code_or_token_in_clear(ctx: Context) -> None:
    with pytest.raises(StoreError, match="hashes"):
        ctx.journal.devices.add_code("ABCDEFGHJK", T0, at(600), T0)
    assert _count(ctx, PairingCodeRow) == 0
    assert _count(ctx, DeviceRow) == 0


def _count(ctx: Context, row: type[Any]) -> int:
    with ctx.journal.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(row)).scalar_one())


# The pure helpers need no database.


def test_normalise_code() -> None:
    assert normalise_code("abcde-fghjk") == "ABCDEFGHJK"
    assert normalise_code("ABCDE FGHJK\n") == "ABCDEFGHJK"
    assert normalise_code("ABCDE-FGHJI") is None  # I is not in the alphabet
    assert normalise_code("ABCDE-FGHJ") is None


def test_pairing_url_carries_the_compact_code() -> None:
    code = PairingCode("ABCDEFGHJK", T0)
    expected = "http://192.168.1.20:8000/pair?code=ABCDEFGHJK"
    assert pairing_url("http://192.168.1.20:8000", code.grouped) == expected
    assert pairing_url("http://192.168.1.20:8000/", code.code.lower()) == expected
    with pytest.raises(ValueError, match="not a pairing code"):
        pairing_url("http://x", "nope")


def test_device_name_is_one_trimmed_line_of_at_most_80_characters() -> None:
    assert device_name("  Safari\ton\n iPhone  ") == "Safari on iPhone"
    assert device_name("Phone\x00\x1b[31m") == "Phone[31m"
    assert device_name("x" * 200) == "x" * 80
    assert device_name("   ") == "Unnamed device"


# server_urls: the resolver is faked, so no test depends on this machine's network.

ADDRESSES = [
    (socket.AF_INET, "127.0.1.1"),
    (socket.AF_INET6, "::1"),
    (socket.AF_INET6, "fe80::1%eth0"),
    (socket.AF_INET6, "2001:db8::20"),
    (socket.AF_INET, "192.168.1.20"),
    (socket.AF_INET, "192.168.1.20"),  # once per socket type in real answers
    (socket.AF_INET, "10.0.0.5"),
]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[Any]:
        asked.append(host)
        return [
            (
                family,
                socket.SOCK_STREAM,
                6,
                "",
                (a, 0) if family == socket.AF_INET else (a, 0, 0, 0),
            )
            for family, a in ADDRESSES
        ]

    def no_sockets(*args: object, **kwargs: object) -> None:
        raise AssertionError("server_urls opened a socket")

    monkeypatch.setattr(socket, "gethostname", lambda: "coachbox")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "socket", no_sockets)
    monkeypatch.setattr(socket, "create_connection", no_sockets)
    # The interfaces' own addresses are read by ioctl (tested below); here, the resolver's.
    monkeypatch.setattr(devices, "_interface_addresses", list)
    return asked


def test_the_interfaces_addresses_are_this_machines_own() -> None:
    found = devices._interface_addresses()
    for shown in found:
        address = ipaddress.ip_address(shown)
        assert address.version == 4
        assert not address.is_loopback
    if sys.platform.startswith("linux"):
        # Every address the kernel lists for an interface here, loopback aside.
        with open("/proc/net/fib_trie", encoding="ascii") as trie:
            local = set(re.findall(r"\|-- ([0-9.]+)\n\s+/32 host LOCAL", trie.read()))
        assert set(found) == {a for a in local if not a.startswith("127.")}


def test_server_urls_for_all_ipv4_addresses(resolver: list[str]) -> None:
    from hipcoach.services.devices import server_urls

    assert server_urls("0.0.0.0", 8000, tls=False) == [
        "http://192.168.1.20:8000",
        "http://10.0.0.5:8000",
        "http://coachbox:8000",
    ]
    assert resolver == ["coachbox"]


def test_server_urls_for_every_address_puts_ipv6_in_brackets(resolver: list[str]) -> None:
    from hipcoach.services.devices import server_urls

    assert server_urls("::", 8443, tls=True) == [
        "https://192.168.1.20:8443",
        "https://10.0.0.5:8443",
        "https://[2001:db8::20]:8443",
        "https://coachbox:8443",
    ]
    assert server_urls("", 443, tls=True)[-1] == "https://coachbox"  # the default port is left out


def test_server_urls_for_one_address_is_that_address(resolver: list[str]) -> None:
    from hipcoach.services.devices import server_urls

    assert server_urls("192.168.1.20", 8000, tls=False) == ["http://192.168.1.20:8000"]
    assert server_urls("2001:db8::20", 80, tls=False) == ["http://[2001:db8::20]"]
    assert server_urls("[2001:db8::20]", 8000, tls=False) == ["http://[2001:db8::20]:8000"]
    assert server_urls("coach.lan", 8000, tls=True) == ["https://coach.lan:8000"]
    assert resolver == []  # nothing to look up


def test_server_urls_fall_back_to_the_hostname(monkeypatch: pytest.MonkeyPatch) -> None:
    from hipcoach.services.devices import server_urls

    def unresolvable(*args: object, **kwargs: object) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "gethostname", lambda: "coachbox")
    monkeypatch.setattr(socket, "getaddrinfo", unresolvable)
    monkeypatch.setattr(devices, "_interface_addresses", list)
    assert server_urls("0.0.0.0", 8000, tls=False) == ["http://coachbox:8000"]


def test_server_urls_on_this_machine_are_never_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    from hipcoach.services.devices import server_urls

    sent: list[object] = []
    real_socket = socket.socket

    class Watched(real_socket):  # type: ignore[misc, valid-type]
        """A socket that may be opened for an ioctl, and must never send or connect."""

        def sendto(self, *args: object) -> None:  # type: ignore[override]
            sent.append(args)

        def connect(self, *args: object) -> None:  # type: ignore[override]
            sent.append(args)

    monkeypatch.setattr(socket, "socket", Watched)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: sent.append(a))
    urls = server_urls("0.0.0.0", 8000, tls=False)
    assert sent == []
    assert urls
    assert urls[-1] == f"http://{socket.gethostname()}:8000"
    assert not any("127." in u for u in urls)
