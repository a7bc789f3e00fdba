"""The figures file is validated: mistakes name the file, the exercise and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipcoach.domain.errors import LibraryError
from hipcoach.figures.poses import load_figures

BASE = """
[poses.seat]
front_knee = 90

[figure.er-press]
title = "ER press"
desc = "Seated 90/90, the front leg presses into the floor."
view = "front-top"
base = "seat"
"""


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "figures.toml"
    path.write_text(text, encoding="utf-8")
    load_figures(path, known_ids={"er-press"})


def problem(tmp_path: Path, text: str) -> LibraryError:
    with pytest.raises(LibraryError) as caught:
        load(tmp_path, text)
    assert "figures.toml" in caught.value.file
    return caught.value


def test_a_good_file_loads(tmp_path: Path) -> None:
    load(tmp_path, BASE)


def test_an_unknown_exercise_id_is_named(tmp_path: Path) -> None:
    err = problem(tmp_path, BASE.replace("figure.er-press", "figure.er-pres"))
    assert err.item_id == "er-pres"
    assert err.field == "figure.er-pres"
    assert "no exercise" in str(err)


def test_an_unknown_joint_is_named(tmp_path: Path) -> None:
    err = problem(tmp_path, BASE + "pose = { front_elbw = 20 }\n")
    assert err.item_id == "er-press"
    assert err.field == "figure.er-press.pose.front_elbw"
    err = problem(tmp_path, BASE.replace("front_knee = 90", "front_kne = 90"))
    assert err.field == "poses.seat.front_kne"


def test_bad_values_are_named(tmp_path: Path) -> None:
    assert problem(tmp_path, BASE + "pose = { front_knee = 200 }\n").field == (
        "figure.er-press.pose.front_knee"
    )
    assert problem(tmp_path, BASE.replace('"front-top"', '"upside-down"')).field == (
        "figure.er-press.view"
    )
    assert problem(tmp_path, BASE.replace('base = "seat"', 'base = "sofa"')).field == (
        "figure.er-press.base"
    )
    marker = 'markers = [{ kind = "press", at = "front_nose" }]\n'
    assert problem(tmp_path, BASE + marker).field == "figure.er-press.markers.0.at"
    hand = 'pose = { front_hand = "front_hand" }\n'
    assert problem(tmp_path, BASE + hand).field == "figure.er-press.pose.front_hand"
    keys = "keyframes = [{ at = 0.6, pose = {} }, { at = 0.3, pose = {} }]\n"
    assert problem(tmp_path, BASE + keys).field == "figure.er-press.keyframes"


def test_broken_toml_and_missing_files(tmp_path: Path) -> None:
    assert "not valid TOML" in str(problem(tmp_path, BASE + "[[["))
    with pytest.raises(LibraryError, match="cannot be read"):
        load_figures(tmp_path / "nothing.toml", known_ids=set())
