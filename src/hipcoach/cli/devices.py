"""`hipcoach devices`: the phones and browsers paired with the browser coach.

`hipcoach devices` (or `devices list`) lists them, `devices pair` makes a
one-time code with its links and a QR code, `devices revoke ID` locks one out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer

from hipcoach.cli.base import app
from hipcoach.cli.output import console, emit_json
from hipcoach.domain.errors import HipcoachError

if TYPE_CHECKING:
    from rich.table import Table

    from hipcoach.services.devices import Device

devices_app = typer.Typer(
    help=(
        "The phones and browsers paired with the browser coach: list them, pair a new one, "
        "revoke one. A server listening beyond this machine serves paired devices only."
    ),
    invoke_without_command=True,
)
app.add_typer(devices_app, name="devices")

AllOption = typer.Option(False, "--all", help="Include revoked devices.")
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")


@devices_app.callback()
def devices_command(
    ctx: typer.Context, include_revoked: bool = AllOption, as_json: bool = JsonOption
) -> None:
    """List the paired devices (the same as hipcoach devices list)."""
    if ctx.invoked_subcommand is None:
        _list(include_revoked, as_json)


@devices_app.command("list")
def list_command(include_revoked: bool = AllOption, as_json: bool = JsonOption) -> None:
    """List the paired devices, newest first: id, name, when paired, when last seen."""
    _list(include_revoked, as_json)


@devices_app.command("pair")
def pair_command(
    url: str | None = typer.Option(
        None,
        "--url",
        metavar="BASE",
        help="The coach's address as the phone reaches it, e.g. http://192.168.1.20:8000 "
        "(default: this machine's addresses on --port).",
    ),
    port: int = typer.Option(
        8000, "--port", min=1, max=65535, help="The port hipcoach serve listens on."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Make a one-time pairing code, with links and a QR code for the phone to open."""
    from hipcoach import services
    from hipcoach.services.devices import (
        PAIRING_MINUTES,
        new_pairing_code,
        pairing_url,
        server_urls,
    )

    bases = [_base_url(url)] if url is not None else server_urls("0.0.0.0", port, tls=False)
    with services.Context() as ctx:
        code = new_pairing_code(ctx)
    links = [pairing_url(base, code.code) for base in bases]
    if as_json:
        emit_json(
            {
                "code": code.code,
                "grouped": code.grouped,
                "expires_at": code.expires_at.isoformat(),
                "links": links,
            }
        )
        return
    from hipcoach.cli.qr import terminal_qr

    typer.echo(
        f"Pairing code {code.grouped}: valid for {PAIRING_MINUTES} minutes, once "
        f"(until {_local(code.expires_at)})."
    )
    typer.echo("")
    typer.echo("On the phone, on the same network as this machine, open a link:")
    for link in links:
        typer.echo(f"  {link}")
    typer.echo("or point its camera at this code:")
    typer.echo("")
    typer.echo(terminal_qr(links[0]), nl=False)
    typer.echo("")
    typer.echo("or open the coach's address on the phone and type the code there.")
    if url is None:
        typer.echo(f"The coach must be running: hipcoach serve --host 0.0.0.0 --port {port}")


@devices_app.command("revoke")
def revoke_command(
    device_id: str = typer.Argument(
        ..., metavar="ID", help="The device's id, as hipcoach devices lists it."
    ),
) -> None:
    """Revoke a device: it can no longer use the coach until it is paired again."""
    from hipcoach import services
    from hipcoach.services.devices import revoke_device

    moment = datetime.now(UTC)
    with services.Context() as ctx:
        device = revoke_device(ctx, device_id, now=moment)
    if device.revoked_at is not None and device.revoked_at < moment:
        typer.echo(
            f"Device {device.id} ({device.name}) was already revoked on "
            f"{_local(device.revoked_at, dated=True)}."
        )
        return
    typer.echo(
        f"Revoked device {device.id} ({device.name}): it can no longer use the coach "
        "until it is paired again."
    )


def _list(include_revoked: bool, as_json: bool) -> None:
    from hipcoach import services
    from hipcoach.services.devices import list_devices

    with services.Context() as ctx:
        devices = list_devices(ctx, include_revoked=include_revoked)
    if as_json:
        emit_json([d.to_dict() for d in devices])
        return
    if not devices:
        typer.echo("No device is paired. Pair a phone with: hipcoach devices pair")
        return
    console().print(_table(devices, include_revoked))


def _table(devices: list[Device], include_revoked: bool) -> Table:
    from rich.table import Table

    table = Table(title="Paired devices", title_justify="left")
    columns = ["id", "name", "paired", "last seen"] + (["revoked"] if include_revoked else [])
    for column in columns:
        table.add_column(column)
    for d in devices:
        cells = [d.id, d.name, _local(d.paired_at, dated=True), _seen(d.last_seen_at)]
        if include_revoked:
            cells.append(_local(d.revoked_at, dated=True) if d.revoked_at else "")
        table.add_row(*cells)
    table.caption = "hipcoach devices revoke ID locks one out."
    return table


def _seen(moment: datetime | None) -> str:
    return _local(moment, dated=True) if moment is not None else "never"


def _local(moment: datetime, *, dated: bool = False) -> str:
    """`moment` in this machine's time zone; the date only when asked or not today."""
    local = moment.astimezone()
    if dated or local.date() != datetime.now().astimezone().date():
        return local.strftime("%Y-%m-%d %H:%M")
    return local.strftime("%H:%M")


def _base_url(raw: str) -> str:
    """--url as a base URL without its trailing slash; refused unless it is http(s)."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise HipcoachError(
            f"--url wants the coach's address, like http://192.168.1.20:8000, not '{raw}'"
        )
    return raw.strip().rstrip("/")
