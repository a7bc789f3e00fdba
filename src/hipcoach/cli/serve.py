"""`hipcoach serve`: the browser coach on this machine."""

from __future__ import annotations

import typer

from hipcoach.cli.base import app


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
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
) -> None:
    """Serve the browser coach: Today, the player, library, plan, progress and more."""
    import threading
    import webbrowser

    from hipcoach.web.serving import serve

    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    typer.echo(f"hipcoach is at {url} (Ctrl-C stops it). Not medical care.")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    serve(host, port, workers)
