"""What the pairing pages need besides the services: failure limits, names, QR codes.

Pairing codes carry about 50 bits and live ten minutes, so guessing one is
hopeless; the limit below makes sure nobody can even try at speed.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

# Per client address, and for the whole server (an attacker may have many addresses).
FAILURES_PER_CLIENT = 5
FAILURES_PER_SERVER = 30
WINDOW_SECONDS = 600.0


@dataclass
class FailureLimit:
    """Counts failed pairing attempts and says how long a client must wait."""

    per_client: int = FAILURES_PER_CLIENT
    per_server: int = FAILURES_PER_SERVER
    window: float = WINDOW_SECONDS
    _clients: dict[str, deque[float]] = field(default_factory=dict)
    _server: deque[float] = field(default_factory=deque)

    def wait_seconds(self, client: str, now: float | None = None) -> int:
        """0 if `client` may try now, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        waits = [
            self._wait(self._clients.get(client), self.per_client, now),
            self._wait(self._server, self.per_server, now),
        ]
        return max(waits)

    def failed(self, client: str, now: float | None = None) -> None:
        """Note a failed attempt by `client`."""
        now = time.monotonic() if now is None else now
        if len(self._clients) > 10_000:
            self._clients.clear()
        self._clients.setdefault(client, deque()).append(now)
        self._server.append(now)

    def _wait(self, times: deque[float] | None, limit: int, now: float) -> int:
        if not times:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < limit:
            return 0
        return max(1, int(times[0] + self.window - now + 0.999))


def device_name(user_agent: str) -> str:
    """A name for a device from its browser's User-Agent ("Chrome on Android")."""
    ua = user_agent
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("FxiOS", "Firefox"),
                ("CriOS", "Chrome"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "A browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS X", "a Mac"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        None,
    )
    return f"{browser} on {system}" if system else browser


def qr_svg(text: str) -> str:
    """`text` as a QR code in SVG, for the page (no inline style: the CSP allows none)."""
    import segno

    svg: str = segno.make(text, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", omitsize=True
    )
    return svg
