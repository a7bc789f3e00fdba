"""The sentences a report says about the figures, shared by the HTML and the PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hipcoach.domain.insights import Asymmetry, Band, BandStatus, SeriesSummary, Trend
from hipcoach.domain.measurements import HipSide, Method, Movement, Position
from hipcoach.domain.norms import Arc

MOVEMENT = {
    Movement.INTERNAL_ROTATION: "internal rotation",
    Movement.EXTERNAL_ROTATION: "external rotation",
}
METHOD = {
    Method.INCLINOMETER: "phone inclinometer",
    Method.GONIOMETER: "goniometer",
    Method.CAMERA: "camera",
    Method.ESTIMATE: "estimate",
}
POSITION = {
    Position.SEATED: "seated",
    Position.PRONE: "lying face down",
    Position.SUPINE: "lying on the back",
}
STATUS = {
    BandStatus.BELOW: "below the typical range",
    BandStatus.WITHIN: "within the typical range",
    BandStatus.ABOVE: "above the typical range",
    BandStatus.NO_RANGE: "no typical range known",
}


def deg(value: float) -> str:
    """Degrees as people write them: 32°, 32.5°."""
    return f"{value:g}°"


def signed(value: float, unit: str = "°") -> str:
    """A change with its sign: +4°, -2°, 0°."""
    return f"{value:+g}{unit}" if value else f"0{unit}"


def how(method: Method, position: Position) -> str:
    """'phone inclinometer, seated'."""
    return f"{METHOD[method]}, {POSITION[position]}"


def line_name(t: Trend) -> str:
    """'Right hip, internal rotation'."""
    return f"{t.side.value.capitalize()} hip, {MOVEMENT[t.movement]}"


def band_range(band: Band) -> str:
    """'30-40°', 'typical about 35°' or ''."""
    if band.low is not None and band.high is not None:
        return f"{band.low:g}-{band.high:g}°"
    return f"typical about {band.typical:g}°" if band.typical is not None else ""


def band_words(band: Band) -> str:
    """'within the typical range (30-40°)'."""
    span = band_range(band)
    if band.status is BandStatus.NO_RANGE:
        return f"no typical range known ({span})" if span else STATUS[band.status]
    return f"{STATUS[band.status]} ({span})"


def band_short(band: Band) -> str:
    """'within 30-40°', 'below 30-40°', or 'typical about 35°'."""
    span = band_range(band)
    if band.status is BandStatus.NO_RANGE:
        return span or "no typical range"
    return f"{band.status.value} {span}"


def trend_sentence(t: Trend) -> str:
    """What one line did, and whether that is more than measurement error."""
    if len(t.points) < 2:
        return f"{line_name(t)}: {deg(t.last)}, one reading so far."
    span = f"{deg(t.first)} to {deg(t.last)} ({signed(t.change)})"
    if t.real_change:
        verdict = "a real gain" if t.change > 0 else "a real loss"
        why = f"at least the {deg(t.threshold)} that measurement error can explain"
        return f"{line_name(t)}: {span}, {verdict}: {why}."
    return (
        f"{line_name(t)}: {span}, within measurement error "
        f"(a change counts at {deg(t.threshold)} or more)."
    )


def asymmetry_sentence(a: Asymmetry) -> str:
    """Left against right, called only beyond measurement error."""
    both = f"right {deg(a.right)}, left {deg(a.left)}"
    what = MOVEMENT[a.movement]
    if a.lower_side is None:
        return f"{what.capitalize()}: {both}; the sides are level within measurement error."
    gap = deg(abs(a.difference))
    return f"{what.capitalize()}: {both}; the {a.lower_side.value} hip turns {gap} less."


def arc_sentence(arc: Arc) -> str:
    """One side's total seated rotation against the usual target."""
    return (
        f"{arc.side.value.capitalize()} hip: total rotation {deg(arc.band.value)}, "
        f"{STATUS[arc.band.status].replace('typical range', 'usual target')} "
        f"({band_range(arc.band)})."
    )


def series_sentence(name: str, s: SeriesSummary, unit: str = "") -> str:
    """A score's first, latest and change, with its meaningful change where one is known."""
    if not s.points:
        return f"{name}: nothing recorded yet."
    if s.change is None:
        return f"{name}: {s.last:g}{unit}, one answer so far."
    # Scores out of N change by points ("+2"), not by "+2/10"; percentages keep their sign.
    step = signed(s.change, unit if unit == "%" else "")
    text = f"{name}: {s.first:g}{unit} to {s.last:g}{unit} ({step})"
    if s.meaningful is None:
        return text + "."
    if s.meaningful:
        return text + f", a meaningful change (about {s.meaningful_change:g} points or more)."
    return text + f", less than the {s.meaningful_change:g} points that count as meaningful."


def sides_text(side: HipSide) -> str:
    """'Right leg in front' for the sit-tall check."""
    return f"{side.value.capitalize()} leg in front"


_KIND_NAME = {"pain": "Pain", "global_rating": "How normal the hip feels", "sit_tall": "Sit-tall"}
_UNIT_TEXT = {"nrs": "/10", "percent": "/100", "score": "/4 (hipcoach's own score)"}


def measurement_lines(result: dict[str, Any], dated: bool = False) -> list[str]:
    """Stored measurements (as the measurement service's plain data) in one line each."""
    lines = []
    for m in result["measurements"]:
        when = _when(m["measured_at"]) + "  " if dated else ""
        if m["kind"] == "rom":
            name = f"{m['side'].capitalize()} {Movement(m['movement']).short}"
            text = f"{name} {m['value']:g}° ({m['method']}, {m['position']})"
            band = m.get("band")
            if band and band["low"] is not None:
                text += (
                    f", {STATUS[BandStatus(band['status'])]} ({band['low']:g}-{band['high']:g}°)"
                )
            since = m.get("since_first")
            if since:
                verdict = "a real change" if since["real_change"] else "within measurement error"
                text += f"; since {_when(since['first_at'])}: {signed(since['change'])}, {verdict}"
        else:
            side = f" ({m['side']})" if m["side"] else ""
            unit = _UNIT_TEXT.get(m["unit"], "")
            text = f"{_KIND_NAME.get(m['kind'], m['kind'])}{side}: {m['value']:g}{unit}"
        lines.append(when + text)
    for r in result["questionnaires"]:
        when = _when(r["answered_at"]) + "  " if dated else ""
        items = r["answers"].get("items", [])
        listed = "; ".join(f"{i['activity']} {i['score']}" for i in items)
        score = f"{r['score']:g}" if r["score"] is not None else "-"
        lines.append(f"{when}{r['questionnaire'].upper()} {score}/10: {listed}")
    return lines


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone()
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M}"
