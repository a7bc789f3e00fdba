"""Start-up cost of every read command against a bare interpreter, measured in one run.

Seeds a year of one person's journal first (bench/web_load.py's seed: a plan, about 250
sessions with their check-ins, weekly measurements), so `today`, `progress` and
`history` read what a person who uses hipcoach daily has. Prints the median wall time of
each command over N runs and its ratio to `python -c pass` (this interpreter, not a
shim), and exits non-zero when a command misses the goal: each ratio <= 8x.

    python bench/startup.py [--runs 31] [--sessions 250]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from web_load import seed  # the same year of data the load benchmark serves

GOAL_RATIO = 8.0
# Every command that only reads, as a person types it (with a year of data behind it).
READ_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("exercises",),
    ("routines",),
    ("exercise", "show", "90-90-setup"),
    ("routine", "show", "morning-pry", "--json"),
    ("info",),
    ("today",),
    ("history",),
    ("progress",),
    ("plan", "show"),
    ("plan", "goals"),
    ("screen", "--show"),
    ("preferences",),
    ("devices", "list"),
    ("doctor",),
)


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--sessions", type=int, default=250, help="sessions in the seed")
    args = parser.parse_args()
    hipcoach = str(Path(sys.executable).with_name("hipcoach"))
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        seed(data_dir, args.sessions)
        env = {**os.environ, "HIPCOACH_DATA_DIR": str(data_dir)}
        env.pop("HIPCOACH_DATABASE_URL", None)  # the seeded SQLite journal, whatever is set
        commands = {"python -c pass": [sys.executable, "-c", "pass"]}
        for words in READ_COMMANDS:
            commands[f"hipcoach {' '.join(words)}"] = [hipcoach, *words]
        # One untimed run of each fills the OS file cache and the library cache.
        for argv in commands.values():
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        # Round-robin, so a busy spell on the machine lands on every command alike.
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                samples[name].append(timed(argv, env))
        medians = {name: statistics.median(times) for name, times in samples.items()}
        baseline = medians["python -c pass"]
        print(f"runs per command: {args.runs} (interleaved); Python {sys.version.split()[0]}")
        print(f"{'command':45} {'median ms':>10} {'ratio':>7}")
        worst = 0.0
        for name, seconds in medians.items():
            ratio = seconds / baseline
            worst = max(worst, ratio)
            print(f"{name:45} {seconds * 1000:10.1f} {ratio:6.1f}x")
    verdict = "PASS" if worst <= GOAL_RATIO else "FAIL"
    print(f"goal: every ratio <= {GOAL_RATIO:g}x -> {verdict} (worst {worst:.1f}x)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
