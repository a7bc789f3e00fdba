"""Running the web app: one process, or several that share the port evenly.

uvicorn's own workers share one listening socket, and whichever process wakes
first accepts a whole burst of connections: 50 clients arriving together were
seen split 44 to 6, one worker saturated while the other idled. On Linux each
worker here binds its own socket with SO_REUSEPORT instead, and the kernel
spreads new connections across them by hash. Elsewhere uvicorn's workers are
used as they are.

A worker ends when the process that started it ends, however that ends: a
parent killed with -9 runs no clean-up, and workers left behind would keep
serving the port and refuse the next `hipcoach serve` on it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from hipcoach.domain.errors import HipcoachError

APP_FACTORY = "hipcoach.web:create_app"
# uvicorn's own workers (where SO_REUSEPORT does not balance) build the app through
# this, so they too end with their parent.
WORKER_APP_FACTORY = "hipcoach.web.serving:worker_app"
BACKLOG = 2048
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_POLL_SECONDS = 0.25
# After the parent is gone, a worker has this long to finish the requests under way.
ORPHAN_GRACE_SECONDS = 10.0
# Set by serve() before uvicorn starts its workers: the pid each of them ends with.
SERVE_PARENT_ENV = "HIPCOACH_SERVE_PARENT_PID"


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
        # Read by worker_app() in each worker: asked there, getppid() names init
        # once this process has died, and a worker would wait for init to end.
        os.environ[SERVE_PARENT_ENV] = str(os.getpid())
        try:
            uvicorn.run(
                WORKER_APP_FACTORY,
                factory=True,
                workers=workers,
                host=host,
                port=port,
                **_options(cert, key),
            )
        finally:
            os.environ.pop(SERVE_PARENT_ENV, None)
        return
    _refuse_taken_port(host, port)
    spawn = multiprocessing.get_context("spawn")
    parent = os.getpid()
    processes = [
        spawn.Process(target=_worker, args=(host, port, cert, key, parent), daemon=True)
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


def end_with_parent(parent: int, *, death_signal: bool = True, watch: bool = True) -> None:
    """Make this process end (SIGTERM, then a hard exit) once the process `parent` has ended.

    On Linux the kernel sends the signal itself (prctl PR_SET_PDEATHSIG); a thread
    that watches for the parent pid to change is the fallback everywhere, and the
    hard deadline for a graceful stop that does not finish.
    """
    if death_signal and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        # The parent died before the death signal was armed: nothing will send it.
        os.kill(os.getpid(), signal.SIGTERM)
    if watch:
        threading.Thread(
            target=_watch_parent, args=(parent,), name="hipcoach-parent-watch", daemon=True
        ).start()


def _watch_parent(parent: int) -> None:
    # An orphan is adopted by init or a subreaper, so its parent pid changes.
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn finishes the requests under way
    time.sleep(ORPHAN_GRACE_SECONDS)
    os._exit(1)


def worker_app() -> Any:
    """The app, built in one of uvicorn's worker processes, which ends with its parent."""
    from hipcoach.web import create_app

    end_with_parent(serving_parent())
    return create_app()


def serving_parent() -> int:
    """The pid of the process that started this worker, as it was when it started it.

    Not os.getppid() asked now: if that process has died already, this one has been
    adopted by init (or a subreaper), and a worker watching for init to end would
    never end. end_with_parent() compares it with getppid() and ends at once then.
    """
    value = os.environ.get(SERVE_PARENT_ENV, "")
    if value.isdigit():
        return int(value)
    starter = multiprocessing.parent_process()
    if starter is not None and starter.pid is not None:
        return starter.pid
    return os.getppid()  # started some other way: its parent now is all there is to go by


def _worker(host: str, port: int, cert: str | None, key: str | None, parent: int) -> None:
    import uvicorn

    end_with_parent(parent)
    config = uvicorn.Config(APP_FACTORY, factory=True, backlog=BACKLOG, **_options(cert, key))
    sock = _listener(host, port, reuse_port=True)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
