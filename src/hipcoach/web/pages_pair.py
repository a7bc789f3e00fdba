"""Pairing a phone: the pairing page, redeeming a code, and managing devices in Settings.

When `hipcoach serve` listens beyond this computer, the gate (web.gate) shows
this page to every browser without a device cookie. A code (from the link the
server printed, `hipcoach devices pair`, or Settings on a paired device) is
redeemed by a POST, never by opening the link: link previews and prefetching
must not use up a single-use code.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from hipcoach.domain.errors import HipcoachError
from hipcoach.web.deps import Ctx
from hipcoach.web.gate import DEVICE_COOKIE
from hipcoach.web.pairing import FailureLimit, device_name, qr_svg
from hipcoach.web.templating import render, set_private_cookie

router = APIRouter(include_in_schema=False)

# Browsers keep a cookie at most 400 days; a paired phone pairs again after that.
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600


def _limit(request: Request) -> FailureLimit:
    state = request.app.state
    if not hasattr(state, "pairing_failures"):
        state.pairing_failures = FailureLimit()
    limit: FailureLimit = state.pairing_failures
    return limit


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def pairing_required(request: Request) -> bool:
    """Whether this server asks devices to pair (it listens beyond loopback)."""
    return bool(request.app.state.gate.pairing_required)


def current_device(request: Request) -> Any:
    """The paired device making this request (set by the gate), or None."""
    return request.scope.get("state", {}).get("device")


@router.get("/pair", response_class=HTMLResponse)
def pair_page(request: Request, code: str | None = None) -> Response:
    """Pair this device: with a code from a link, or typed in; 401 for an unpaired request."""
    unpaired = bool(request.scope.get("state", {}).get("unpaired"))
    return _pair(request, code=None if unpaired else code, status=401 if unpaired else 200)


@router.post("/pair", response_class=HTMLResponse)
async def pair_submit(request: Request, ctx: Ctx) -> Response:
    """Redeem a pairing code: this browser gets its device cookie and goes to Today."""
    from hipcoach.services.devices import pair_device

    form = await request.form()
    code = str(form.get("code") or "")[:40]
    name = str(form.get("name") or "").strip()[:80] or device_name(
        request.headers.get("user-agent", "")
    )
    limit, client = _limit(request), _client(request)
    wait = limit.wait_seconds(client)
    if wait:
        response = _pair(
            request,
            code=code,
            name=name,
            error=f"Too many wrong codes. Wait {wait} seconds, then try again.",
            status=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        _device, token = pair_device(ctx, code, name)
    except HipcoachError as exc:
        limit.failed(client)
        return _pair(request, code=code, name=name, error=str(exc), status=422)
    response = RedirectResponse("/", status_code=303)
    set_private_cookie(request, response, DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_SECONDS)
    return response


def _pair(
    request: Request,
    *,
    code: str | None = None,
    name: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    response = render(
        request,
        "pair.html.j2",
        "",
        required=pairing_required(request),
        paired=current_device(request) is not None,
        code=code or "",
        device_name=name or device_name(request.headers.get("user-agent", "")),
        error=error,
        hide_nav=True,
    )
    response.status_code = status
    return response


@router.post("/settings/pair", response_class=HTMLResponse)
def settings_new_code(request: Request, ctx: Ctx) -> Response:
    """A new pairing code for another device, shown as a link and a QR code."""
    from hipcoach.services.devices import new_pairing_code
    from hipcoach.web.pages_main import settings_page

    pairing = new_pairing_code(ctx)
    links = pairing_links(request, ctx, pairing.code)
    shown = {
        "code": pairing.grouped,
        "links": links,
        "expires": pairing.expires_at.astimezone().strftime("%H:%M"),
        "qr": Markup(qr_svg(links[0])),
    }
    return settings_page(request, ctx, new_code=shown)


@router.post("/settings/devices/{device_id}/revoke", response_class=HTMLResponse)
def settings_revoke(request: Request, ctx: Ctx, device_id: str) -> Response:
    """Revoke a paired device: its next request is refused."""
    from hipcoach.services.devices import revoke_device

    revoke_device(ctx, device_id[:64])
    devices = request.app.state.gate.devices
    if devices is not None:
        devices.forget()
    return RedirectResponse("/settings#devices", status_code=303)


def pairing_links(request: Request, ctx: Any, code: str) -> list[str]:
    """Links a phone can open to pair: this page's own address, unless that is loopback."""
    from hipcoach.services.devices import pairing_url, server_urls
    from hipcoach.web.hosts import is_loopback_address

    here = str(request.base_url).rstrip("/")
    if request.url.hostname and not is_loopback_address(request.url.hostname):
        return [pairing_url(here, code)]
    tls = request.url.scheme == "https"
    port = request.url.port or (443 if tls else 80)
    bases = server_urls(ctx.settings.host, port, tls=tls)
    return [pairing_url(base, code) for base in bases] or [pairing_url(here, code)]
