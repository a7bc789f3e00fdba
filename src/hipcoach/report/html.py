"""The printable, self-contained HTML report: one file, charts inlined, no links out."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from hipcoach.report import words
from hipcoach.safety import SAFETY_NOTE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hipcoach.services.progress import ProgressView


def _data_uri(figure: Figure) -> str:
    """A PNG inlined as a data: URI; 2x resolution so it prints sharply."""
    from hipcoach.report.charts import png_bytes

    return "data:image/png;base64," + base64.b64encode(png_bytes(figure, dpi=160)).decode("ascii")


def report_context(view: ProgressView) -> dict[str, Any]:
    """Everything the template shows, as words and numbers (shared with the PDF's text page)."""
    local = view.generated_at.astimezone()
    dates = [p.measured_at for t in view.trends for p in t.points]
    dates += [at for s in (view.pain, view.global_rating, view.psfs) for at, _ in s.points]
    span = (min(dates), max(dates)) if dates else None
    context: dict[str, Any] = {
        "profile": view.profile,
        "generated": local.strftime("%d %B %Y, %H:%M"),
        "today": view.today.isoformat(),
        "span": tuple(_day(d) for d in span) if span else None,
        "safety": SAFETY_NOTE,
        "latest": [
            {
                "name": f"{t.side.value.capitalize()} {t.movement.short}",
                "value": words.deg(t.last),
                "how": words.how(t.method, t.position),
                "status": band.status.value,
                "band": words.band_short(band),
                "change": words.signed(t.change) if len(t.points) > 1 else None,
                "real": t.real_change,
            }
            for t, band in view.latest
        ],
        "trends": [
            {
                "name": words.line_name(t),
                "how": words.how(t.method, t.position),
                "first": words.deg(t.first),
                "last": words.deg(t.last),
                "readings": len(t.points),
                "change": words.signed(t.change),
                "verdict": _verdict(t.real_change, t.change, len(t.points)),
                "sentence": words.trend_sentence(t),
            }
            for t in view.trends
        ],
        "threshold": words.deg(view.trends[0].threshold) if view.trends else None,
        "asymmetry": [
            {"how": words.how(a.method, a.position), "on": _day(a.on), "sentence": s}
            for a in view.asymmetries
            for s in [words.asymmetry_sentence(a)]
        ],
        "arcs": [words.arc_sentence(a) + f" ({words.METHOD[a.method]})" for a in view.arcs],
        "phases": [
            {
                "phase": p.phase.label,
                "dates": f"{_day(p.phase.start)} to {_day(p.phase.end)}",
                "name": words.line_name(p.trend),
                "short": f"{p.trend.side.value.capitalize()} {p.trend.movement.short}",
                "how": words.how(p.trend.method, p.trend.position),
                "first": words.deg(p.trend.first),
                "last": words.deg(p.trend.last),
                "change": words.signed(p.trend.change),
                "verdict": _verdict(p.trend.real_change, p.trend.change, len(p.trend.points)),
            }
            for p in view.phases
        ],
        "highlights": highlights(view),
        "phase_groups": [],  # filled below, from "phases"
        "plan": view.calendar.plan,
        "plan_start": (
            _day(date.fromisoformat(view.calendar.plan["start"])) if view.calendar.plan else None
        ),
        "calendar_span": (_day(view.calendar.start), _day(view.calendar.end)),
        "pain": words.series_sentence("Pain", view.pain, "/10"),
        "global": words.series_sentence("How normal the hip feels", view.global_rating, "%"),
        "sit_tall_label": view.sit_tall_label,
        "sit_tall_own": view.sit_tall_own_score,
        "sit_tall": [
            words.series_sentence(words.sides_text(side), s, "/4")
            for side, s in view.sit_tall.items()
        ],
        "psfs": words.series_sentence("PSFS score", view.psfs),
        "psfs_latest": (
            [(i.activity, i.score) for i in view.psfs_responses[-1].items]
            if view.psfs_responses
            else []
        ),
        "psfs_meaningful": f"{view.psfs.meaningful_change or 2:g}",
        "notes": list(view.norms.notes),
        "empty": view.empty,
    }
    context["phase_groups"] = phase_groups(context["phases"])
    return context


def phase_groups(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Phase rows grouped by phase and way of measuring, so each label is printed once."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in phases:
        groups.setdefault((row["phase"], row["dates"], row["how"]), []).append(row)
    return [
        {"phase": phase, "dates": dates, "how": how, "rows": rows}
        for (phase, dates, how), rows in groups.items()
    ]


def highlights(view: ProgressView) -> list[str]:
    """The few sentences worth reading first: real changes, uneven sides, sessions, how it feels."""
    found = [words.trend_sentence(t) for t in view.trends if t.real_change]
    if view.trends and not found:
        found.append(
            f"No change in hip rotation beyond measurement error yet (it takes "
            f"{words.deg(view.trends[0].threshold)} or more); measurable gains usually show "
            "after 3-4 weeks."
        )
    found += [words.asymmetry_sentence(a) for a in view.asymmetries if a.notable]
    plan = view.calendar.plan
    if plan is not None:
        a = plan["adherence"]
        share = f" ({a['ratio']:.0%})" if a["ratio"] is not None else ""
        found.append(
            f"{plan['goal']['name']}: {a['done']} of {a['due']} sessions due so far done{share}; "
            f"streak {a['streak']}, best {a['best_streak']}."
        )
    if view.pain.points:
        found.append(words.series_sentence("Pain", view.pain, "/10"))
    if view.psfs.points:
        found.append(words.series_sentence("PSFS score", view.psfs))
    return found


def _day(moment: Any) -> str:
    if isinstance(moment, datetime):
        moment = moment.astimezone()
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def _verdict(real: bool, change: float, readings: int) -> str:
    if readings < 2:
        return "one reading"
    if real:
        return "real gain" if change > 0 else "real loss"
    return "within error"


def exercise_figures(view: ProgressView) -> dict[str, Any] | None:
    """Still figures of the exercises in the plan's routine (the morning pry without a plan)."""
    from markupsafe import Markup

    from hipcoach.domain.errors import UnknownIdError
    from hipcoach.figures import figure_ids, figure_svg
    from hipcoach.library.loader import load_library

    library = load_library()
    routine_id = view.calendar.plan["routine"] if view.calendar.plan else "morning-pry"
    try:
        routine = library.routine(routine_id)
    except UnknownIdError:
        return None
    drawn = set(figure_ids())
    ids = dict.fromkeys(s.exercise_id for s in routine.steps if s.exercise_id in drawn)
    items = []
    for exercise_id in ids:
        exercise = library.exercise(exercise_id)
        # Our own SVG, built from validated numbers with its words escaped: safe to inline.
        svg = Markup(figure_svg(exercise_id, still=True))
        items.append({"name": exercise.name, "cue": exercise.cue, "svg": svg})
    return {"routine": routine.name, "figures": items} if items else None


def render_html(view: ProgressView) -> str:
    """The report as one HTML document: inline CSS, charts as data: URIs, nothing fetched."""
    import jinja2

    from hipcoach.report import calendar_chart, charts, score_charts

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hipcoach.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    context = report_context(view)
    context["charts"] = {
        "rom": _data_uri(charts.rom_figure(view)),
        "calendar": _data_uri(calendar_chart.calendar_figure(view)),
        "scores": _data_uri(score_charts.scores_figure(view)),
        "psfs": _data_uri(score_charts.psfs_figure(view)),
    }
    context["exercises"] = exercise_figures(view)
    return env.get_template("report.html.j2").render(**context)
