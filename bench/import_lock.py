"""How long an import holds the journal's write lock, while a session keeps saving its steps.

Builds exports of one, five and twenty years of daily practice from one real session
that hipcoach itself played and exported: a morning pry every day with every step
saved, a check-in before and after each, a measuring sitting every week (both hips'
internal rotation and pain), a readiness screen every 90 days and a year-long plan each
year. Each export is imported (`services.data.import_data`, what `hipcoach import`
runs) into a journal while another process keeps saving segments of a session of its
own through the journal with the normal busy timeout (store.engine, 5 s), as the
player does.

Prints, per export: its size and records, the import's time, its write transactions
and the longest of them (from the start of the transaction to its commit: an upper
bound on how long the write lock was held), and the writer's saves, its longest wait
and any error. Exits non-zero when a goal is missed:
- no import transaction holds the lock longer than HOLD_GOAL_S;
- the writer never gets an error ('database is locked' or any other);
- importing the same file again adds nothing: every record is already there.

    python bench/import_lock.py [--years 1,5,20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HOLD_GOAL_S = 1.0
WRITER_PAUSE_S = 0.01  # a save every 10 ms: far more often than the player's one per step
SEED = 12


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "hipcoach", *args], env=env, check=True, capture_output=True
    )


def seed_export(folder: Path) -> dict[str, Any]:
    """One real morning pry (screen, check-ins, every step) exported by hipcoach itself."""
    env = {**os.environ, "HIPCOACH_DATA_DIR": str(folder), "HIPCOACH_TIME_SCALE": "1000"}
    run(["screen", "--no-to-all"], env)
    answers = ["--pain-now", "1", "--pain-after", "1", "--effort", "5"]
    run(["start", "--plain", "--no-voice", *answers], env)
    out = folder / "one.json"
    run(["export", "--out", str(out)], env)
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def years_of_practice(seed: dict[str, Any], years: int) -> dict[str, Any]:
    """The seed's session played every day for `years` years, with what goes with it."""
    rng = random.Random(SEED)
    records = seed["records"]
    session = records["sessions"][0]
    steps = [e for e in records["segment_events"] if e["session_id"] == session["id"]]
    screen = records["screens"][0]
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    first = today - timedelta(days=365 * years)
    out: dict[str, list[dict[str, Any]]] = {
        "plans": [],
        "sessions": [],
        "segment_events": [],
        "screens": [],
        "checkins": [],
        "measurements": [],
    }
    ids = dict.fromkeys(out, 0)

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    plan_id = None
    for day in range((today - first).days):
        start = first + timedelta(days=day)
        if day % 364 == 0:
            plan_id = next_id("plans")
            out["plans"].append(
                {
                    "id": plan_id,
                    "goal_id": "unlock-stiff-hips",
                    "created_at": iso(start - timedelta(hours=1)),
                    "updated_at": iso(start - timedelta(hours=1)),
                    "start_date": start.date().isoformat(),
                    "weeks": 52,
                    "weekdays": "mon,tue,wed,thu,fri,sat,sun",
                    "time_of_day": "07:00",
                    "status": "ended",
                    "status_reason": None,
                }
            )
        if day % 90 == 0:
            out["screens"].append(
                {**screen, "id": next_id("screens"), "taken_at": iso(start - timedelta(hours=2))}
            )
        session_id = uuid.UUID(int=rng.getrandbits(128)).hex
        at = start
        for step in steps:
            at += timedelta(seconds=step["planned_seconds"])
            out["segment_events"].append(
                {
                    **step,
                    "id": next_id("segment_events"),
                    "session_id": session_id,
                    "recorded_at": iso(at),
                }
            )
        out["sessions"].append(
            {
                **session,
                "id": session_id,
                "started_at": iso(start),
                "updated_at": iso(at),
                "ended_at": iso(at),
                "plan_id": plan_id,
            }
        )
        for moment, when, fields in (
            ("before", start - timedelta(minutes=1), {"morning_after": "same", "effort": None}),
            ("after", at + timedelta(minutes=1), {"morning_after": None, "effort": 5}),
        ):
            out["checkins"].append(
                {
                    "id": next_id("checkins"),
                    "session_id": session_id,
                    "moment": moment,
                    "recorded_at": iso(when),
                    "pain": rng.randint(0, 3),
                    **fields,
                }
            )
        if day % 7 == 0:
            sitting = at + timedelta(minutes=5)
            for side in ("left", "right"):
                out["measurements"].append(
                    _measurement(next_id("measurements"), sitting, "rom", rng.randint(25, 40))
                    | {"side": side, "movement": "internal_rotation"}
                    | {"method": "inclinometer", "position": "seated"}
                )
            out["measurements"].append(
                _measurement(next_id("measurements"), sitting, "pain", rng.randint(0, 3))
                | {"unit": "nrs"}
            )
    out["plans"][-1]["status"] = "active"
    return {**seed, "records": out}


def _measurement(id_: int, at: datetime, kind: str, value: int) -> dict[str, Any]:
    return {
        "id": id_,
        "measured_at": iso(at),
        "recorded_at": iso(at),
        "kind": kind,
        "value": float(value),
        "unit": "deg",
        "side": None,
        "movement": None,
        "method": None,
        "position": None,
        "note": None,
    }


def writer(url: str, stop: Any, ready: Any, results: Any) -> None:
    """In its own process: save a segment every WRITER_PAUSE_S until told to stop."""
    from hipcoach.store import Journal, create_engine_for

    journal = Journal(create_engine_for(url))
    profile = journal.ensure_profile("local").id
    saves, errors, longest = 0, [], 0.0
    session_id, index = "", 10**9
    while not stop.is_set():
        if index >= 9_000:
            session_id = journal.start_session(
                profile, "morning-pry", "Morning pry", {}, "f00d", 10_000, 36_000
            )
            index = 0
        began = time.perf_counter()
        try:
            journal.record_segment(
                session_id, index, "hold", "contralateral-pry", "left", "completed", 30, 30.0
            )
            saves += 1
        except Exception as exc:  # what the bench watches for: any error at all
            errors.append(f"{type(exc).__name__}: {exc}")
        longest = max(longest, time.perf_counter() - began)
        index += 1
        if saves == 5:
            ready.set()
        time.sleep(WRITER_PAUSE_S)
    results.put({"saves": saves, "errors": errors, "longest_wait_s": longest})


def import_once(folder: Path, document: dict[str, Any]) -> dict[str, Any]:
    from hipcoach.services.context import Context
    from hipcoach.services.data import import_data
    from hipcoach.settings import Settings

    data_dir = folder / "data"
    path = folder / "export.json"
    path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
    with Context(settings) as ctx:
        ctx.profile_id  # noqa: B018 - creates the journal and its profile before the writer
        url = str(ctx.journal.engine.url)
    spawn = multiprocessing.get_context("spawn")
    stop, ready, results = spawn.Event(), spawn.Event(), spawn.Queue()
    process = spawn.Process(target=writer, args=(url, stop, ready, results))
    process.start()
    if not ready.wait(60):
        raise RuntimeError("the writer did not start")
    began = time.perf_counter()
    with Context(settings) as ctx:
        result = import_data(ctx, path)
    seconds = time.perf_counter() - began
    time.sleep(0.2)
    stop.set()
    written = results.get(timeout=60)
    process.join(30)
    summary = result.summary
    # The same file again: every record is already there, and nothing is written.
    began = time.perf_counter()
    with Context(settings) as ctx:
        again = import_data(ctx, path).summary
    again_seconds = time.perf_counter() - began
    return {
        "again_s": again_seconds,
        "again_added": again.total,
        "again_there": again.total_already_there,
        "file_mb": path.stat().st_size / 1024 / 1024,
        "records": summary.total,
        "import_s": seconds,
        "transactions": summary.transactions,
        "longest_hold_s": summary.longest_write_seconds,
        **written,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", default="1,5,20")
    parser.add_argument("--keep", type=Path, help="keep the data folders here")
    options = parser.parse_args()
    root = options.keep or Path(tempfile.mkdtemp(prefix="hipcoach-import-lock-"))
    root.mkdir(parents=True, exist_ok=True)
    seed = seed_export(root / "seed")
    failed = False
    print(f"goal: every import transaction under {HOLD_GOAL_S:.1f} s; the writer never fails")
    for years in (int(y) for y in options.years.split(",")):
        folder = root / f"{years}y"
        folder.mkdir()
        figures = import_once(folder, years_of_practice(seed, years))
        ok = figures["longest_hold_s"] <= HOLD_GOAL_S and not figures["errors"]
        failed |= not ok
        print(
            f"{years:>2} years: {figures['file_mb']:6.1f} MB, {figures['records']:>7,} records "
            f"in {figures['import_s']:5.1f} s, {figures['transactions']:>5} transactions, "
            f"longest {figures['longest_hold_s'] * 1000:5.0f} ms; writer: "
            f"{figures['saves']:>5} saves, longest wait {figures['longest_wait_s'] * 1000:5.0f} ms,"
            f" {len(figures['errors'])} errors {'ok' if ok else 'MISSED'}"
        )
        ok_again = figures["again_added"] == 0 and figures["again_there"] == figures["records"]
        failed |= not ok_again
        print(
            f"          the same file again: {figures['again_there']:,} records already there, "
            f"{figures['again_added']} added, in {figures['again_s']:5.1f} s "
            f"{'ok' if ok_again else 'MISSED'}"
        )
        for error in figures["errors"][:5]:
            print(f"    writer error: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
