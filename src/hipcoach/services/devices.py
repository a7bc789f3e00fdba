"""Pairing phones and other browsers with a server that listens beyond this machine.

A pairing code is made on a device already trusted (the terminal, or the
Settings page of a paired browser), lasts a few minutes and pairs one device.
Pairing hands the new device a secret token that it sends with every request;
the store keeps only SHA-256 hashes of codes and tokens, so reading the
database gives no way in. Devices are the server's, not a profile's: they are
not in the export, and pairing does not move any profile's data_version.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import socket
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hipcoach.domain.errors import HipcoachError, PairingError, UnknownIdError
from hipcoach.services.context import Context
from hipcoach.store.devices import Device
from hipcoach.store.repository import utc

if TYPE_CHECKING:
    from hipcoach.store.devices import DeviceRepository

__all__ = [
    "PAIRING_MINUTES",
    "Device",
    "PairingCode",
    "PairingError",
    "device_for_token",
    "list_devices",
    "new_pairing_code",
    "normalise_code",
    "pair_device",
    "pairing_url",
    "revoke_device",
    "server_urls",
]

# No 0/O, 1/I/L: nothing a person could misread off a screen or mistype.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 is about 8e14 codes: no guessing one within its minutes
PAIRING_MINUTES = 10
MAX_PAIRING_MINUTES = 60
# Expired codes are kept a day, so that someone late gets "expired", not "not valid".
PURGE_AFTER = timedelta(days=1)
TOKEN_BYTES = 32
# A token is 43 characters; anything much longer is not one and is not worth hashing.
MAX_TOKEN_LENGTH = 256
NAME_LENGTH = 80
UNNAMED = "Unnamed device"
# last_seen_at is a hint for the person, not a log: at most one write a minute per device.
SEEN_EVERY = timedelta(minutes=1)
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
# What people type between the groups, phones' dashes included.
_SEPARATORS = str.maketrans("", "", "-\u2010\u2011\u2012\u2013\u2014_.")

_MAKE_A_NEW_ONE = (
    "make a new one with `hipcoach devices pair` or on the Settings page of a paired device."
)
# One message for an unknown code and a used one, so a guesser learns nothing.
INVALID_CODE = f"This pairing code is not valid or was used already: {_MAKE_A_NEW_ONE}"
EXPIRED_CODE = f"This pairing code has expired: {_MAKE_A_NEW_ONE}"


@dataclass(frozen=True)
class PairingCode:
    """A one-time code that pairs one device until `expires_at` (UTC)."""

    code: str  # compact: 10 characters of CODE_ALPHABET
    expires_at: datetime

    @property
    def grouped(self) -> str:
        """The code as shown to people: "ABCDE-FGHJK"."""
        return f"{self.code[:5]}-{self.code[5:]}"


def normalise_code(typed: str) -> str | None:
    """The code in its compact form, whatever the case, spaces or dashes; None if it is none."""
    compact = "".join(typed.split()).translate(_SEPARATORS).upper()
    if len(compact) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in compact):
        return None
    return compact


def new_pairing_code(
    ctx: Context, *, minutes: int = PAIRING_MINUTES, now: datetime | None = None
) -> PairingCode:
    """Make and store a code that pairs one device within `minutes`; long-expired ones go."""
    if not 1 <= minutes <= MAX_PAIRING_MINUTES:
        raise HipcoachError(
            f"a pairing code lasts 1 to {MAX_PAIRING_MINUTES} minutes, not {minutes}"
        )
    moment = utc(now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = moment + timedelta(minutes=minutes)
    _repository(ctx).add_code(_digest(code), moment, expires_at, moment - PURGE_AFTER)
    return PairingCode(code, expires_at)


def pair_device(
    ctx: Context, code: str, name: str, *, now: datetime | None = None
) -> tuple[Device, str]:
    """Redeem `code` once: the new device and its secret token (shown to it, never stored).

    An unknown, used or expired code raises PairingError, and nothing changes.
    """
    compact = normalise_code(code)
    if compact is None:
        raise PairingError(INVALID_CODE, "invalid")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    outcome = _repository(ctx).redeem(_digest(compact), _digest(token), device_name(name), utc(now))
    if isinstance(outcome, Device):
        return outcome, token
    raise PairingError(EXPIRED_CODE if outcome == "expired" else INVALID_CODE, outcome)


def device_for_token(ctx: Context, token: str, *, now: datetime | None = None) -> Device | None:
    """The paired device that holds `token`, or None (unknown or revoked); notes it was seen."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    repository = _repository(ctx)
    device = repository.by_token(_digest(token))
    if device is None or device.revoked:
        return None
    moment = utc(now)
    seen = device.last_seen_at
    if (seen is None or moment - seen >= SEEN_EVERY) and repository.touch(
        device.id, moment, moment - SEEN_EVERY
    ):
        device = replace(device, last_seen_at=moment)
    return device


def list_devices(ctx: Context, *, include_revoked: bool = False) -> list[Device]:
    """The paired devices, newest first; revoked ones only with `include_revoked`."""
    return _repository(ctx).devices(include_revoked=include_revoked)


def revoke_device(ctx: Context, device_id: str, *, now: datetime | None = None) -> Device:
    """Revoke a device so its token opens nothing; revoking it again changes nothing."""
    repository = _repository(ctx)
    wanted = device_id.strip().lower()
    found = repository.revoke(wanted, utc(now)) if wanted else None
    if found is None:
        raise UnknownIdError("device", device_id, [d.id for d in repository.devices()])
    return found


def device_name(name: str) -> str:
    """`name` as stored: one line of printable text, at most 80 characters."""
    line = "".join(c for c in " ".join(name.split()) if c.isprintable())
    return line[:NAME_LENGTH].rstrip() or UNNAMED


def server_urls(host: str, port: int, *, tls: bool) -> list[str]:
    """The base URLs a device on the network can try for a server bound to `host`:`port`.

    For a wildcard host, this machine's own non-loopback addresses (as its
    hostname resolves, so nothing is sent anywhere), then the hostname itself.
    """
    scheme, default_port = ("https", 443) if tls else ("http", 80)
    suffix = "" if port == default_port else f":{port}"
    bare = host.strip()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    if bare not in WILDCARD_HOSTS:
        return [f"{scheme}://{_url_host(bare)}{suffix}"]
    hostname = socket.gethostname() or "localhost"
    # 0.0.0.0 listens on IPv4 only; "::" (and "") take both on a dual-stack system.
    families = {socket.AF_INET} if bare == "0.0.0.0" else {socket.AF_INET, socket.AF_INET6}
    addresses = _interface_addresses() if socket.AF_INET in families else []
    hosts = [*addresses, *_own_addresses(hostname, families), hostname]
    return [f"{scheme}://{_url_host(h)}{suffix}" for h in dict.fromkeys(hosts)]


def _interface_addresses() -> list[str]:
    """This machine's IPv4 addresses on its network interfaces, asked of the kernel.

    The hostname often resolves to 127.0.1.1 only (Debian's default), so the phone's
    address is read from the interfaces themselves: an ioctl per interface, no traffic.
    Linux only; elsewhere the hostname's addresses serve.
    """
    if not sys.platform.startswith("linux"):
        return []
    import fcntl
    import struct

    siocgifaddr = 0x8915
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(sock.fileno(), siocgifaddr, request)
            except OSError:  # an interface without an IPv4 address
                continue
            address = ipaddress.ip_address(socket.inet_ntoa(answer[20:24]))
            if not (address.is_loopback or address.is_link_local or address.is_unspecified):
                found.append(str(address))
    return found


def pairing_url(base_url: str, code: str) -> str:
    """The link that pairs a device with `code`: f"{base_url}/pair?code=ABCDEFGHJK"."""
    compact = normalise_code(code)
    if compact is None:
        raise ValueError(f"not a pairing code: {code!r}")
    return f"{base_url.rstrip('/')}/pair?code={compact}"


def _own_addresses(hostname: str, families: set[socket.AddressFamily]) -> list[str]:
    """The addresses `hostname` resolves to, IPv4 first, without loopback or link-local ones."""
    try:
        infos = socket.getaddrinfo(hostname, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # gaierror is an OSError: a hostname that resolves to nothing
        return []
    found: list[tuple[bool, str]] = []
    for family, _, _, _, sockaddr in infos:
        if family not in families:
            continue
        text = str(sockaddr[0]).split("%", 1)[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        # A phone cannot reach these: this machine's loopback, or a link-local
        # address that needs a zone index no browser takes in a URL.
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            continue
        found.append((address.version == 6, text))
    return [text for _, text in sorted(dict.fromkeys(found), key=lambda item: item[0])]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _repository(ctx: Context) -> DeviceRepository:
    return ctx.journal.devices
