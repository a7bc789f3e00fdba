"""How late do cues come, and does a session drift? Measured on the real monotonic clock.

Plays a 300-segment session of 1 s segments through SessionRunner with the same
loop the plain player uses (sleep until next_deadline(), then poll). Session
time runs on a ScaledClock (10x by default, so about 30 s of wall time), which
sleeps exactly as MonotonicClock does; lateness is reported in real
milliseconds, which is what a person on the floor would hear.

    .venv/bin/python bench/scheduler_accuracy.py [--segments 300] [--scale 10]

Goals: SegmentStarted lateness p99 <= 5 ms, and the session's end <= 5 ms late.
Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time

from hipcoach.domain.routine import Side
from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline
from hipcoach.player import ScaledClock, SegmentStarted, SessionFinished, SessionRunner

GOAL_P99_MS = 5.0
GOAL_END_DRIFT_MS = 5.0
KINDS = (SegmentKind.GET_READY, SegmentKind.HOLD, SegmentKind.REST)


def build_timeline(count: int, seconds: int) -> SessionTimeline:
    """`count` back-to-back segments of `seconds` each, cycling get-ready, hold, rest."""
    segments = tuple(
        Segment(
            index=i,
            start=i * seconds,
            duration=seconds,
            kind=KINDS[i % len(KINDS)],
            exercise_id="bench",
            exercise_name="Bench",
            side=Side.RIGHT,
            text=f"Segment {i}",
            cue="",
            spoken="",
            beep_seconds=min(3, seconds) if KINDS[i % len(KINDS)] is SegmentKind.HOLD else 0,
        )
        for i in range(count)
    )
    return SessionTimeline("bench", "Bench", (Side.RIGHT,), segments)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=1, help="length of each segment")
    parser.add_argument("--scale", type=float, default=10.0, help="session seconds per real one")
    args = parser.parse_args(argv)

    timeline = build_timeline(args.segments, args.seconds)
    clock = ScaledClock(args.scale)
    runner = SessionRunner(timeline, clock)
    plan_base = clock.now()  # the plan: segment i starts at plan_base + its offset
    runner.start()
    started_late: list[float] = []  # real ms
    worst_at = (0.0, -1)  # (lateness, segment index)
    every_late: list[float] = []
    end_drift_ms = math.nan
    wall_start = time.monotonic()
    while True:
        events = runner.poll()
        now = clock.now()
        for event in events:
            # Every event carries its plan offset: lateness is now minus plan, in real ms.
            late_ms = (now - (plan_base + event.at)) / args.scale * 1000
            every_late.append(late_ms)
            if isinstance(event, SegmentStarted):
                started_late.append(late_ms)
                worst_at = max(worst_at, (late_ms, event.segment.index))
            elif isinstance(event, SessionFinished):
                end_drift_ms = late_ms
        if runner.finished:
            break
        deadline = runner.next_deadline()
        assert deadline is not None
        clock.sleep_until(deadline)
    wall = time.monotonic() - wall_start

    started_late.sort()
    every_late.sort()
    p50 = percentile(started_late, 0.50)
    p99 = percentile(started_late, 0.99)
    worst = started_late[-1]
    print(f"scheduler accuracy: {platform.python_implementation()} {platform.python_version()}")
    print(
        f"  {args.segments} segments x {args.seconds} s = {timeline.total_seconds} s session, "
        f"scale {args.scale:g}x, {wall:.1f} s wall, real monotonic clock"
    )
    print(f"  SegmentStarted lateness ({len(started_late)} cues, real ms):")
    print(f"    p50 {p50:.3f}   p99 {p99:.3f}   max {worst:.3f} (segment {worst_at[1]})")
    print(
        f"  every event ({len(every_late)}: starts, ticks, beeps, ends): "
        f"p99 {percentile(every_late, 0.99):.3f}   max {every_late[-1]:.3f}"
    )
    print(f"  end drift (session end vs plan, real ms): {end_drift_ms:.3f}")
    ok_p99 = p99 <= GOAL_P99_MS
    ok_end = abs(end_drift_ms) <= GOAL_END_DRIFT_MS
    print(f"  goal p99 <= {GOAL_P99_MS:g} ms: {'PASS' if ok_p99 else 'FAIL'}")
    print(f"  goal end drift <= {GOAL_END_DRIFT_MS:g} ms: {'PASS' if ok_end else 'FAIL'}")
    return 0 if ok_p99 and ok_end else 1


if __name__ == "__main__":
    sys.exit(main())
