"""The adherence calendar: a GitHub-style grid of days, marked against the plan."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hipcoach.report.charts import drawing, figure_for

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

    from hipcoach.services.progress import ProgressView

CALENDAR_COLOUR = {
    "done": "#1a7f37",
    "bonus": "#56b870",
    "partial": "#a7dba8",
    "missed": "#e8827a",
    "today": "#ffffff",
    "upcoming": "#ffffff",
    "rest": "#eceef1",
    "none": "#f3f4f6",
}
CALENDAR_WORDS = {
    "done": "planned, done",
    "bonus": "extra session",
    "partial": "started, not finished",
    "missed": "planned, missed",
    "today": "today (planned)",
    "upcoming": "planned, ahead",
    "rest": "rest day",
    "none": "no session",
}


def calendar_figure(view: ProgressView, into: Figure | SubFigure | None = None) -> Any:
    """A GitHub-style grid of days: a column per week, Monday at the top."""
    from matplotlib.patches import Patch, Rectangle

    cal = view.calendar
    first_monday = cal.start - timedelta(days=cal.start.weekday())
    weeks = (cal.end - first_monday).days // 7 + 1
    with drawing():
        figure = figure_for(2.9, into)
        ax = figure.subplots()
        for entry in cal.days:
            planned = entry.status in ("today", "upcoming")
            ax.add_patch(
                Rectangle(
                    ((entry.day - first_monday).days // 7 + 0.08, entry.day.weekday() + 0.08),
                    0.84,
                    0.84,
                    facecolor=CALENDAR_COLOUR[entry.status],
                    edgecolor=("#1f2328" if entry.status == "today" else "#8c959f")
                    if planned
                    else "none",
                    lw=1.6 if entry.status == "today" else 0.9,
                )
            )
        # A month is named above the week that holds its 1st; the first column is named
        # too, unless a month starts so soon after that the two names would overlap.
        starts = [c for c in range(weeks) if (first_monday + timedelta(weeks=c, days=6)).day <= 7]
        if not starts or starts[0] >= 3:
            starts.insert(0, 0)
        for col in starts:
            sunday = first_monday + timedelta(weeks=col, days=6)
            shown = sunday if sunday.day <= 7 else first_monday
            ax.text(col + 0.08, -0.25, f"{shown:%b}", fontsize=8, va="bottom")
        # At least 20 columns, so a short plan gets small squares, not a wall of them.
        ax.set_xlim(-0.1, max(weeks, 20) + 0.1)
        ax.set_ylim(7.1, -1.0)
        ax.set_yticks([0.5, 2.5, 4.5, 6.5], ["Mon", "Wed", "Fri", "Sun"], fontsize=8)
        ax.set_xticks([])
        ax.set_aspect("equal")
        ax.set_anchor("W")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.tick_params(length=0)
        handles = [
            Patch(
                facecolor=CALENDAR_COLOUR[s],
                label=CALENDAR_WORDS[s],
                edgecolor="#8c959f" if s in ("today", "upcoming") else "none",
            )
            for s in CALENDAR_COLOUR
            if any(d.status == s for d in cal.days)
        ]
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, 0.0),
            fontsize=8,
            ncols=min(len(handles), 7),
            handlelength=1.2,
        )
        ax.set_title(_calendar_title(view))
    return figure


def _calendar_title(view: ProgressView) -> str:
    plan = view.calendar.plan
    if plan is None:
        return "Sessions in the journal, last 12 weeks (no plan yet)"
    adherence = plan["adherence"]
    ratio = adherence["ratio"]
    share = f" ({ratio:.0%})" if ratio is not None else ""
    return (
        f"{plan['goal']['name']}: {adherence['done']} of {adherence['due']} sessions due done"
        f"{share}; streak {adherence['streak']}, best {adherence['best_streak']}"
    )
