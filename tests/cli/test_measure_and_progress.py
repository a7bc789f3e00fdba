"""`hipcoach measure` and `hipcoach progress`, run in-process against a private data folder."""

from __future__ import annotations

import json
import re
import struct
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli

TODAY = datetime.now().astimezone().date()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def stored(cli: Cli) -> dict[str, Any]:
    result: dict[str, Any] = cli.json("measure", "list")
    return result


def record_two_sittings(cli: Cli) -> None:
    cli("measure", "--at", ago(28), "--left-ir", "31", "--right-ir", "24", "--left-er", "44",
        "--right-er", "38", "--pain", "4", "--global", "55", "--sit-tall", "right=1",
        "--sit-tall", "left=2", "--psfs", "put on socks=4", "--psfs", "deep squat=3")  # fmt: skip
    cli("measure", "--at", ago(1), "--left-ir", "33", "--right-ir", "32", "--left-er", "45",
        "--right-er", "41", "--pain", "1", "--global", "75", "--sit-tall", "right=3",
        "--sit-tall", "left=3", "--psfs", "put on socks=7", "--psfs", "deep squat=5")  # fmt: skip


def test_options_record_every_kind_with_the_column_conventions(cli: Cli) -> None:
    result = cli.json(
        "measure", "--left-ir", "31", "--right-er", "44.5", "--side", "left", "--er", "47",
        "--method", "goniometer", "--position", "prone", "--pain", "left=3", "--global", "70",
        "--sit-tall", "right=3", "--psfs", "put on socks=6", "--psfs", "get out of a car=4",
        "--note", "at the clinic",
    )  # fmt: skip
    rows = {(m["kind"], m["side"], m["movement"]): m for m in result["measurements"]}
    left_ir = rows[("rom", "left", "internal_rotation")]
    assert (left_ir["value"], left_ir["unit"]) == (31, "deg")
    assert (left_ir["method"], left_ir["position"], left_ir["note"]) == (
        "goniometer",
        "prone",
        "at the clinic",
    )
    assert left_ir["band"]["status"] == "no_range"  # only a typical value is known prone
    assert rows[("rom", "left", "external_rotation")]["value"] == 47
    assert rows[("rom", "right", "external_rotation")]["value"] == 44.5
    assert rows[("pain", "left", None)]["unit"] == "nrs"
    assert rows[("global_rating", None, None)]["unit"] == "percent"
    assert rows[("sit_tall", "right", None)]["unit"] == "score"
    (psfs,) = result["questionnaires"]
    assert psfs["questionnaire"] == "psfs"
    assert psfs["answers"] == {
        "items": [
            {"activity": "put on socks", "score": 6},
            {"activity": "get out of a car", "score": 4},
        ]
    }
    assert psfs["score"] == 5
    assert len(stored(cli)["measurements"]) == 6


def test_the_plain_output_says_where_each_value_sits(cli: Cli) -> None:
    out = cli("measure", "--right-ir", "26", "--pain", "2")
    assert "Saved 2 values." in out
    assert "Right IR 26° (inclinometer, seated), below the typical range (30-40°)" in out
    assert "Pain: 2/10" in out


def test_a_change_since_the_first_reading_is_called_real_only_at_8_degrees(cli: Cli) -> None:
    cli("measure", "--at", ago(20), "--right-ir", "24", "--left-ir", "30")
    result = cli.json("measure", "--right-ir", "32", "--left-ir", "37.9")
    since = {m["side"]: m["since_first"] for m in result["measurements"]}
    assert (since["right"]["change"], since["right"]["real_change"]) == (8, True)
    assert (since["left"]["change"], since["left"]["real_change"]) == (7.9, False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--right-ir", "170"], "right IR of 170 degrees is not a plausible hip rotation"),
        (["--left-ir", "30", "--at", "2999-01-01"], "is in the future"),
        (["--side", "middle", "--ir", "30"], "unknown side 'middle'"),
        (["--ir", "30"], "--ir needs --side left or --side right"),
        (["--left-ir", "30", "--method", "ruler"], "unknown method 'ruler'"),
        (["--left-ir", "30", "--position", "standing"], "unknown position 'standing'"),
        (["--left-ir", "thirty"], "must be a number; got 'thirty'"),
        (["--left-ir", "30", "--pain", "11"], "pain must be a whole number from 0 to 10"),
        (["--left-ir", "30", "--global", "120"], "from 0 to 100"),
        (["--left-ir", "30", "--sit-tall", "5"], "--sit-tall wants SIDE=N"),
        (["--left-ir", "30", "--sit-tall", "left=5"], "sit-tall score must be a whole number"),
        (["--left-ir", "30", "--psfs", "socks"], "--psfs wants 'activity=score'"),
        (["--left-ir", "30", "--psfs", "socks=12"], "must be a whole number from 0"),
        (["--left-ir", "30", "--side", "left", "--ir", "31"], "left IR is given twice"),
        (["--left-ir", "30", "--at", "yesterday"], "--at wants an ISO date"),
        ([], "nothing to record"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    cli: Cli, args: list[str], message: str
) -> None:
    out = cli("measure", "--pain", "2", *args, code=1) if args else cli("measure", code=1)
    assert "Error: " in out
    assert message in out
    assert "Traceback" not in out
    assert stored(cli) == {"measurements": [], "questionnaires": []}


def test_the_guided_walk_through_asks_step_by_step(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hipcoach.cli.measure as measure

    monkeypatch.setattr(measure, "_can_ask", lambda: True)
    answers = [
        "33",  # right IR
        "200",  # right ER: refused, asked again
        "44",  # right ER
        "",  # left IR skipped
        "46",  # left ER
        "y",  # record how the hip feels too
        "2",  # pain
        "",  # global rating skipped
        "3",  # sit-tall, right leg in front
        "2",  # sit-tall, left leg in front
        "put on socks",  # PSFS activity
        "",  # score needed: asked again
        "6",
        "",  # no more activities
        "y",  # save
    ]
    out = cli("measure", stdin="\n".join(answers) + "\n")
    for step in ("feet hang free", "set the app to zero", "swing your right foot out to the side"):
        assert step in out
    assert "Give a number from 0 to 90." in out
    assert "This one needs an answer." in out
    assert "hipcoach's own score" in out
    assert "Saved 7 values." in out
    values = {
        (m["kind"], m["side"], m["movement"]): m["value"] for m in stored(cli)["measurements"]
    }
    assert values == {
        ("rom", "right", "internal_rotation"): 33,
        ("rom", "right", "external_rotation"): 44,
        ("rom", "left", "external_rotation"): 46,
        ("pain", None, None): 2,
        ("sit_tall", "right", None): 3,
        ("sit_tall", "left", None): 2,
    }
    assert stored(cli)["questionnaires"][0]["answers"]["items"] == [
        {"activity": "put on socks", "score": 6}
    ]


def test_the_guide_offers_last_times_psfs_activities(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hipcoach.cli.measure as measure

    cli("measure", "--at", ago(14), "--psfs", "put on socks=4", "--psfs", "deep squat=3")
    monkeypatch.setattr(measure, "_can_ask", lambda: True)
    answers = ["", "", "", "", "y", "", "", "", "", "6", "5", "", "y"]
    out = cli("measure", stdin="\n".join(answers) + "\n")
    assert "Rate the same activities as last time" in out
    latest = stored(cli)["questionnaires"][-1]
    assert latest["score"] == 5.5
    assert [i["activity"] for i in latest["answers"]["items"]] == ["put on socks", "deep squat"]


def test_progress_json_has_the_figures(cli: Cli) -> None:
    record_two_sittings(cli)
    data = cli.json("progress")
    trends = {(t["side"], t["movement"]): t for t in data["rom"]["trends"]}
    right_ir = trends[("right", "internal_rotation")]
    assert (right_ir["first"], right_ir["last"], right_ir["change"]) == (24, 32, 8)
    assert right_ir["real_change"] is True
    assert right_ir["threshold"] == 8
    assert [p["real"] for p in right_ir["points"]] == [False, True]
    assert trends[("left", "internal_rotation")]["real_change"] is False
    assert all(t["method"] == "inclinometer" for t in trends.values())
    latest = {(r["side"], r["movement"]): r["band"] for r in data["rom"]["latest"]}
    assert latest[("right", "internal_rotation")] | {} == {
        "value": 32, "status": "within", "low": 30, "high": 40, "typical": 38,
    }  # fmt: skip
    assert latest[("right", "external_rotation")]["status"] == "within"
    asym = {a["movement"]: a for a in data["rom"]["asymmetry"]}
    assert (asym["internal_rotation"]["difference"], asym["internal_rotation"]["notable"]) == (
        -1,
        False,
    )
    arcs = {a["side"]: a["band"] for a in data["rom"]["arcs"]}
    assert (arcs["right"]["value"], arcs["right"]["status"]) == (73, "below")
    assert [p["phase"] for p in data["rom"]["phases"]][:1] == ["All readings"]
    assert (data["pain"]["first"], data["pain"]["last"], data["pain"]["change"]) == (4, 1, -3)
    assert data["global_rating"]["change"] == 20
    assert data["sit_tall"]["own_score"] is True
    assert "hipcoach's own score" in data["sit_tall"]["label"]
    assert data["sit_tall"]["sides"]["right"]["change"] == 2
    psfs = data["psfs"]
    assert (psfs["first"], psfs["last"], psfs["change"]) == (3.5, 6, 2.5)
    assert (psfs["meaningful_change"], psfs["meaningful"]) == (2, True)
    assert data["adherence"]["plan"] is None
    assert {d["status"] for d in data["adherence"]["calendar"]} == {"none"}
    assert "not medical care" in data["safety"]


def test_progress_never_puts_two_methods_on_one_line(cli: Cli) -> None:
    cli("measure", "--at", ago(10), "--right-ir", "25")
    cli("measure", "--at", ago(5), "--right-ir", "36", "--method", "goniometer")
    cli("measure", "--right-ir", "27")
    trends = cli.json("progress")["rom"]["trends"]
    by_method = {t["method"]: [p["degrees"] for p in t["points"]] for t in trends}
    assert by_method == {"inclinometer": [25, 27], "goniometer": [36]}
    assert not any(t["real_change"] for t in trends)


def test_the_calendar_marks_the_plan_and_the_sessions(cli: Cli) -> None:
    from hipcoach import services
    from hipcoach.services.programs import new_plan

    start = TODAY - timedelta(days=TODAY.weekday() + 14)  # a Monday two weeks back
    with services.Context() as ctx:
        new_plan(ctx, "jammed-hips", days="mon,wed,fri", weeks=4, start=start)
        # A session done today, written straight to the journal (as the player would).
        session = ctx.journal.start_session(
            ctx.profile_id, "rotation-circuit", "Rotation circuit", {}, "test", 4, 600
        )
        ctx.journal.finish_session(session, "completed")
    data = cli.json("progress")
    plan = data["adherence"]["plan"]
    assert plan["goal"]["id"] == "jammed-hips"
    days = {date.fromisoformat(d["date"]): d["status"] for d in data["adherence"]["calendar"]}
    assert min(days) == start
    assert len(days) == 28
    assert days[start] == "missed"
    assert days[start + timedelta(days=1)] == "rest"
    assert days[TODAY] in ("done", "bonus")
    assert days[start + timedelta(days=25)] == "upcoming"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_report_is_self_contained_and_holds_the_charts(cli: Cli, tmp_path: Path) -> None:
    record_two_sittings(cli)
    target = tmp_path / "report.html"
    out = cli("progress", "--out", str(target))
    assert f"Wrote {target}" in out
    page = _Page()
    page.feed(target.read_text(encoding="utf-8"))
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 4
    assert all((a["src"] or "").startswith("data:image/png;base64,") for a in images)
    assert all(a.get("alt") for a in images)
    links = [
        value
        for _, attrs in page.tags
        for name, value in attrs.items()
        if name in ("href", "src", "action") and value
    ]
    assert all(v.startswith("data:") for v in links), "the report must fetch nothing"
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe")]
    css = "".join(page.text)
    assert "@import" not in css
    assert "url(" not in css
    assert "@media print" in css
    text = " ".join(" ".join(page.text).split())
    assert "This is not medical care." in text
    assert "This score is hipcoach's own." in text
    assert "Right hip, internal rotation: 24° to 32° (+8°), a real gain" in text


def test_the_pdf_report_has_several_pages(cli: Cli, tmp_path: Path) -> None:
    record_two_sittings(cli)
    target = tmp_path / "report.pdf"
    cli("progress", "--out", str(target))
    body = target.read_bytes()
    assert body.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", body)) >= 2


def test_the_pdf_report_ends_with_the_routines_figures(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hipcoach.report.pdf as pdf

    drawn: list[tuple[str, list[str], int]] = []
    draw_page = pdf._figures_page

    def spy(page: Any, routine: str, items: list[dict[str, Any]]) -> None:
        draw_page(page, routine, items)
        drawn.append((routine, [item["name"] for item in items], len(page.axes)))

    monkeypatch.setattr(pdf, "_figures_page", spy)
    record_two_sittings(cli)
    target = tmp_path / "report.pdf"
    cli("progress", "--out", str(target))
    # Without a plan, the morning pry's four exercises: one figure (axes) each.
    assert drawn == [
        ("Morning pry", ["90/90 seat", "ER press", "IR ankle lift", "Contralateral pry"], 4)
    ]
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", target.read_bytes())) == 5


def test_the_png_is_the_rom_chart_at_a_sensible_size(cli: Cli, tmp_path: Path) -> None:
    record_two_sittings(cli)
    target = tmp_path / "chart.png"
    cli("progress", "--out", str(target))
    body = target.read_bytes()
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", body[16:24])
    assert 1000 <= width <= 3000
    assert 300 <= height <= 2000


@pytest.mark.parametrize("name", ["report.html", "report.pdf", "chart.png"])
def test_every_format_works_before_anything_is_measured(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    target = tmp_path / name
    cli("progress", "--out", str(target))
    assert target.stat().st_size > 1000


def test_progress_json_and_a_report_together_keep_stdout_json(cli: Cli, tmp_path: Path) -> None:
    cli("measure", "--right-ir", "30")
    target = tmp_path / "report.html"
    result = cli.runner.invoke(
        __import__("hipcoach.cli", fromlist=["app"]).app,
        ["progress", "--json", "--out", str(target)],
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rom"]["trends"][0]["last"] == 30
    assert "Wrote" in result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("report.docx", "--out must end in .html, .pdf or .png"),
        ("missing/report.html", "does not exist"),
    ],
)
def test_a_report_name_that_cannot_work_is_refused(
    cli: Cli, tmp_path: Path, name: str, message: str
) -> None:
    out = cli("progress", "--out", str(tmp_path / name), code=1)
    assert message in out


def test_progress_in_words(cli: Cli) -> None:
    record_two_sittings(cli)
    out = cli("progress")
    assert "Hip rotation, latest reading" in out
    assert "PSFS score: 3.5 to 6" in out
    assert "hipcoach's own score" in out
