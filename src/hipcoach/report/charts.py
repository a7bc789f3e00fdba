"""The report's charts, drawn with matplotlib on the Agg canvas (no display needed).

matplotlib is imported inside the functions: it takes most of a second to
load, and only `hipcoach progress --out` needs it. Figures are built with the
object API, never pyplot, so no global state or GUI backend is involved.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from hipcoach.domain.insights import Trend
from hipcoach.domain.measurements import HipSide, Method, Movement, Position
from hipcoach.report.words import MOVEMENT, band_range, deg, how

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from hipcoach.services.progress import ProgressView

# Okabe-Ito colours: told apart by people with colour-blindness, and in greyscale print.
SIDE_COLOUR = {HipSide.RIGHT: "#D55E00", HipSide.LEFT: "#0072B2"}
BAND_COLOUR = "#009E73"
WIDTH = 10.0  # inches; the HTML scales the image down to the page
_STYLE: Any = {
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "legend.frameon": False,
    "svg.fonttype": "path",
}


@contextmanager
def drawing() -> Iterator[None]:
    """House style, and no noise from fonts lacking a glyph a person typed (an emoji, say)."""
    import matplotlib

    with matplotlib.rc_context(_STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure on the Agg canvas, laid out by matplotlib's constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def figure_for(height: float, into: Figure | SubFigure | None) -> Figure | SubFigure:
    """`into` when drawing into a page, else a new figure `height` inches tall."""
    return into if into is not None else new_figure(WIDTH, height)


def empty(ax: Axes, message: str) -> None:
    """An axis that only says why it is empty."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def end_labels(
    ax: Axes, labels: list[tuple[Any, float, str, str]], gap: float, size: float = 8
) -> None:
    """Labels right of the lines' last points, spread apart so none prints over another.

    Each label is (x, y, text, colour); `gap` is the least distance between
    labels in data units. Labels keep their order and move as little as needed.
    """
    from matplotlib.transforms import offset_copy

    placed: list[float] = []
    for _, y, _, _ in sorted(labels, key=lambda label: label[1]):
        placed.append(max(y, placed[-1] + gap) if placed else y)
    # Pushing up may run past the top: shift the stack down again, as a whole.
    top = ax.get_ylim()[1] - gap / 2
    if placed and placed[-1] > top:
        placed = [y - (placed[-1] - top) for y in placed]
    # A subfigure's `.figure` is the page it sits on; a figure's is itself.
    root = cast("Figure", getattr(ax.figure, "figure", ax.figure))
    shifted = offset_copy(ax.transData, fig=root, x=6, units="points")
    ordered = sorted(labels, key=lambda label: label[1])
    for (x, _, text, colour), y in zip(ordered, placed, strict=True):
        ax.text(
            x,
            y,
            text,
            transform=shifted,
            va="center",
            fontsize=size,
            color=colour,
            fontweight="bold" if size >= 9 else "normal",
        )


def time_span(view: ProgressView) -> tuple[datetime, datetime]:
    """One time axis for every chart, so they line up when read side by side.

    A single reading still gets a week either side: a zero-length axis
    leaves matplotlib's date locator nothing sensible to tick.
    """
    moments = [p.measured_at for t in view.trends for p in t.points]
    for series in (view.pain, view.global_rating, view.psfs, *view.sit_tall.values()):
        moments += [at for at, _ in series.points]
    if not moments:
        now = view.generated_at
        return now - timedelta(days=7), now + timedelta(days=7)
    first, last = min(moments), max(moments)
    pad = max((last - first) * 0.04, timedelta(days=3))
    # Extra room on the right for the labels at the ends of the lines.
    return first - pad, last + max((last - first) * 0.08, timedelta(days=7))


def dates(ax: Axes, span: tuple[datetime, datetime]) -> None:
    """Concise date ticks over the report's common time span."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_xlim(*span)  # type: ignore[arg-type]


def rom_figure(view: ProgressView, into: Figure | SubFigure | None = None) -> Any:
    """Hip rotation per side over time, one row per method and position, with the typical band."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    groups: dict[tuple[Method, Position], list[Trend]] = {}
    for trend in view.trends:
        groups.setdefault((trend.method, trend.position), []).append(trend)
    # The most-used ways of measuring first; three rows fit a page.
    rows = sorted(groups.items(), key=lambda kv: -sum(len(t.points) for t in kv[1]))[:3]
    span = time_span(view)
    with drawing():
        figure = figure_for(0.6 + 3.0 * max(len(rows), 1), into)
        if not rows:
            empty(
                figure.subplots(),
                "No hip rotation readings yet: record some with hipcoach measure.",
            )
            return figure
        axes = figure.subplots(len(rows), 2, squeeze=False)
        for row, ((method, position), trends) in zip(axes, rows, strict=True):
            for ax, movement in zip(row, Movement, strict=True):
                _rom_panel(view, ax, [t for t in trends if t.movement is movement], movement, span)
                ax.set_title(MOVEMENT[movement].capitalize(), loc="left")
                ax.set_title(
                    how(method, position),
                    loc="right",
                    fontsize=8.5,
                    fontweight="normal",
                    color="#444",
                )
        threshold = view.trends[0].threshold
        handles = [
            Line2D([], [], color=SIDE_COLOUR[HipSide.RIGHT], marker="o", ms=4, label="Right hip"),
            Line2D([], [], color=SIDE_COLOUR[HipSide.LEFT], marker="o", ms=4, label="Left hip"),
            Patch(color=BAND_COLOUR, alpha=0.18, label="typical range"),
            Line2D(
                [],
                [],
                color="#444",
                marker="*",
                ms=11,
                ls="none",
                label=f"{deg(threshold)}+ from the first reading: a real change",
            ),
        ]
        figure.legend(handles=handles, loc="outside upper left", ncols=4, fontsize=9)
    return figure


def _rom_panel(
    view: ProgressView,
    ax: Axes,
    trends: list[Trend],
    movement: Movement,
    span: tuple[datetime, datetime],
) -> None:
    from hipcoach.domain.insights import normal_range_position

    if not trends:
        empty(ax, "not measured this way")
        return
    band = normal_range_position(0, movement, trends[0].position, view.norms)
    values = [p.degrees for t in trends for p in t.points]
    if band.low is not None and band.high is not None:
        ax.axhspan(band.low, band.high, color=BAND_COLOUR, alpha=0.13, lw=0)
        ax.text(
            0.01,
            band.high,
            f" typical {band_range(band)}",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="bottom",
            fontsize=8,
            color="#0b6b4f",
        )
        values += [band.low, band.high]
    elif band.typical is not None:
        ax.axhline(band.typical, color=BAND_COLOUR, ls="--", lw=1)
        values.append(band.typical)
    low, high = max(0, min(values) - 8), max(values) + 8
    ends = []
    for trend in trends:
        colour = SIDE_COLOUR[trend.side]
        xs: Any = [p.measured_at for p in trend.points]
        ys = [p.degrees for p in trend.points]
        ax.plot(xs, ys, "-o", color=colour, ms=4, lw=1.8)
        real: Any = [p for p in trend.points if p.real]
        if real:
            ax.plot(
                [p.measured_at for p in real],
                [p.degrees for p in real],
                "*",
                ms=13,
                color=colour,
                markeredgecolor="white",
                markeredgewidth=0.6,
            )
        ends.append((ys[-1], xs[-1], colour))
    ax.set_ylim(low, high)
    end_labels(ax, [(x, y, deg(y), colour) for y, x, colour in ends], (high - low) * 0.07, 9)
    ax.set_ylim(low, high)
    ax.set_ylabel("degrees")
    ax.grid(axis="y", color="#ddd", lw=0.6)
    dates(ax, span)


def png_bytes(figure: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    with drawing():
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "hipcoach"})
    return buffer.getvalue()
