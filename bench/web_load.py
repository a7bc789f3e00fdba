"""The web server under load: a year of one person's data, 50 clients on loopback.

Seeds a plan, about 250 sessions with every segment saved, a check-in before and after each,
and weekly measurements, through the services and the store; starts `hipcoach serve` on
127.0.0.1 (--workers, default 2: one per core here); then runs N concurrent clients against a
mix of the today page (GET /), segment
saves on live sessions (POST /api/v1/sessions/{id}/segments) and the progress data
(GET /api/v1/progress): first for --warmup-s without recording, so caches are filled and
connections open, then for --seconds measured. Prints per kind and overall the requests, req/s,
p50/p99/max latency and the answers slower than 50 ms, then errors and reconnects.
Goal: p99 <= 50 ms and no errors; on PostgreSQL also no deadlocks, counted by PostgreSQL
itself (pg_stat_database) before and after the run. A PostgreSQL database is vacuumed before
the run, as its autovacuum would keep it (and the bench says whether autovacuum is on).

The journal is SQLite in the data folder, or the database HIPCOACH_DATABASE_URL (or
--database-url) names, such as postgresql+psycopg://postgres@127.0.0.1:5432/hipcoach_bench: the
seed goes where the server reads. Each segment save carries a save key of its own, as the
browser's do.

    python bench/web_load.py [--clients 50] [--seconds 30] [--warmup-s 3] [--sessions 250]
                             [--think-ms 0] [--workers 2] [--data-dir DIR] [--database-url URL]

The clients share the machine with the server, so the measuring client is a lean HTTP/1.1
client written on asyncio streams (on uvloop when it is installed), not an HTTP library: each
simulated client holds one keep-alive TCP connection, sends requests built once up front, and
reads the status line, the headers and exactly the body the server framed (Content-Length, or
chunked). What it costs per request is small, so the figures are the server's. Latency runs
from just before a request is written to the end of its body; an answer >= 400, a socket error
or a 30 s timeout is an error; a connection the server closes is opened again and counted as a
reconnect, not an error. Setup (starting the live sessions, a first warm-up) uses httpx.

By default each client sends its next request as soon as the last one answers (a closed loop,
like `wrk -c 50`), so latency is at least clients / throughput; --think-ms adds a pause
after each answer, closer to a person whose player saves a segment every few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

GOAL_P99_MS = 50.0
LIVE_SESSIONS = 5
KINDS = ("today", "segment", "progress")
SLOW_MS = 50.0  # answers slower than this are counted per kind
REQUEST_TIMEOUT_S = 30.0
AGENT = "User-Agent: hipcoach-web-load\r\n"
# Where each save's key goes in its prebuilt request: a fresh uuid4().hex, of the same length.
KEY_SLOT = b"k" * 32

T = TypeVar("T")


def settings_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The settings the seed and the server share: the same journal for both."""
    env = {"HIPCOACH_DATA_DIR": str(data_dir)}
    if database_url:
        env["HIPCOACH_DATABASE_URL"] = database_url
    return env


def database_kind(database_url: str | None) -> str:
    return "PostgreSQL" if database_url and database_url.startswith("postgresql") else "SQLite"


def seeded_sessions(data_dir: Path, database_url: str | None) -> int:
    """How many sessions the journal already holds (0 for none, or no journal yet)."""
    if not database_url and not (data_dir / "hipcoach.db").exists():
        return 0
    from hipcoach.services.context import Context
    from hipcoach.settings import Settings

    ctx = Context(Settings.from_env(settings_env(data_dir, database_url)))
    try:
        return len(ctx.journal.history(ctx.profile_id, limit=10_000))
    finally:
        ctx.close()


def deadlocks(database_url: str | None) -> int | None:
    """PostgreSQL's count of deadlocks in the journal's database so far (None on SQLite)."""
    if database_kind(database_url) != "PostgreSQL":
        return None
    from sqlalchemy import text

    from hipcoach.store import create_engine_for

    engine = create_engine_for(str(database_url))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one()
        return int(found)
    finally:
        engine.dispose()


def vacuumed(database_url: str | None) -> str | None:
    """On PostgreSQL: VACUUM (ANALYZE) the journal's database, and say whether autovacuum is
    on. A served database is vacuumed as it goes (autovacuum is on by default); one where
    it is off, as on some test machines, keeps every dead row version of every earlier run,
    and the counter read would measure that. None on SQLite."""
    if database_kind(database_url) != "PostgreSQL":
        return None
    from sqlalchemy import text

    from hipcoach.store import create_engine_for

    engine = create_engine_for(str(database_url))
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            setting = conn.execute(text("SHOW autovacuum")).scalar_one()
        return str(setting)
    finally:
        engine.dispose()


def seed(data_dir: Path, sessions: int, database_url: str | None = None) -> dict[str, int]:
    """A realistic year of one person's journal, written through the services and the store."""
    from hipcoach.domain.compiler import CompileOptions
    from hipcoach.services import checkins, measurements, programs
    from hipcoach.services.context import Context
    from hipcoach.services.screening import screening_form, take_screen
    from hipcoach.services.sessions import plan_routine
    from hipcoach.settings import Settings

    rng = random.Random(2026)  # seeded: every run seeds the same year
    ctx = Context(Settings.from_env(settings_env(data_dir, database_url)))
    try:
        take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
        today = programs.local_today()
        programs.new_plan(ctx, "unlock-stiff-hips", start=today - timedelta(weeks=2))
        timelines = [
            (plan_routine(ctx.library, rid, CompileOptions()), CompileOptions())
            for rid in ("morning-pry", "rotation-circuit", "desk-break")
        ]
        now = datetime.now(UTC)
        days = sorted(rng.sample(range(1, 366), sessions), reverse=True)
        segments = 0
        repo = checkins.checkin_repository(ctx)
        for days_ago in days:
            timeline, options = rng.choice(timelines)
            began = now - timedelta(days=days_ago, hours=rng.randint(0, 3))
            session_id = ctx.journal.start_session(
                ctx.profile_id,
                routine_id=timeline.routine_id,
                routine_name=timeline.routine_name,
                options=options.to_dict(),
                fingerprint=timeline.fingerprint(),
                total_segments=len(timeline.segments),
                total_seconds=timeline.total_seconds,
                started_at=began,
            )
            repo.add_checkin(
                ctx.profile_id,
                "before",
                session_id=session_id,
                pain=rng.randint(0, 3),
                morning_after="same",
                recorded_at=began,
            )
            # One session in ten stops part-way, as real ones do.
            played = timeline.segments
            if rng.random() < 0.1:
                played = played[: rng.randint(1, len(played) - 1)]
            for segment in played:
                ctx.journal.record_segment(
                    session_id,
                    segment_index=segment.index,
                    kind=segment.kind.value,
                    exercise_id=segment.exercise_id,
                    side=segment.side.value,
                    outcome="completed",
                    planned_seconds=segment.duration,
                    elapsed_seconds=float(segment.duration),
                    recorded_at=began + timedelta(seconds=segment.end),
                )
            segments += len(played)
            ended = began + timedelta(seconds=timeline.total_seconds)
            full = len(played) == len(timeline.segments)
            ctx.journal.finish_session(session_id, "completed" if full else "partial", ended)
            repo.add_checkin(
                ctx.profile_id,
                "after",
                session_id=session_id,
                pain=rng.randint(0, 3),
                effort=rng.randint(3, 7),
                recorded_at=ended,
            )
        for week in range(52, -1, -1):
            gain = (52 - week) * 0.3  # a slow, noisy improvement over the year
            given = measurements.MeasureInput(
                at=(now - timedelta(weeks=week, hours=1)).isoformat(),
                angles=tuple(
                    (side, move, round(base + gain + rng.uniform(-2, 2)))
                    for side, move, base in (
                        ("left", "ir", 26),
                        ("right", "ir", 29),
                        ("left", "er", 38),
                        ("right", "er", 40),
                    )
                ),
            )
            measurements.record_measurements(ctx, given, now=now)
        return {"sessions": sessions, "segments": segments, "measurements": 53}
    finally:
        ctx.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data_dir: Path, port: int, workers: int = 1, database_url: str | None = None
) -> subprocess.Popen[bytes]:
    """`hipcoach serve` in its own process(es), as a person would start it."""
    env = {**os.environ, **settings_env(data_dir, database_url)}
    env.pop("HIPCOACH_TIME_SCALE", None)
    argv = [
        sys.executable, "-m", "hipcoach", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(base + "/api/v1/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer within 30 s")


@dataclass
class Tally:
    """What the clients saw in one phase: latencies (ms) and body bytes per kind, errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    body_bytes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    errors: dict[str, int] = field(default_factory=dict)
    reconnects: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def open_sessions(client: httpx.Client, count: int = LIVE_SESSIONS) -> list[tuple[str, int]]:
    """Start a few live sessions to save segments on: (id, segments that may be saved)."""
    live = []
    for _ in range(count):
        response = client.post("/api/v1/sessions", json={"routine_id": "rotation-circuit"})
        response.raise_for_status()
        body = response.json()
        # Never the last segment: saving it could end the session and later saves would 409.
        live.append((body["session_id"], len(body["timeline"]["segments"]) - 1))
    return live


def prepare(base: str, sessions: int = LIVE_SESSIONS) -> list[tuple[str, int]]:
    """Setup through httpx, outside the measurement: the live sessions and a first warm-up."""
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        live = open_sessions(client, sessions)
        for _ in range(5):
            client.get("/").raise_for_status()
        client.get("/api/v1/progress").raise_for_status()
    return live


# The measuring client: HTTP/1.1 on asyncio streams, one keep-alive connection per client and
# every request built once up front, so what is timed is the server and not an HTTP library.


class ServerClosedError(ConnectionError):
    """The server closed the connection before a single byte of the answer."""


def get_request(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n{AGENT}\r\n".encode()


def post_request(path: str, host: str, body: dict[str, object]) -> bytes:
    data = json.dumps(body, separators=(",", ":")).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n{AGENT}"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


def parse_head(head: bytes) -> tuple[int, int | None, bool, bool]:
    """Status line and headers: (status, Content-Length, chunked, the server keeps the socket)."""
    status_line, *lines = head.rstrip(b"\r\n").split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    if not version.startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    status = int(rest[:3])
    length: int | None = None
    chunked = False
    keep = version != b"HTTP/1.0"
    for line in lines:
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = value.split(b",")[-1].strip().lower() == b"chunked"
        elif name == b"connection":
            tokens = {token.strip().lower() for token in value.split(b",")}
            if b"close" in tokens:
                keep = False
            elif b"keep-alive" in tokens:
                keep = True
    return status, length, chunked, keep


async def read_chunked(reader: asyncio.StreamReader) -> int:
    """A chunked body, trailers included; returns its decoded size."""
    size = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        chunk = int(line.split(b";", 1)[0], 16)  # chunk extensions after ';' are ignored
        if chunk == 0:
            break
        data = await reader.readexactly(chunk + 2)
        if data[-2:] != b"\r\n":
            raise ValueError("a chunk not followed by CRLF")
        size += chunk
    while await reader.readuntil(b"\r\n") != b"\r\n":  # the trailer section ends on a blank line
        pass
    return size


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """One whole answer: (status, body bytes read, the connection may be reused)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise ServerClosedError("the server closed the connection before answering") from None
        raise
    status, length, chunked, keep = parse_head(head)
    while 100 <= status < 200:  # interim answers (100 Continue) carry no body
        status, length, chunked, keep = parse_head(await reader.readuntil(b"\r\n\r\n"))
    if status in (204, 304):
        return status, 0, keep
    if chunked:  # Transfer-Encoding wins over any Content-Length (RFC 9112, 6.3)
        return status, await read_chunked(reader), keep
    if length is not None:
        await reader.readexactly(length)  # raises IncompleteReadError on a short body
        return status, length, keep
    return status, len(await reader.read()), False  # no framing: the body runs to EOF


class Connection:
    """One keep-alive HTTP/1.1 connection; opened again when the server (or an error) ends it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0  # connections opened so far
        self.answered = 0  # answers read on the current one

    @property
    def alive(self) -> bool:
        return (
            self.reader is not None
            and self.writer is not None
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    async def open(self) -> None:
        self.close()
        self.opened += 1
        self.answered = 0
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> tuple[int, int, bool]:
        """Send one request and read its whole answer: (status, body bytes, keep-alive)."""
        if self.reader is None or self.writer is None:
            raise ConnectionError("the connection is not open")
        # One small request in flight per connection: the transport sends it at once, and the
        # answer is read before the next write, so there is nothing to drain.
        self.writer.write(request)
        answer = await read_response(self.reader)
        self.answered += 1
        return answer


@dataclass
class Window:
    """The clock: clients warm up until `measure_from` and start no request after `stop_at`."""

    measure_from: float
    stop_at: float


async def one_client(
    number: int,
    connection: Connection,
    requests: dict[str, bytes],
    saves: list[bytes],
    window: Window,
    warm: Tally,
    measured: Tally,
    think: float,
) -> None:
    """A closed loop: a request, its whole answer, the optional pause, the next request."""
    kinds = itertools.cycle(KINDS[number % 3 :] + KINDS[: number % 3])
    count = len(saves)
    index = number % count
    while (now := time.perf_counter()) < window.stop_at:
        tally = measured if now >= window.measure_from else warm
        kind = next(kinds)
        if kind == "segment":
            index = (index + 1) % count
            request = saves[index].replace(KEY_SLOT, uuid.uuid4().hex.encode())
        else:
            request = requests[kind]
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                if not connection.alive:
                    if connection.opened:
                        tally.reconnects += 1
                    await connection.open()
                started = time.perf_counter()
                try:
                    status, size, keep = await connection.exchange(request)
                except ServerClosedError:
                    if not connection.answered:
                        raise  # a fresh connection closed unanswered: that is an error
                    # The server closed the idle connection as this request went out: it never
                    # read it, so send it again on a new one, timed from that write.
                    tally.reconnects += 1
                    await connection.open()
                    started = time.perf_counter()
                    status, size, keep = await connection.exchange(request)
            elapsed = (time.perf_counter() - started) * 1000
        except (OSError, EOFError, ValueError, TimeoutError) as exc:
            # Socket errors, timeouts, short or malformed answers: the connection is unusable.
            connection.close()
            tally.error(f"{kind}: {type(exc).__name__}")
        else:
            if not keep:
                connection.close()  # Connection: close; the next request opens a new one
            tally.body_bytes[kind] += size
            if status >= 400:
                tally.error(f"{kind}: HTTP {status}")
            else:
                tally.latencies[kind].append(elapsed)
        # The pause ends at stop_at at the latest: no request follows it, and the wall time
        # should not include it.
        if think and (pause := min(think, window.stop_at - time.perf_counter())) > 0:
            await asyncio.sleep(pause)


async def load(
    port: int,
    live: list[tuple[str, int]],
    clients: int,
    seconds: float,
    warmup: float,
    think: float,
    save_keys: bool = True,
) -> tuple[Tally, Tally, float]:
    """Warm up for `warmup` s, then measure for `seconds`: (warm-up tally, measured, wall s)."""
    host = f"127.0.0.1:{port}"
    requests = {
        "today": get_request("/", host),
        "progress": get_request("/api/v1/progress", host),
    }
    saves = {
        session_id: [
            post_request(
                f"/api/v1/sessions/{session_id}/segments",
                host,
                {"index": index, "outcome": "completed", "elapsed_seconds": 10.0}
                | ({"save_key": KEY_SLOT.decode()} if save_keys else {}),
            )
            for index in range(count)
        ]
        for session_id, count in live
    }
    connections = [Connection("127.0.0.1", port) for _ in range(clients)]
    # Every connection is open before the clock starts (one that fails is retried, and counted,
    # by its client).
    await asyncio.gather(*(c.open() for c in connections), return_exceptions=True)
    warm, measured = Tally(), Tally()
    measure_from = time.perf_counter() + warmup
    window = Window(measure_from, measure_from + seconds)
    try:
        await asyncio.gather(
            *(
                one_client(
                    number,
                    connections[number],
                    requests,
                    saves[live[number % len(live)][0]],
                    window,
                    warm,
                    measured,
                    think,
                )
                for number in range(clients)
            )
        )
    finally:
        for connection in connections:
            connection.close()
    return warm, measured, time.perf_counter() - measure_from


def run_loop(coroutine: Coroutine[Any, Any, T]) -> tuple[T, str]:
    """Run the clients on uvloop where it is installed (a cheaper loop), else on asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine), "asyncio"
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine), "uvloop"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(
    warm: Tally,
    tally: Tally,
    wall: float,
    clients: int,
    warmup: float,
    loop: str,
    workers: int,
    kind: str,
    deadlocked: int | None,
) -> bool:
    warm_requests = sum(len(v) for v in warm.latencies.values())
    warm_errors = sum(warm.errors.values())
    print(
        f"\nwarm-up: {warm_requests} requests in {warmup:g} s, not counted"
        + (f"; its errors: {warm_errors} {warm.errors}" if warm_errors else "")
    )
    print(
        f"{clients} clients for {wall:.1f} s on loopback, `hipcoach serve --workers {workers}`"
        f" on {kind} (client: keep-alive HTTP/1.1 on {loop})"
    )
    print(
        f"{'kind':10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'>50ms':>7}"
    )
    everything: list[float] = []
    for kind in KINDS:
        values = tally.latencies[kind]
        everything += values
        slow = sum(1 for value in values if value > SLOW_MS)
        print(
            f"{kind:10} {len(values):9d} {len(values) / wall:8.1f} {percentile(values, 0.5):8.1f}"
            f" {percentile(values, 0.99):8.1f} {max(values, default=float('nan')):8.1f}"
            f" {slow:7d}"
        )
    p99 = percentile(everything, 0.99)
    slow = sum(1 for value in everything if value > SLOW_MS)
    print(
        f"{'overall':10} {len(everything):9d} {len(everything) / wall:8.1f}"
        f" {percentile(everything, 0.5):8.1f} {p99:8.1f} {max(everything, default=0):8.1f}"
        f" {slow:7d}"
    )
    if everything:
        print(f"mean latency {statistics.fmean(everything):.1f} ms")
    answered = {kind: len(tally.latencies[kind]) for kind in KINDS}
    sizes = ", ".join(
        f"{kind} {tally.body_bytes[kind] / answered[kind]:,.0f} B"
        for kind in KINDS
        if answered[kind]
    )
    print(f"body bytes read: {sum(tally.body_bytes.values()):,} (mean per answer: {sizes})")
    errors = sum(tally.errors.values())
    print(f"errors: {errors}" + (f" {tally.errors}" if errors else ""))
    print(f"reconnects: {tally.reconnects}")
    if deadlocked is not None:
        print(f"deadlocks (pg_stat_database, warm-up and run): {deadlocked}")
    ok = bool(everything) and p99 <= GOAL_P99_MS and errors == 0 and not deadlocked
    verdict = "PASS" if ok else "FAIL"
    also = " and no deadlocks" if deadlocked is not None else ""
    print(f"goal: p99 <= {GOAL_P99_MS:g} ms, no errors{also}: {verdict} (p99 {p99:.1f} ms)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--warmup-s", type=float, default=3.0, help="run the clients this long before measuring"
    )
    parser.add_argument("--sessions", type=int, default=250)
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each answer")
    parser.add_argument("--data-dir", type=Path, help="seed here, or reuse what was seeded here")
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (default: one per core here)"
    )
    parser.add_argument(
        "--live-sessions",
        type=int,
        default=LIVE_SESSIONS,
        help="sessions the clients save to, shared round (default 5: many players per session)",
    )
    parser.add_argument(
        "--no-save-keys",
        action="store_true",
        help="send segment saves without a save key (as a hipcoach before keys would take)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HIPCOACH_DATABASE_URL"),
        help="the journal's database (default: HIPCOACH_DATABASE_URL, else SQLite in the data "
        "folder); seeded unless it already holds sessions",
    )
    args = parser.parse_args()
    url, kind = args.database_url, database_kind(args.database_url)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch) / "data"
        started = time.perf_counter()
        if held := seeded_sessions(data_dir, url):
            print(f"reusing the {held} sessions seeded in {kind} ({url or data_dir})")
        else:
            figures = seed(data_dir, args.sessions, url)
            took = time.perf_counter() - started
            print(f"seeded {figures} in {took:.1f} s ({kind}, {url or data_dir})")
        if (autovacuum := vacuumed(url)) is not None:
            print(f"vacuumed the database before the run (its autovacuum is {autovacuum})")
        deadlocks_before = deadlocks(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(data_dir, port, args.workers, url)
        try:
            wait_ready(base, server)
            live = prepare(base, args.live_sessions)
            think = args.think_ms / 1000
            clients = load(
                port, live, args.clients, args.seconds, args.warmup_s, think, not args.no_save_keys
            )
            (warm, tally, wall), loop = run_loop(clients)
        finally:
            server.terminate()
            server.wait(timeout=10)
        # The server's connections are closed now, so PostgreSQL has counted what they saw.
        after = deadlocks(url)
    deadlocked = None if after is None or deadlocks_before is None else after - deadlocks_before
    ok = report(
        warm, tally, wall, args.clients, args.warmup_s, loop, args.workers, kind, deadlocked
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
