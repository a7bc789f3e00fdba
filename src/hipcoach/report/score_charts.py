"""Charts of scores over time: pain, the global rating, the sit-tall check and the PSFS."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hipcoach.report.charts import (
    SIDE_COLOUR,
    dates,
    drawing,
    empty,
    end_labels,
    figure_for,
    time_span,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from hipcoach.services.progress import ProgressView


def scores_figure(view: ProgressView, into: Figure | SubFigure | None = None) -> Any:
    """Pain, the global rating, and the sit-tall check (labelled as hipcoach's own score)."""
    span = time_span(view)
    with drawing():
        figure = figure_for(6.6, into)
        pain_ax, global_ax, sit_ax = figure.subplots(3, 1)
        _series(pain_ax, [view.pain.points], (0, 10), ["#CC79A7"], span)
        pain_ax.set_title("Hip pain right now (0 = none, 10 = worst imaginable)")
        _series(global_ax, [view.global_rating.points], (0, 100), ["#009E73"], span)
        global_ax.set_title("How normal the hip feels (0-100)")
        sides = list(view.sit_tall)
        _series(
            sit_ax,
            [view.sit_tall[s].points for s in sides],
            (0, 4),
            [SIDE_COLOUR[s] for s in sides],
            span,
            [f"{s.value} leg in front" for s in sides],
        )
        own = ": not a validated test" if view.sit_tall_own_score else ""
        sit_ax.set_title(f"{view.sit_tall_label}{own}")
    return figure


def _series(
    ax: Axes,
    lines: list[Any],
    scale: tuple[float, float],
    colours: list[str],
    span: tuple[datetime, datetime],
    labels: list[str] | None = None,
) -> None:
    """Score lines on a fixed scale (so 2/10 never looks like a lot)."""
    if not any(lines):
        empty(ax, "nothing recorded yet")
        return
    for n, points in enumerate(lines):
        if points:
            xs: Any = [p[0] for p in points]
            # Later lines are drawn thinner on top, so equal scores still show both colours.
            wide = len(lines) > 1 and n == 0
            ax.plot(
                xs,
                [p[1] for p in points],
                "-o",
                color=colours[n],
                ms=7 if wide else 4,
                lw=4.5 if wide else 1.8,
                alpha=0.55 if wide else 1.0,
                label=labels[n] if labels else None,
            )
    ax.set_ylim(scale[0] - scale[1] * 0.05, scale[1] * 1.05)
    # Whole-number scales get whole-number ticks: 0, 2, 4 ... 10, or 0-4 for the sit-tall check.
    step = {4: 1, 10: 2, 100: 25}.get(int(scale[1]), 1)
    ax.set_yticks(range(int(scale[0]), int(scale[1]) + 1, step))
    ax.grid(axis="y", color="#ddd", lw=0.6)
    if labels:
        ax.legend(loc="lower left", fontsize=8, ncols=len(labels))
    dates(ax, span)


def psfs_figure(view: ProgressView, into: Figure | SubFigure | None = None) -> Any:
    """The PSFS score over time, each activity faintly behind it, with the meaningful band."""
    s = view.psfs
    with drawing():
        figure = figure_for(3.4, into)
        ax = figure.subplots()
        ax.set_title("Patient-Specific Functional Scale: your activities, 0-10")
        if not s.points:
            empty(ax, "No PSFS yet: add one with hipcoach measure --psfs 'activity=score'")
            return figure
        if s.first is not None and s.meaningful_change:
            low, high = s.first - s.meaningful_change, s.first + s.meaningful_change
            ax.axhspan(
                max(low, 0),
                min(high, 10),
                color="#999",
                alpha=0.12,
                lw=0,
                label=f"within {s.meaningful_change:g} points of the first score",
            )
        activities: dict[str, list[tuple[Any, int]]] = {}
        for response in view.psfs_responses:
            for item in response.items:
                activities.setdefault(item.activity, []).append((response.answered_at, item.score))
        ends = []
        for name, pts in activities.items():
            xs: Any = [p[0] for p in pts]
            ax.plot(xs, [p[1] for p in pts], "--", lw=0.9, color="#888")
            short = name if len(name) <= 28 else name[:27] + "…"
            ends.append((pts[-1][0], float(pts[-1][1]), short, "#555"))
        ax.set_ylim(-0.4, 10.4)
        end_labels(ax, ends, 0.55, 7.5)
        xs = [p[0] for p in s.points]
        ax.plot(
            xs,
            [p[1] for p in s.points],
            "-o",
            color="#0072B2",
            lw=2.4,
            ms=5,
            label="PSFS score (average)",
        )
        ax.grid(axis="y", color="#ddd", lw=0.6)
        ax.legend(loc="lower left", fontsize=8, ncols=2)
        start, end = time_span(view)
        # Activity names need room right of the last answer.
        dates(ax, (start, end + (end - start) * 0.15))
    return figure
