"""The PDF report: a summary page in words, then the charts, on A4 pages.

Drawn with matplotlib's PdfPages, so no browser or extra PDF library is needed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

    from hipcoach.services.progress import ProgressView

A4 = (8.27, 11.69)  # inches, portrait
_TOP = 0.95
_LEFT = 0.07
_WRAP = 96  # characters per line at 9.5 pt across the page
FIGURE_ROWS = 3  # of two figures each, on a page
FIGURES_PER_PAGE = 2 * FIGURE_ROWS


class _Page:
    """Text written top to bottom on a page (or part of one), wrapping long lines.

    Lines that would run off the bottom are dropped, with a pointer to the
    HTML report, rather than printed over the edge.
    """

    def __init__(self, figure: Figure | SubFigure, height: float = A4[1], top: float = _TOP):
        self.figure = figure
        self.height = height  # inches, to turn font sizes into figure fractions
        self.y = top
        self.full = False

    def _room(self, size: float) -> bool:
        if self.y - size / 72 / self.height * 1.45 < 0.02:
            if not self.full:
                self.figure.text(
                    _LEFT,
                    self.y,
                    "More in the HTML report (--out report.html).",
                    fontsize=8,
                    va="top",
                    color="#57606a",
                )
            self.full = True
        return not self.full

    def heading(self, text: str, size: float = 13) -> None:
        self.y -= 0.14 / self.height
        if self._room(size * 2):
            self.figure.text(_LEFT, self.y, text, fontsize=size, fontweight="bold", va="top")
            self.y -= size / 72 / self.height * 1.6

    def lines(
        self,
        text: str,
        bullet: bool = False,
        size: float = 9.5,
        colour: str = "#1f2328",
        width: int = _WRAP,
    ) -> None:
        wrapped = textwrap.wrap(text, width=width - 2 * bullet) or [""]
        for n, line in enumerate(wrapped):
            if not self._room(size):
                return
            prefix = ("• " if n == 0 else "  ") if bullet else ""
            self.figure.text(_LEFT, self.y, prefix + line, fontsize=size, va="top", color=colour)
            self.y -= size / 72 / self.height * 1.45
        self.y -= 0.05 / self.height


def _summary_page(figure: Figure, context: dict[str, Any]) -> None:
    page = _Page(figure)
    page.heading("Your hip progress", size=20)
    span = context["span"]
    made = f"Profile {context['profile']} · made {context['generated']}"
    page.lines(
        made + (f" · readings from {span[0]} to {span[1]}" if span else ""), colour="#57606a"
    )
    page.y -= 0.01
    page.lines("This is not medical care. " + context["safety"], colour="#7d4e00")
    page.heading("At a glance")
    if context["empty"]:
        page.lines(
            "Nothing has been measured yet. Record your first readings with hipcoach measure."
        )
    for card in context["latest"]:
        change = f"; since first {card['change']}" if card["change"] else ""
        real = " (real)" if card["real"] else (" (within error)" if card["change"] else "")
        page.lines(
            f"{card['name']} ({card['how']}): {card['value']}, {card['band']}{change}{real}",
            bullet=True,
        )
    page.heading("What stands out")
    for line in context["highlights"]:
        page.lines(line, bullet=True)
    if context["asymmetry"] or context["arcs"]:
        page.heading("Left and right, and total rotation")
        for a in context["asymmetry"]:
            page.lines(f"{a['sentence']} ({a['how']}, {a['on']})", bullet=True)
        for arc in context["arcs"]:
            page.lines(arc, bullet=True)
    page.heading("Also recorded")
    page.lines(context["global"], bullet=True)
    page.lines(
        f"{context['sit_tall_label']}, not a validated test: " + " ".join(context["sit_tall"]),
        bullet=True,
    )
    if not context["plan"]:
        page.lines("No plan yet; the calendar shows the sessions in your journal.", bullet=True)
    page.heading("How to read this")
    for note in context["notes"]:
        page.lines(note, bullet=True, colour="#57606a")


def write_pdf(view: ProgressView, path: Path) -> None:
    """Write the multi-page PDF report to `path`."""
    from matplotlib.backends.backend_pdf import PdfPages

    from hipcoach.report import calendar_chart, charts, score_charts
    from hipcoach.report.html import exercise_figures, report_context

    context = report_context(view)
    metadata = {
        "Title": f"Hip progress for {view.profile}",
        "Creator": "hipcoach",
        "Subject": "Not medical care: a record of your own measurements.",
    }
    with charts.drawing(), PdfPages(path, metadata=metadata) as pdf:
        summary = charts.new_figure(*A4)
        summary.set_layout_engine("none")
        _summary_page(summary, context)
        pdf.savefig(summary)

        # As many chart rows as ways of measuring (three at most); words fill the rest.
        rows = min(len({(t.method, t.position) for t in view.trends}) or 1, 3)
        page = charts.new_figure(*A4)
        ratios = [rows, max(3.2 - rows, 0.6)]
        top, bottom = cast(Any, page.subfigures)(2, 1, height_ratios=ratios)
        charts.rom_figure(view, into=top)
        text = _Page(bottom, A4[1] * ratios[1] / sum(ratios), top=0.97)
        text.heading("What changed since the first reading")
        text.lines(
            f"A change counts as real at {context['threshold']} or more; smaller ones "
            "can be measurement error.",
            colour="#57606a",
            size=8.5,
        )
        for t in context["trends"]:
            text.lines(
                f"{t['name']} ({t['how']}): {t['first']} to {t['last']} ({t['change']}), "
                f"{t['verdict']}.",
                bullet=True,
                size=8.5,
                width=104,
            )
        if context["phases"]:
            text.heading("Phase by phase: first against latest reading")
        for group in context["phase_groups"]:
            listed = "; ".join(
                f"{p['short']} {p['change']} ({p['verdict']})" for p in group["rows"]
            )
            text.lines(
                f"{group['phase']} ({group['dates']}), {group['how']}: {listed}.",
                bullet=True,
                size=8.5,
                width=104,
            )
        pdf.savefig(page)

        page = charts.new_figure(*A4)
        ratios = [1, 1.3, 0.6]
        calendar, psfs, bottom = cast(Any, page.subfigures)(3, 1, height_ratios=ratios)
        calendar_chart.calendar_figure(view, into=calendar)
        score_charts.psfs_figure(view, into=psfs)
        text = _Page(bottom, A4[1] * ratios[2] / sum(ratios), top=0.95)
        text.lines(context["psfs"], bullet=True)
        for name, score in context["psfs_latest"]:
            text.lines(f"{name}: {score}/10", size=8.5)
        pdf.savefig(page)

        page = charts.new_figure(*A4)
        ratios = [3, 1]
        scores, bottom = cast(Any, page.subfigures)(2, 1, height_ratios=ratios)
        score_charts.scores_figure(view, into=scores)
        text = _Page(bottom, A4[1] * ratios[1] / sum(ratios), top=0.9)
        for line in (context["pain"], context["global"], *context["sit_tall"]):
            text.lines(line, bullet=True)
        text.lines(
            "The sit-tall score is hipcoach's own and has not been validated: use it to "
            "follow your own progress, not to compare yourself with anyone.",
            colour="#57606a",
            size=8.5,
        )
        pdf.savefig(page)

        exercises = exercise_figures(view)
        if exercises:
            items = exercises["figures"]
            for start in range(0, len(items), FIGURES_PER_PAGE):
                page = charts.new_figure(*A4)
                page.set_layout_engine("none")
                _figures_page(page, exercises["routine"], items[start : start + FIGURES_PER_PAGE])
                pdf.savefig(page)


def _figures_page(page: Figure, routine: str, items: list[dict[str, Any]]) -> None:
    """Still figures of the routine's exercises, two to a row, each with its name and cue."""
    from hipcoach.report.figure_draw import draw_figure

    text = _Page(page)
    text.heading(f"Your exercises: {routine}")
    text.lines("The same drawings as in the player, standing still.", colour="#57606a")
    top = text.y - 0.02
    cell_height = (top - 0.04) / FIGURE_ROWS
    for n, item in enumerate(items):
        row, column = divmod(n, 2)
        left = _LEFT + column * 0.45
        bottom = top - (row + 1) * cell_height
        ax = page.add_axes((left, bottom + cell_height * 0.32, 0.40, cell_height * 0.62))
        draw_figure(ax, str(item["svg"]))
        page.text(left, bottom + cell_height * 0.28, item["name"], fontsize=10.5, fontweight="bold")
        cue = textwrap.fill(item["cue"], width=52)
        page.text(left, bottom + cell_height * 0.24, cue, fontsize=8.5, va="top", color="#24292f")
