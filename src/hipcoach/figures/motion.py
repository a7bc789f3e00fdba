"""Keyframes to an animation cycle: poses sampled at even steps, eased between keys."""

from __future__ import annotations

from itertools import pairwise

from hipcoach.figures.body import Pose

FRAMES = 25  # one cycle: enough for smooth joints, small enough for a light SVG


def _ease(t: float) -> float:
    """Smoothstep: a movement starts and ends gently, as a controlled lift does."""
    return t * t * (3.0 - 2.0 * t)


def sample(base: Pose, keys: list[tuple[float, Pose]], frames: int = FRAMES) -> tuple[Pose, ...]:
    """One cycle from `base` through `keys` (time in 0..1, in order) and back to `base`."""
    if not keys:
        return (base,)
    track = [(0.0, base), *keys, (1.0, base)]
    out = []
    for n in range(frames):
        t = n / (frames - 1)
        for (t0, p0), (t1, p1) in pairwise(track):
            if t0 <= t <= t1:
                span = t1 - t0
                out.append(p0.blend(p1, _ease((t - t0) / span) if span > 0 else 1.0))
                break
    return tuple(out)
