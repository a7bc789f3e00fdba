"""The exercise figures on a matplotlib Axes, for the PDF report.

The figures are SVG (figures.svg), which matplotlib cannot read. Their still
form uses a small part of SVG: paths of straight segments (M, L, Z) and
circles, each with a fill, a stroke and a stroke width, all in one coordinate
space. This draws exactly that part, in the figure's own units, so the PDF
shows the drawing the HTML report shows; anything else is refused, not
quietly left out.
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SVG = "{http://www.w3.org/2000/svg}"
_SKIPPED = {f"{SVG}title", f"{SVG}desc", f"{SVG}g"}  # words for screen readers; groups
_PATH_STEP = re.compile(r"([MLZ])\s*([-\d.]+)?\s*([-\d.]+)?")

Point = tuple[float, float]


def draw_figure(ax: Axes, svg: str) -> None:
    """Draw the still figure `svg` (from figures.figure_svg(..., still=True)) on `ax`."""
    root = ET.fromstring(svg)
    x0, y0, width, height = (float(v) for v in root.attrib["viewBox"].split())
    layer = 0
    for element in root.iter():
        if element is root or element.tag in _SKIPPED:
            continue
        layer += 1
        fill = element.get("fill", "none")
        stroke = element.get("stroke", "none")
        stroke_width = float(element.get("stroke-width", "0"))
        if element.tag == f"{SVG}path":
            points, closed = _path(element.attrib["d"])
            _shape(ax, points, closed, fill, stroke, stroke_width, layer)
        elif element.tag == f"{SVG}circle":
            centre = (float(element.attrib["cx"]), float(element.attrib["cy"]))
            radius = float(element.attrib["r"])
            # The stroke is centred on the edge: half of it lies outside the fill.
            outer = radius + (stroke_width / 2 if stroke != "none" else 0.0)
            _disc(ax, centre, outer, stroke if stroke != "none" else fill, layer)
            if stroke != "none" and fill != "none":
                _disc(ax, centre, max(radius - stroke_width / 2, 0.0), fill, layer + 0.5)
        else:
            raise ValueError(f"a figure drew <{element.tag.removeprefix(SVG)}>, not drawn here")
    ax.set_xlim(x0, x0 + width)
    ax.set_ylim(y0 + height, y0)  # SVG's y grows downwards
    ax.set_aspect("equal")
    ax.axis("off")


def _path(data: str) -> tuple[list[Point], bool]:
    points: list[Point] = []
    closed = False
    for command, x, y in _PATH_STEP.findall(data):
        if command == "Z":
            closed = True
        elif command == "M" and points:
            raise ValueError("a figure path with more than one part")
        else:
            points.append((float(x), float(y)))
    return points, closed


def _shape(
    ax: Axes,
    points: list[Point],
    closed: bool,
    fill: str,
    stroke: str,
    stroke_width: float,
    layer: float,
) -> None:
    from matplotlib.patches import Polygon

    if fill != "none" and len(points) > 2:
        ax.add_patch(Polygon(points, closed=True, color=fill, linewidth=0, zorder=layer))
    if stroke == "none" or stroke_width <= 0:
        return
    # A stroke with round caps and joins, built in the figure's units: a band for
    # each segment and a disc at each corner (matplotlib's widths are in points).
    half = stroke_width / 2
    ends = [*points, points[0]] if closed else points
    for (x1, y1), (x2, y2) in itertools.pairwise(ends):
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / length * half, (x2 - x1) / length * half
        band = [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
        ax.add_patch(Polygon(band, closed=True, color=stroke, linewidth=0, zorder=layer))
    for point in points:
        _disc(ax, point, half, stroke, layer)


def _disc(ax: Axes, centre: Point, radius: float, colour: str, layer: float) -> None:
    from matplotlib.patches import Circle

    ax.add_patch(Circle(centre, radius, color=colour, linewidth=0, zorder=layer))
