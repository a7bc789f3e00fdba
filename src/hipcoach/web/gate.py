"""The security layer every request passes before anything of the app sees it.

In order: the Host is one this server answers to (DNS rebinding); the body is
within its route's limit; a request that changes something comes from the
app's own pages (Sec-Fetch-Site and Origin) and, if it is a form, carries its
form token (web.csrf); when the server listens beyond loopback, the device is
paired (services.devices). Every answer, refusals included, leaves with the
security headers (a strict Content-Security-Policy and friends).

Refusals come before any handler runs and before anything is read or written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hipcoach.web.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, token_matches
from hipcoach.web.hosts import AllowedHosts

API_PREFIX = "/api/"
IMPORT_PATH = "/api/v1/import"
PAIR_PATH = "/pair"
DEVICE_COOKIE = "hipcoach_device"
# A form or JSON payload of this app is a few KB; the import is the one large body.
MAX_BODY_BYTES = 64 * 1024
MAX_IMPORT_BYTES = 50 * 1024 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# What a cross-site <form> can send without asking first: these need the form token.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Only what the app uses: keeping the screen awake in the player.
PERMISSIONS = ", ".join(
    (
        "screen-wake-lock=(self)",
        "camera=()",
        "microphone=()",
        "geolocation=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "display-capture=()",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode(), value.encode())
    for name, value in (
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("permissions-policy", PERMISSIONS),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    )
)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


class DeviceCheck:
    """Whether a device token is a paired, unrevoked device; answers kept a few seconds.

    A paired phone sends its cookie with every request; asking the database each
    time would double the cost of a saved step. A revoked device is refused
    within `ttl` seconds (at once in the process that revoked it: `forget`).
    """

    def __init__(self, lookup: Callable[[str], object | None], ttl: float = 5.0) -> None:
        self._lookup = lookup
        self._ttl = ttl
        self._kept: dict[str, tuple[float, object | None]] = {}

    def device(self, token: str) -> object | None:
        """The device for `token`, or None."""
        now = time.monotonic()
        kept = self._kept.get(token)
        if kept is not None and kept[0] > now:
            return kept[1]
        found = self._lookup(token)
        if len(self._kept) > 1024:
            self._kept.clear()
        self._kept[token] = (now + self._ttl, found)
        return found

    def forget(self) -> None:
        """Drop every kept answer (after a device was revoked here)."""
        self._kept.clear()


@dataclass
class GateConfig:
    """What the gate enforces: the hosts, the form-token secret and whether to pair."""

    hosts: AllowedHosts
    secret: bytes
    pairing_required: bool
    devices: DeviceCheck | None = None
    limits: dict[str, int] = field(default_factory=lambda: {IMPORT_PATH: MAX_IMPORT_BYTES})


@dataclass
class _Request:
    """The headers the gate reads, from one pass over the raw list."""

    host: str | None = None
    host_headers: int = 0
    origin: str | None = None
    fetch_site: str | None = None
    content_type: str = ""
    content_length: str | None = None
    chunked: bool = False
    cookie: str | None = None
    csrf_header: str | None = None

    @classmethod
    def of(cls, scope: Scope) -> _Request:
        seen = cls()
        for name, value in scope["headers"]:
            if name == b"host":
                seen.host = value.decode("latin-1")
                seen.host_headers += 1
            elif name == b"origin":
                seen.origin = value.decode("latin-1")
            elif name == b"sec-fetch-site":
                seen.fetch_site = value.decode("latin-1").strip().lower()
            elif name == b"content-type":
                seen.content_type = value.decode("latin-1").split(";", 1)[0].strip().lower()
            elif name == b"content-length":
                seen.content_length = value.decode("latin-1").strip()
            elif name == b"transfer-encoding":
                seen.chunked = True
            elif name == b"cookie":
                text = value.decode("latin-1")
                seen.cookie = text if seen.cookie is None else f"{seen.cookie}; {text}"
            elif name == CSRF_HEADER.encode():
                seen.csrf_header = value.decode("latin-1").strip()
        return seen

    def cookies(self) -> dict[str, str]:
        if not self.cookie:
            return {}
        # Starlette's parser, as the pages use: one odd cookie from another app on this
        # host (a space, a quote, JSON) must not hide ours, which SimpleCookie would do.
        return cookie_parser(self.cookie)


class RefusedError(Exception):
    """A request the gate does not let through: its status and the reason for people."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SecurityGate:
    """ASGI middleware: refuses what must not reach the app; adds the security headers."""

    def __init__(self, app: ASGIApp, config: GateConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # the app has no websockets
            await send({"type": "websocket.close", "code": 1008})
            return
        send = _with_security_headers(send)
        if scope["method"] == "HEAD":
            send = _without_body(send)  # whatever answers (a refusal, the pairing page)
        request = _Request.of(scope)
        try:
            receive = await self._check(scope, request, receive)
        except RefusedError as refused:
            await _refuse(scope, send, refused)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope, request: _Request, receive: Receive) -> Receive:
        config = self.config
        if request.host_headers > 1:
            # Parts of the stack read the first, parts the last: one Host or none.
            raise RefusedError(400, "A request may name its host once; this one named several.")
        if not config.hosts.allows(request.host):
            raise RefusedError(
                400,
                f"This server does not answer to the host {request.host or '(none)'!r}. "
                "Start it with --allow-host NAME to add a name.",
            )
        path: str = scope["path"]
        method: str = scope["method"]
        unsafe = method not in SAFE_METHODS
        limit = config.limits.get(path, MAX_BODY_BYTES)
        _check_length(request, limit)
        if unsafe:
            _check_same_origin(scope, request)
        cookies = request.cookies()
        if config.pairing_required and not _pairing_exempt(path):
            device = self._paired_device(cookies)
            if device is None:
                if path.startswith(API_PREFIX):
                    raise RefusedError(
                        401,
                        "This device is not paired with hipcoach yet: open the pairing link "
                        "that `hipcoach serve` printed, or run `hipcoach devices pair`.",
                    )
                _show_pairing_page(scope)
                return receive
            scope.setdefault("state", {})["device"] = device
        if unsafe and _needs_form_token(path, request):
            # The import's body may be 50 MB: its token can come in the header only.
            in_body = path not in config.limits
            return await self._check_form_token(request, cookies, receive, limit, in_body)
        if unsafe and request.chunked and path not in config.limits:
            _, receive = await _read_body(receive, limit)  # counted, so a stream cannot pass
        return receive

    def _paired_device(self, cookies: dict[str, str]) -> object | None:
        token = cookies.get(DEVICE_COOKIE)
        if not token or self.config.devices is None:
            return None
        return self.config.devices.device(token)

    async def _check_form_token(
        self,
        request: _Request,
        cookies: dict[str, str],
        receive: Receive,
        limit: int,
        in_body: bool,
    ) -> Receive:
        body, replay = await _read_body(receive, limit) if in_body else (b"", receive)
        token = request.csrf_header
        if token is None and request.content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(CSRF_FIELD)
            token = values[0] if values else None
        if not token_matches(self.config.secret, cookies.get(CSRF_COOKIE), token):
            raise RefusedError(
                403,
                "This form's security token is missing or out of date, so nothing was "
                "changed. Reload the page and send it again (cookies must be allowed).",
            )
        return replay


def _needs_form_token(path: str, request: _Request) -> bool:
    """Pages change things only through their forms; the API, through JSON, which another
    site cannot send here without a CORS preflight that this server never grants."""
    return not path.startswith(API_PREFIX) or request.content_type in FORM_TYPES


def _pairing_exempt(path: str) -> bool:
    return path == PAIR_PATH or path.startswith("/static/")


def _without_body(send: Send) -> Send:
    """A HEAD request's answer: the headers of the GET answer, no body bytes (a client that
    reads none would take them for the next response)."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


def _show_pairing_page(scope: Scope) -> None:
    """Turn an unpaired browser's request into the pairing page (answered with 401)."""
    scope.setdefault("state", {})["unpaired"] = True
    scope["method"] = "GET"
    scope["path"] = PAIR_PATH
    scope["raw_path"] = PAIR_PATH.encode()
    scope["query_string"] = b""


def _check_length(request: _Request, limit: int) -> None:
    if request.content_length is None:
        return
    if not request.content_length.isdigit():
        raise RefusedError(400, "The Content-Length header is not a number.")
    if int(request.content_length) > limit:
        raise _too_large(limit)


def _check_same_origin(scope: Scope, request: _Request) -> None:
    site = request.fetch_site
    if site is not None and site not in SAME_ORIGIN_FETCH:
        raise RefusedError(
            403,
            f"Refused a request from another site ({site}): only hipcoach's own pages "
            "may change your data.",
        )
    origin = request.origin
    if origin is not None and origin.strip().lower() == "null":
        # A form posted under Referrer-Policy: no-referrer says "null", as does a sandboxed
        # frame. A browser's Sec-Fetch-Site (checked above) or the form's token decides then;
        # a JSON call has no token, so without the first it is refused.
        if site is None and not _needs_form_token(scope["path"], request):
            raise RefusedError(
                403,
                "Refused a request from an unnamed origin: only hipcoach's own pages "
                "may change your data.",
            )
        return
    if origin is not None:
        own = f"{scope.get('scheme', 'http')}://{request.host}".lower()
        if origin.strip().lower() != own:
            raise RefusedError(
                403,
                f"Refused a request from {origin}: only hipcoach's own pages may change your data.",
            )


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, Receive]:
    """The whole body (at most `limit` bytes, else 413), and a `receive` that replays it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _too_large(limit: int) -> RefusedError:
    return RefusedError(
        413, f"The request body is larger than this address takes ({size_text(limit)})."
    )


def size_text(limit: int) -> str:
    """A byte limit for people: "64 KB", "50 MB"."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB" if limit >= 1024 else f"{limit} bytes"


def _with_security_headers(send: Send) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers} & _SECURITY_NAMES
            headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
            message = {**message, "headers": headers}
        await send(message)

    return send_with_headers


async def _refuse(scope: Scope, send: Send, refused: RefusedError) -> None:
    """Answer a refusal: JSON for the API (the app's error shape), a small page otherwise."""
    extra = [(k.lower().encode(), v.encode()) for k, v in refused.headers.items()]
    if scope["path"].startswith(API_PREFIX) or scope["method"] not in ("GET", "HEAD"):
        body = json.dumps({"error": refused.message, "field": None}).encode()
        kind = b"application/json"
    else:
        body = _refusal_page(refused).encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _refusal_page(refused: RefusedError) -> str:
    title = {400: "Unknown address", 401: "Not paired", 403: "Refused", 413: "Too large"}.get(
        refused.status, "Refused"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} · hipcoach</title>"
        '<link rel="stylesheet" href="/static/css/app.css"></head><body>'
        f'<main id="main" class="page"><h1>{title}</h1><div class="card">'
        f"<p>{escape(refused.message)}</p></div></main></body></html>"
    )
