"""The web server under load: a year of one person's data on SQLite, 50 clients on loopback.

Seeds a plan, about 250 sessions with every segment saved, a check-in before and after each,
and weekly measurements, through the services and the store; starts `uvicorn` with one worker
on 127.0.0.1; then runs N concurrent clients for a fixed time against a mix of the today page
(GET /), segment saves on live sessions (POST /api/v1/sessions/{id}/segments) and the progress
data (GET /api/v1/progress). Prints requests per second, p50/p99 latency per kind and overall,
and errors. Goal: p99 <= 50 ms and no errors.

    python bench/web_load.py [--clients 50] [--seconds 30] [--sessions 250] [--think-ms 0]

By default each client sends its next request as soon as the last one answers (a closed loop,
like `wrk -c 50`), so latency is at least clients / throughput; --think-ms adds a pause
after each answer, closer to a person whose player saves a segment every few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

GOAL_P99_MS = 50.0
LIVE_SESSIONS = 5
KINDS = ("today", "segment", "progress")


def seed(data_dir: Path, sessions: int) -> dict[str, int]:
    """A realistic year of one person's journal, written through the services and the store."""
    from hipcoach.domain.compiler import CompileOptions
    from hipcoach.services import checkins, measurements, programs
    from hipcoach.services.context import Context
    from hipcoach.services.screening import screening_form, take_screen
    from hipcoach.services.sessions import plan_routine
    from hipcoach.settings import Settings

    rng = random.Random(2026)  # seeded: every run seeds the same year
    ctx = Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)}))
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


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """uvicorn with one worker in its own process, so the clients do not share its GIL."""
    env = {**os.environ, "HIPCOACH_DATA_DIR": str(data_dir)}
    env.pop("HIPCOACH_TIME_SCALE", None)
    argv = [
        sys.executable, "-m", "uvicorn", "--factory", "hipcoach.web:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(argv, env=env)


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
    """Latencies (ms) per kind and the errors seen."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def open_sessions(client: httpx.AsyncClient) -> list[tuple[str, int]]:
    """Start a few live sessions to save segments on: (id, segments that may be saved)."""
    live = []
    for _ in range(LIVE_SESSIONS):
        response = await client.post("/api/v1/sessions", json={"routine_id": "rotation-circuit"})
        response.raise_for_status()
        body = response.json()
        # Never the last segment: saving it could end the session and later saves would 409.
        live.append((body["session_id"], len(body["timeline"]["segments"]) - 1))
    return live


async def one_client(
    number: int,
    client: httpx.AsyncClient,
    live: list[tuple[str, int]],
    stop_at: float,
    tally: Tally,
    think: float,
) -> None:
    kinds = itertools.cycle(KINDS[number % 3 :] + KINDS[: number % 3])
    session_id, count = live[number % len(live)]
    index = number % count
    while time.perf_counter() < stop_at:
        kind = next(kinds)
        if kind == "today":
            request = client.build_request("GET", "/")
        elif kind == "progress":
            request = client.build_request("GET", "/api/v1/progress")
        else:
            index = (index + 1) % count
            body = {"index": index, "outcome": "completed", "elapsed_seconds": 10.0}
            request = client.build_request(
                "POST", f"/api/v1/sessions/{session_id}/segments", json=body
            )
        started = time.perf_counter()
        try:
            response = await client.send(request)
            await response.aread()
        except httpx.HTTPError as exc:
            tally.error(f"{kind}: {type(exc).__name__}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 400:
            tally.error(f"{kind}: HTTP {response.status_code}")
        else:
            tally.latencies[kind].append(elapsed)
        if think:
            await asyncio.sleep(think)


async def load(base: str, clients: int, seconds: float, think: float) -> tuple[Tally, float]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        live = await open_sessions(client)
        # A short warm-up fills the caches the way a running server has them.
        await asyncio.gather(*(client.get("/") for _ in range(5)))
        await client.get("/api/v1/progress")
        tally = Tally()
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(
            *(one_client(n, client, live, stop_at, tally, think) for n in range(clients))
        )
        return tally, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(tally: Tally, wall: float, clients: int) -> bool:
    print(f"\n{clients} clients for {wall:.1f} s on loopback, one uvicorn worker")
    print(f"{'kind':10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    everything: list[float] = []
    for kind in KINDS:
        values = tally.latencies[kind]
        everything += values
        print(
            f"{kind:10} {len(values):9d} {len(values) / wall:8.1f} {percentile(values, 0.5):8.1f}"
            f" {percentile(values, 0.99):8.1f} {max(values, default=float('nan')):8.1f}"
        )
    p99 = percentile(everything, 0.99)
    print(
        f"{'overall':10} {len(everything):9d} {len(everything) / wall:8.1f}"
        f" {percentile(everything, 0.5):8.1f} {p99:8.1f} {max(everything, default=0):8.1f}"
    )
    if everything:
        print(f"mean latency {statistics.fmean(everything):.1f} ms")
    errors = sum(tally.errors.values())
    print(f"errors: {errors}" + (f" {tally.errors}" if errors else ""))
    ok = bool(everything) and p99 <= GOAL_P99_MS and errors == 0
    verdict = "PASS" if ok else "FAIL"
    print(f"goal: p99 <= {GOAL_P99_MS:g} ms and no errors: {verdict} (p99 {p99:.1f} ms)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sessions", type=int, default=250)
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each answer")
    parser.add_argument("--data-dir", type=Path, help="seed here, or reuse what was seeded here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch) / "data"
        started = time.perf_counter()
        if (data_dir / "hipcoach.db").exists():
            print(f"reusing the data seeded in {data_dir}")
        else:
            figures = seed(data_dir, args.sessions)
            took = time.perf_counter() - started
            print(f"seeded {figures} in {took:.1f} s (SQLite, {data_dir})")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(data_dir, port)
        try:
            wait_ready(base, server)
            think = args.think_ms / 1000
            tally, wall = asyncio.run(load(base, args.clients, args.seconds, think))
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0 if report(tally, wall, args.clients) else 1


if __name__ == "__main__":
    sys.exit(main())
