"""API routes: the devices paired with this server, pairing codes for more, revoking one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from hipcoach.web.api.schemas_errors import errors
from hipcoach.web.deps import Ctx

router = APIRouter(tags=["devices"])


class DeviceOut(BaseModel):
    """A paired phone or browser (never its secret)."""

    id: str = Field(description="The id to revoke it by.")
    name: str
    paired_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    this_device: bool = Field(description="Whether it is the device making this request.")


class PairingCodeOut(BaseModel):
    """A one-time code that pairs one more device."""

    code: str = Field(description="As people read it: ABCDE-FGHJK.")
    expires_at: datetime
    links: list[str] = Field(description="Links that pair a device on the network.")


def _this(request: Request) -> str | None:
    device = request.scope.get("state", {}).get("device")
    return getattr(device, "id", None)


@router.get("/devices", summary="The paired devices", responses=errors(503))
def devices(request: Request, ctx: Ctx) -> list[DeviceOut]:
    """Every device paired with this server and not revoked, newest first."""
    from hipcoach.services.devices import list_devices

    this = _this(request)
    return [
        DeviceOut(
            id=d.id,
            name=d.name,
            paired_at=d.paired_at,
            last_seen_at=d.last_seen_at,
            revoked_at=d.revoked_at,
            this_device=d.id == this,
        )
        for d in list_devices(ctx)
    ]


@router.post(
    "/devices/pairing-code",
    summary="Make a pairing code",
    status_code=201,
    responses=errors(503, changes=True),
)
def pairing_code(request: Request, ctx: Ctx) -> PairingCodeOut:
    """A code that pairs one more device, once, within 10 minutes."""
    from hipcoach.services.devices import new_pairing_code
    from hipcoach.web.pages_pair import pairing_links

    made = new_pairing_code(ctx)
    return PairingCodeOut(
        code=made.grouped,
        expires_at=made.expires_at,
        links=pairing_links(request, ctx, made.code),
    )


@router.post(
    "/devices/{device_id}/revoke",
    summary="Revoke a device",
    responses=errors(404, 422, 503, changes=True),
)
def revoke(request: Request, ctx: Ctx, device_id: Annotated[str, Path(max_length=64)]) -> DeviceOut:
    """Lock a device out: its next request is refused, and it must pair again."""
    from hipcoach.services.devices import revoke_device

    device = revoke_device(ctx, device_id)
    check = request.app.state.gate.devices
    if check is not None:
        check.forget()
    return DeviceOut(
        id=device.id,
        name=device.name,
        paired_at=device.paired_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
        this_device=device.id == _this(request),
    )
