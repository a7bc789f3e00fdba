"""exercises, exercise show, routines, routine show: what a person and a script see."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli

PROTOCOL_IDS = {
    "90-90-setup",
    "90-90-setup-block",
    "90-90-setup-heels-closer",
    "er-press",
    "ir-ankle-lift",
    "ir-ankle-lift-lean",
    "contralateral-pry",
    "er-only-press",
    "er-stretch",
    "active-er",
    "ir-stretch",
    "active-ir",
}


def test_exercises_json_lists_every_movement(cli: Cli) -> None:
    items = cli.json("exercises")
    assert {item["id"] for item in items} >= PROTOCOL_IDS
    assert all(item["name"] for item in items)


def test_exercises_table_names_every_exercise(cli: Cli) -> None:
    out = cli("exercises")
    for exercise_id in PROTOCOL_IDS:
        assert exercise_id in out


def test_exercise_card_has_every_section(cli: Cli) -> None:
    out = cli("exercise", "show", "contralateral-pry")
    for heading in (
        "Set up",
        "Do",
        "Breathing and effort",
        "What you should feel",
        "Common mistakes",
        "Safety",
        "Variations",
        "Source: article 000",
    ):
        assert heading in out
    detail = cli.json("exercise", "show", "contralateral-pry")
    assert detail["dose"]["seconds_range"] == [10, 15]
    assert detail["dose"]["rounds"] == 3
    assert (detail["front_hip"], detail["back_hip"]) == ("external", "internal")
    assert "er-only-press" in detail["regressions"]


def test_unknown_exercise_is_a_clear_error(cli: Cli) -> None:
    out = cli("exercise", "show", "pigeon", code=1)
    assert "no exercise called 'pigeon'" in out
    assert "contralateral-pry" in out  # the known ids are listed


def test_routines_json_gives_each_total(cli: Cli) -> None:
    routines = {r["id"]: r for r in cli.json("routines")}
    assert set(routines) == {
        "morning-pry",
        "rotation-circuit",
        "warmup-primer",
        "desk-break",
        "er-only",
    }
    assert 255 <= routines["warmup-primer"]["total_seconds"] <= 345
    assert 120 <= routines["desk-break"]["total_seconds"] <= 180


def test_routine_show_json_shape_and_sums(cli: Cli) -> None:
    plan = cli.json("routine", "show", "morning-pry")
    assert plan["routine"] == "morning-pry"
    segments = plan["segments"]
    assert plan["total_seconds"] == sum(s["duration"] for s in segments)
    for key in ("start", "duration", "kind", "exercise_id", "side", "text"):
        assert all(key in s for s in segments)
    pry = [s for s in segments if s["exercise_id"] == "contralateral-pry" and s["kind"] == "hold"]
    assert len(pry) == 6  # 3 rounds on each side
    assert {s["side"] for s in segments} == {"right", "left"}


def test_routine_show_applies_overrides(cli: Cli) -> None:
    plan = cli.json(
        "routine", "show", "morning-pry", "--hold", "15", "--rounds", "5", "--sides", "left"
    )
    holds = [s for s in plan["segments"] if s["kind"] == "hold"]
    assert {s["duration"] for s in holds} == {15}
    assert {s["side"] for s in plan["segments"]} == {"left"}
    assert sum(1 for s in holds if s["exercise_id"] == "contralateral-pry") == 5
    per = cli.json("routine", "show", "rotation-circuit", "--dose", "active-er:reps=9")
    reps = [s for s in per["segments"] if s["exercise_id"] == "active-er" and s["kind"] == "rep"]
    assert {s["reps"] for s in reps} == {9}


def test_routine_show_table_has_the_total(cli: Cli) -> None:
    out = cli("routine", "show", "desk-break")
    assert "Total 2:" in out
    assert "Switch sides" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hold", "0"], "seconds must be between 3 and 300, got 0"),
        (["--hold", "-5"], "seconds must be between 3 and 300, got -5"),
        (["--rounds", "500"], "rounds must be between 1 and 10, got 500"),
        (["--sides", "up"], "--sides takes 'right' and/or 'left'"),
        (["--dose", "er-press"], "--dose wants 'EXERCISE:field=value"),
        (["--dose", "er-press:weight=3"], "--dose field 'weight' is not one of"),
        (["--dose", "active-ir:reps=6"], "override for 'active-ir', which routine"),
    ],
)
def test_bad_overrides_are_refused(cli: Cli, args: list[str], message: str) -> None:
    out = cli("routine", "show", "morning-pry", *args, code=1)
    assert message in out


def test_unknown_routine_lists_the_known_ones(cli: Cli) -> None:
    out = cli("routine", "show", "yoga", code=1)
    assert "no routine called 'yoga'" in out
    assert "morning-pry" in out
