"""The PDF report draws the same still figures as the HTML report, on matplotlib."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex

from hipcoach.figures import figure_ids, figure_svg
from hipcoach.report.charts import new_figure
from hipcoach.report.figure_draw import draw_figure

SVG = "{http://www.w3.org/2000/svg}"


def axes() -> Axes:
    page = new_figure(3, 3)
    page.set_layout_engine("none")  # placed by hand, as on the report's page
    return page.add_axes((0, 0, 1, 1))


def colours_in(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    found = set()
    for element in root.iter():
        for attribute in ("fill", "stroke"):
            value = element.get(attribute)
            if value and value != "none":
                found.add(value.lower())
    return found


@pytest.mark.parametrize("exercise_id", figure_ids())
def test_every_still_figure_draws_in_its_own_colours_and_frame(exercise_id: str) -> None:
    svg = figure_svg(exercise_id, still=True)
    ax = axes()
    draw_figure(ax, svg)
    drawn = {to_hex(patch.get_facecolor()) for patch in ax.patches}
    assert drawn == colours_in(svg)
    x0, y0, width, height = (float(v) for v in ET.fromstring(svg).attrib["viewBox"].split())
    assert ax.get_xlim() == (x0, x0 + width)
    assert ax.get_ylim() == (y0 + height, y0)  # drawn the right way up
    # Everything lies inside the frame the SVG gives itself.
    for patch in ax.patches:
        box = patch.get_path().get_extents(patch.get_patch_transform())
        assert x0 - 1 <= box.x0
        assert box.x1 <= x0 + width + 1
        assert y0 - 1 <= box.y0
        assert box.y1 <= y0 + height + 1
    ax.figure.canvas.draw()  # and it renders


def test_the_painters_order_of_the_svg_is_kept() -> None:
    svg = figure_svg("90-90-setup", still=True)
    ax = axes()
    draw_figure(ax, svg)
    mat = min(ax.patches, key=lambda patch: patch.get_zorder())
    assert to_hex(mat.get_facecolor()) == "#ebe4d8"  # the mat first, under the body
    head = max(ax.patches, key=lambda patch: patch.get_zorder())
    assert head.get_zorder() > mat.get_zorder()


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        ('<text x="0" y="0">front leg</text>', "<text>"),
        ('<path d="M0 0 L1 1 M2 2 L3 3" stroke="#000" stroke-width="1"/>', "more than one part"),
    ],
)
def test_what_it_does_not_draw_is_refused(svg: str, message: str) -> None:
    document = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{svg}</svg>'
    ax = axes()
    with pytest.raises(ValueError, match=re.escape(message)):
        draw_figure(ax, document)
