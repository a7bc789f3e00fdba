"""Exercise figures drawn from a parametric body model: joint angles to SVG.

`body` (forward kinematics), `camera` (orthographic projection), `motion`
(keyframes to a cycle) and `svg` (drawing) are pure; `poses` loads the data in
`library/figures.toml`. Use `figure_svg` to get an exercise's drawing.
"""

from __future__ import annotations

from functools import lru_cache

from hipcoach.figures.poses import shipped_figures

__all__ = ["figure_ids", "figure_svg"]


def figure_ids() -> list[str]:
    """The exercise ids that have a figure."""
    return sorted(shipped_figures().scenes)


@lru_cache(maxsize=64)
def figure_svg(exercise_id: str, still: bool = False) -> str:
    """An exercise's figure as SVG text (animated unless `still`); KeyError when it has none."""
    from hipcoach.figures.svg import render

    return render(shipped_figures().scene(exercise_id), still=still)
