"""`hipcoach serve`: the browser coach on this machine (and, paired, on your phone)."""

from __future__ import annotations

from pathlib import Path

import typer

from hipcoach.cli.base import app


@app.command("serve")
def serve_command(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on. Beyond this computer (0.0.0.0, a LAN address) every "
        "device must pair first.",
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    open_browser: bool = typer.Option(
        False, "--open", help="Open the app in your web browser once it is up."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=16,
        help="Server processes. One is plenty for a person; one per core for many devices.",
    ),
    allow_host: list[str] = typer.Option(
        [],
        "--allow-host",
        help="Another host name the server answers to (repeatable; also HIPCOACH_ALLOWED_HOSTS).",
    ),
    tls_cert: Path | None = typer.Option(
        None, "--tls-cert", exists=True, dir_okay=False, help="TLS certificate (PEM) for https."
    ),
    tls_key: Path | None = typer.Option(
        None, "--tls-key", exists=True, dir_okay=False, help="The certificate's private key."
    ),
) -> None:
    """Serve the browser coach: Today, the player, library, plan, progress and more."""
    import os
    import threading
    import webbrowser

    from hipcoach.domain.errors import HipcoachError
    from hipcoach.settings import ENV_ALLOWED_HOSTS, ENV_HOST
    from hipcoach.web.hosts import is_loopback_address
    from hipcoach.web.serving import TlsFiles, serve

    if (tls_cert is None) != (tls_key is None):
        raise HipcoachError("--tls-cert and --tls-key go together: give both, or neither.")
    tls = TlsFiles(tls_cert, tls_key) if tls_cert and tls_key else None
    # The app reads these (in every worker process too): where it listens decides pairing.
    os.environ[ENV_HOST] = host
    if allow_host:
        given = os.environ.get(ENV_ALLOWED_HOSTS, "")
        os.environ[ENV_ALLOWED_HOSTS] = ",".join([given, *allow_host]).strip(",")
    scheme = "https" if tls else "http"
    local = f"{scheme}://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}/"
    if is_loopback_address(host):
        typer.echo(f"hipcoach is at {local} (Ctrl-C stops it). Not medical care.")
        if open_browser:
            threading.Timer(1.0, webbrowser.open, args=(local,)).start()
    else:
        opener = _announce_pairing(host, port, tls=tls is not None)
        if open_browser:
            threading.Timer(1.0, webbrowser.open, args=(opener,)).start()
    serve(host, port, workers, tls=tls)


def _announce_pairing(host: str, port: int, *, tls: bool) -> str:
    """Print the warning, a pairing link and its QR code; return a link for --open."""
    from hipcoach.cli.qr import terminal_qr
    from hipcoach.services.context import Context
    from hipcoach.services.devices import new_pairing_code, pairing_url, server_urls

    bases = server_urls(host, port, tls=tls)
    with Context() as ctx:
        code = new_pairing_code(ctx)
        for_opener = new_pairing_code(ctx)
    links = [pairing_url(base, code.code) for base in bases]
    expires = code.expires_at.astimezone().strftime("%H:%M")
    lines = [
        f"hipcoach is listening on your network at {', '.join(bases)} (Ctrl-C stops it). "
        "Not medical care.",
        "Every device must pair before it can open hipcoach. To pair a phone, scan this code "
        f"or open the link on it (once, until {expires}):",
        *(f"  {link}" for link in links),
        f"  pairing code: {code.grouped}",
        "A new code: `hipcoach devices pair`, or Settings on a paired device.",
    ]
    if not tls:
        lines.append(
            "Warning: without --tls-cert/--tls-key the traffic is not encrypted, and phones "
            "allow keeping the screen awake only over https. Use only a network you trust; "
            "never forward this port to the internet."
        )
    typer.echo("\n".join(lines[:2] + lines[2 : 2 + len(links)]))
    typer.echo(terminal_qr(links[0]))
    typer.echo("\n".join(lines[2 + len(links) :]))
    # A wildcard listens on loopback too; a specific address only there.
    wildcard = host in ("0.0.0.0", "::", "")
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}" if wildcard else bases[0]
    return pairing_url(base, for_opener.code)
