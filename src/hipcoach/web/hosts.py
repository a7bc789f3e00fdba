"""Which Host headers the server answers, and which clients are this computer itself.

A page on any web site can make a browser talk to a server on loopback; with
DNS rebinding it can even read the answers, by pointing a name of its own at
127.0.0.1. The answer to that is the Host header: a rebinding page's requests
carry the attacker's name. So the server answers only the names it knows:
loopback's, the address it is bound to, this machine's own names, and those
given with --allow-host or HIPCOACH_ALLOWED_HOSTS. A bare IP address cannot
be rebound (it names no DNS record), so a server bound to every interface
also answers any IP address literal.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def is_loopback_address(host: str) -> bool:
    """Whether `host` (an address or a name) means this computer only."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_of(header: str) -> str:
    """The name in a Host header, without the port, lower-case (IPv6 without brackets)."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1 :] if end > 0 else ""
        if end < 0 or (rest and not _is_port(rest)):
            return header  # junk after the address: no name that the list allows
        return header[1:end]
    if header.count(":") == 1:
        name, port = header.split(":", 1)
        return name if port.isdigit() and len(port) <= 5 else header
    return header


def _is_port(text: str) -> bool:
    """':8000' after a bracketed address."""
    return text.startswith(":") and text[1:].isdigit() and len(text) <= 6


@dataclass(frozen=True)
class AllowedHosts:
    """The names this server answers to."""

    names: frozenset[str]
    any_ip_literal: bool

    @classmethod
    def for_bind(cls, bind_host: str, extra: tuple[str, ...] = ()) -> AllowedHosts:
        """Loopback's names, the bound address, this machine's names on a wildcard, `extra`."""
        bound = bind_host.strip("[]").lower()
        names = set(LOOPBACK_NAMES) | {n.lower() for n in extra}
        wildcard = bound in WILDCARD_HOSTS
        if wildcard:
            hostname = socket.gethostname().lower()
            if hostname:
                names |= {hostname, f"{hostname}.local"}
        else:
            names.add(bound)
        return cls(frozenset(names), any_ip_literal=wildcard)

    def allows(self, host_header: str | None) -> bool:
        """Whether a request with this Host header is for us (no header: no)."""
        if not host_header:
            return False
        host = host_of(host_header)
        if host in self.names or host.endswith(".localhost"):
            return True
        return self.any_ip_literal and _ip_literal(host)
