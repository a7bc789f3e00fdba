"""Running the web app: one process, or several that share the port evenly.

uvicorn's own workers share one listening socket, and whichever process wakes
first accepts a whole burst of connections: 50 clients arriving together were
seen split 44 to 6, one worker saturated while the other idled. On Linux each
worker here binds its own socket with SO_REUSEPORT instead, and the kernel
spreads new connections across them by hash. Elsewhere uvicorn's workers are
used as they are.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from hipcoach.domain.errors import HipcoachError

APP_FACTORY = "hipcoach.web:create_app"
BACKLOG = 2048


class ServeError(HipcoachError):
    """The server cannot start (most often: the port is taken)."""


@dataclass(frozen=True)
class TlsFiles:
    """A certificate and its key (PEM files), to serve https."""

    cert: Path
    key: Path


# No proxy stands in front of hipcoach: uvicorn's default would believe X-Forwarded-For
# from loopback, letting a local client pose as many (the pairing limit counts clients).
PROXY_HEADERS = False


def _options(cert: str | None, key: str | None) -> dict[str, Any]:
    """What every way of running uvicorn here shares."""
    return {
        "log_level": "warning",
        "access_log": False,
        "ssl_certfile": cert,
        "ssl_keyfile": key,
        "proxy_headers": PROXY_HEADERS,
    }


def serve(host: str, port: int, workers: int, *, tls: TlsFiles | None = None) -> None:
    """Serve the app on host:port with `workers` processes until interrupted."""
    import uvicorn

    cert, key = (str(tls.cert), str(tls.key)) if tls else (None, None)
    if workers == 1:
        from hipcoach.web import create_app

        uvicorn.run(create_app(), host=host, port=port, **_options(cert, key))
        return
    from hipcoach.services.context import Context
    from hipcoach.settings import Settings

    # Open (and migrate) the journal once here, so the workers never race to create it.
    Context(Settings.from_env()).close()
    if not _reuse_port_balances():
        uvicorn.run(
            APP_FACTORY, factory=True, workers=workers, host=host, port=port, **_options(cert, key)
        )
        return
    _refuse_taken_port(host, port)
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=_worker, args=(host, port, cert, key), daemon=True)
        for _ in range(workers)
    ]
    for process in processes:
        process.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests under way

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:
        # Ctrl-C reached the workers too (same process group); let them finish.
        for process in processes:
            process.join(timeout=10)
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(signal.SIGTERM, None)


def _reuse_port_balances() -> bool:
    # BSD and macOS accept SO_REUSEPORT but hand every connection to one socket.
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _listener(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _refuse_taken_port(host: str, port: int) -> None:
    """Fail if anything listens there already: another server started with SO_REUSEPORT
    would otherwise quietly share the port with ours."""
    try:
        probe = _listener(host, port, reuse_port=False)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    probe.close()


def _worker(host: str, port: int, cert: str | None, key: str | None) -> None:
    import uvicorn

    config = uvicorn.Config(APP_FACTORY, factory=True, backlog=BACKLOG, **_options(cert, key))
    sock = _listener(host, port, reuse_port=True)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
