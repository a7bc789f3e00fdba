"""The largest import the server takes, as a person sends it: memory, time, and who waits.

Builds a valid hipcoach export just under the import limit (50 MB: about 6,000 sessions
with every step, most of two decades of daily practice) from one real session, starts
`hipcoach serve` on an empty data folder, and sends the file to POST /api/v1/import
while a second client keeps loading the Today page. Then sends a file one byte over the
limit, with its length, and checks it is refused at once without the server growing.

Prints the file size, the import's time, the server's resident memory before and at its
peak (VmHWM), and the Today page's latency while the import ran. Exits non-zero when a
goal is missed:
- the import is taken (200) and the over-limit file refused with 413 in under 1 s;
- the server's peak memory grows by at most GROWTH_GOAL times the file's size, and the
  import's own process (web.importing) peaks under CHILD_GOAL_MB;
- no Today request waits longer than TODAY_MAX_MS while the import runs.

    python bench/import_limits.py [--size-mb 49.5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

LIMIT_BYTES = 50 * 1024 * 1024
GROWTH_GOAL = 2.0  # the server's peak resident memory added, as a multiple of the file's size
CHILD_GOAL_MB = 1024.0  # the import's own process, at its peak
TODAY_MAX_MS = 500.0
ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "hipcoach", *args], env=env, check=True, capture_output=True
    )


def seed_export(folder: Path) -> dict[str, Any]:
    """One real session (screen, check-ins, every step) exported by hipcoach itself."""
    env = {**os.environ, "HIPCOACH_DATA_DIR": str(folder), "HIPCOACH_TIME_SCALE": "1000"}
    run(["screen", "--no-to-all"], env)
    answers = ["--pain-now", "1", "--morning-after", "same", "--pain-after", "1", "--effort", "5"]
    run(["start", "--plain", "--no-voice", *answers], env)
    out = folder / "one.json"
    run(["export", "--out", str(out)], env)
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def grow(document: dict[str, Any], target_bytes: int) -> bytes:
    """The export with its session repeated on earlier days until it nears `target_bytes`."""
    records = document["records"]
    session = records["sessions"][0]
    steps = [e for e in records["segment_events"] if e["session_id"] == session["id"]]
    checkins = [c for c in records["checkins"] if c["session_id"] == session["id"]]
    per_copy = len(json.dumps({"s": session, "e": steps, "c": checkins}, separators=(",", ":")))
    # Ids and times keep their length when copied; 2% spare covers the ids' extra digits.
    copies = max(1, int((target_bytes - 20_000) * 0.98) // per_copy)
    next_step = max(e["id"] for e in records["segment_events"]) + 1
    next_checkin = max(c["id"] for c in records["checkins"]) + 1
    for n in range(1, copies):
        shift = timedelta(days=n)
        new_id = uuid.uuid4().hex
        records["sessions"].append(
            {
                **session,
                "id": new_id,
                **_shifted(session, shift, "started_at", "updated_at", "ended_at"),
            }
        )
        for step in steps:
            records["segment_events"].append(
                {
                    **step,
                    "id": next_step,
                    "session_id": new_id,
                    **_shifted(step, shift, "recorded_at"),
                }
            )
            next_step += 1
        for checkin in checkins:
            records["checkins"].append(
                {
                    **checkin,
                    "id": next_checkin,
                    "session_id": new_id,
                    **_shifted(checkin, shift, "recorded_at"),
                }
            )
            next_checkin += 1
    data = json.dumps(document, separators=(",", ":")).encode()
    while len(data) > target_bytes:  # the estimate ran over: drop whole sessions from the end
        dropped = records["sessions"].pop()
        records["segment_events"] = [
            e for e in records["segment_events"] if e["session_id"] != dropped["id"]
        ]
        records["checkins"] = [c for c in records["checkins"] if c["session_id"] != dropped["id"]]
        data = json.dumps(document, separators=(",", ":")).encode()
    return data


def _shifted(record: dict[str, Any], shift: timedelta, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = record.get(name)
        if value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")) - shift
            out[name] = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPCOACH_")}
    env["HIPCOACH_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "hipcoach", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def announce_only(base: str, length: int) -> tuple[int, str]:
    """Send an import's headers declaring `length` bytes, and none of the body."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /api/v1/import HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode(errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=49.5)
    parser.add_argument("--keep", type=Path, help="keep the data folders here")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="hipcoach-import-bench-"))
    folder.mkdir(parents=True, exist_ok=True)

    made = time.perf_counter()
    data = grow(seed_export(folder / "seed"), int(options.size_mb * 1024 * 1024))
    path = folder / "export.json"
    path.write_bytes(data)
    counts = {k: len(v) for k, v in json.loads(data)["records"].items()}
    print(
        f"export: {len(data) / 2**20:.1f} MB, {counts['sessions']} sessions, "
        f"{counts['segment_events']} steps (built in {time.perf_counter() - made:.1f} s)"
    )

    process, base = start_server(folder / "server")
    failures: list[str] = []
    try:
        rss_before = memory_kb(process.pid, "VmRSS")
        latencies: list[float] = []
        done = threading.Event()

        child_peak_kb = [0]
        imported_at: list[float | None] = [None]
        after: list[float] = []  # the first load once the import is in: a recompute

        def load_today() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while not done.is_set():
                    began = time.perf_counter()
                    client.get("/")
                    if imported_at[0] is None or began < imported_at[0]:
                        latencies.append((time.perf_counter() - began) * 1000)
                    elif not after:
                        after.append((time.perf_counter() - began) * 1000)
                    for child in children(process.pid):
                        # It may end between the listing and the reading.
                        with contextlib.suppress(OSError, RuntimeError):
                            child_peak_kb[0] = max(child_peak_kb[0], memory_kb(child, "VmHWM"))
                    time.sleep(0.02)

        watcher = threading.Thread(target=load_today)
        watcher.start()
        time.sleep(0.5)
        began = time.perf_counter()
        with path.open("rb") as body, httpx.Client(base_url=base, timeout=600) as client:
            answer = client.post(
                "/api/v1/import", content=body, headers={"Content-Type": "application/json"}
            )
        imported_at[0] = time.perf_counter()
        took = imported_at[0] - began
        time.sleep(0.3)
        done.set()
        watcher.join()
        peak = memory_kb(process.pid, "VmHWM")
        growth = (peak - rss_before) * 1024 / len(data)
        said = f"{answer.json()['total']} records" if answer.status_code == 200 else answer.text
        print(f"import: HTTP {answer.status_code} in {took:.1f} s; {said[:200]}")
        print(
            f"server memory: {rss_before / 1024:.0f} MB before, {peak / 1024:.0f} MB at its peak "
            f"(+{(peak - rss_before) / 1024:.0f} MB, {growth:.1f}x the file; "
            f"goal <= {GROWTH_GOAL:g}x)"
        )
        child_mb = child_peak_kb[0] / 1024
        print(f"the import's own process: {child_mb:.0f} MB at its peak (goal < {CHILD_GOAL_MB:g})")
        ordered = sorted(latencies)
        print(
            f"Today while importing: {len(ordered)} loads, "
            f"median {statistics.median(ordered):.1f} ms, "
            f"p99 {ordered[int(len(ordered) * 0.99) - 1]:.1f} ms, max {ordered[-1]:.1f} ms "
            f"(goal: max <= {TODAY_MAX_MS:g} ms)"
        )
        if after:
            print(
                f"the first Today load after it, over all the imported history: {after[0]:.0f} ms"
            )
        if answer.status_code != 200:
            failures.append(f"the import answered {answer.status_code}")
        if growth > GROWTH_GOAL:
            failures.append(f"the server's memory grew {growth:.1f}x the file")
        if not 0 < child_mb < CHILD_GOAL_MB:
            failures.append(f"the import's process peaked at {child_mb:.0f} MB (or was not seen)")
        if ordered[-1] > TODAY_MAX_MS:
            failures.append(f"a Today load waited {ordered[-1]:.0f} ms")

        # One byte over, with its length: refused before a byte of it is read.
        began = time.perf_counter()
        status, text = announce_only(base, LIMIT_BYTES + 1)
        refused_in = time.perf_counter() - began
        print(f"over the limit: HTTP {status} in {refused_in * 1000:.0f} ms: {text[:120]}")
        if status != 413 or refused_in > 1:
            failures.append("a file over the limit was not refused at once")
    finally:
        process.terminate()
        process.wait(timeout=15)
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print("OK: every goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
