"""Every shipped exercise has a figure, and each renders as valid, accessible SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hipcoach.figures import figure_ids, figure_svg
from hipcoach.figures.poses import shipped_figures
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from

SVG = "{http://www.w3.org/2000/svg}"
SHIPPED_IDS = sorted(load_library_from(SHIPPED_ROOT).exercises)
STILL_BY_DESIGN = {"90-90-setup", "90-90-setup-block", "90-90-setup-heels-closer"}


def test_every_shipped_exercise_has_a_figure() -> None:
    assert figure_ids() == SHIPPED_IDS


def animations(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.tag in (f"{SVG}animate", f"{SVG}animateTransform")]


@pytest.mark.parametrize("exercise_id", SHIPPED_IDS)
def test_each_figure_is_valid_svg_with_a_title_and_description(exercise_id: str) -> None:
    for still in (False, True):
        root = ET.fromstring(figure_svg(exercise_id, still))
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None
        assert title.text
        assert desc is not None
        assert desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert len(root.get("viewBox", "").split()) == 4
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert len(ids) == len(set(ids))
        assert root.find(f".//{SVG}circle") is not None  # the head


@pytest.mark.parametrize("exercise_id", SHIPPED_IDS)
def test_animated_figures_move_and_still_ones_do_not(exercise_id: str) -> None:
    still = ET.fromstring(figure_svg(exercise_id, still=True))
    assert animations(still) == []
    moving = ET.fromstring(figure_svg(exercise_id))
    if exercise_id in STILL_BY_DESIGN:
        assert animations(moving) == []
        return
    assert animations(moving)
    # People who ask for less motion get the still copy instead of the moving one.
    style = moving.find(f"{SVG}style")
    assert style is not None
    assert "prefers-reduced-motion" in (style.text or "")
    groups = {g.get("class") for g in moving.iter(f"{SVG}g")}
    assert {"hcf-moving", "hcf-still"} <= groups


def test_a_movement_animates_limb_paths_between_its_keyframes() -> None:
    root = ET.fromstring(figure_svg("ir-ankle-lift"))
    paths = [a for a in animations(root) if a.get("attributeName") == "d"]
    moving = [a for a in paths if len(set(a.get("values", "").split(";"))) > 1]
    assert moving  # the back shin (and foot) change shape over the cycle
    for a in paths:
        values = a.get("values", "").split(";")
        assert values[0] == values[-1]  # a cycle ends where it began
        assert len(values) == len(a.get("keyTimes", "").split(";"))


def test_the_press_is_shown_by_arrows_since_nothing_moves() -> None:
    scene = shipped_figures().scene("er-press")
    assert len(scene.frames) == 1
    assert {m.kind for m in scene.markers} == {"press"}
    root = ET.fromstring(figure_svg("er-press"))
    assert any(a.get("attributeName") == "opacity" for a in animations(root))
