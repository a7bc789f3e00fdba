"""The server-rendered pages: landmarks, the safety note, no external links, and their content.

Pages are parsed with html.parser rather than matched as strings, so a test
checks the element it means (an <img> with that src, an <h1>) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hipcoach.safety import SAFETY_NOTE
from tests.web.conftest import post_form

PAGES = ("/", "/screen", "/library", "/library/contralateral-pry", "/plan", "/progress")
PAGES += ("/measure", "/settings")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return " ".join(" ".join(self.text).split())


class Page(HTMLParser):
    """Every element with its attributes and the text inside it (nested text counts too)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.lang = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag == "html":
            self.lang = element.attrs.get("lang", "")
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def classed(self, name: str) -> list[Element]:
        return [e for e in self.elements if name in e.attrs.get("class", "").split()]

    def rule_ids(self) -> list[str]:
        return [e.content for e in self.classed("rule-id")]


def get(client: TestClient, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def ctx_of(client: TestClient) -> Any:
    return client.app.state.ctx  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_its_landmarks_and_the_safety_note(client: TestClient, url: str) -> None:
    page = get(client, url)
    assert page.lang == "en"
    assert len(page.all("h1")) == 1
    assert page.one("nav", aria_label="Main")
    main = page.one("main")
    assert main.attrs["id"] == "main"
    assert page.all("a", href="#main"), "no skip link"
    assert SAFETY_NOTE in page.one("footer").content
    current = [a for a in page.all("a") if a.attrs.get("aria-current") == "page"]
    assert len(current) <= 1


@pytest.mark.parametrize("url", PAGES)
def test_no_page_loads_or_links_anything_from_elsewhere(client: TestClient, url: str) -> None:
    page = get(client, url)
    for element in page.elements:
        for name in ("src", "href", "action"):
            value = element.attrs.get(name, "")
            assert not value.startswith(("http:", "https:", "//")), (element.tag, value)
    scripts = page.all("script")
    assert all(s.attrs.get("type") == "module" for s in scripts)


def test_labels_point_at_real_controls(client: TestClient) -> None:
    for url in ("/", "/plan", "/measure", "/settings"):
        page = get(client, url)
        ids = {e.attrs["id"] for e in page.elements if "id" in e.attrs}
        for label in page.all("label"):
            if "for" in label.attrs:
                assert label.attrs["for"] in ids, (url, label.attrs["for"])


def test_library_lists_every_exercise_with_its_figure(client: TestClient) -> None:
    page = get(client, "/library")
    library = ctx_of(client).library
    links = {a.attrs["href"] for a in page.all("a")}
    figures = {img.attrs["src"]: img.attrs.get("alt", "") for img in page.all("img")}
    for exercise_id, exercise in library.exercises.items():
        assert f"/library/{exercise_id}" in links
        assert exercise.name in figures[f"/api/v1/figures/{exercise_id}.svg"]


def test_exercise_page_shows_the_whole_card(client: TestClient) -> None:
    exercise = ctx_of(client).library.exercise("contralateral-pry")
    page = get(client, "/library/contralateral-pry")
    assert page.one("h1").content == exercise.name
    headings = {h.content for h in page.all("h2")}
    assert {"Set-up", "Do", "Breathing and effort", "Common mistakes", "Safety"} <= headings
    assert {"Variations", "Source", "What you should feel"} <= headings
    assert page.one("img", src="/api/v1/figures/contralateral-pry.svg")
    assert exercise.setup[0] in [li.content for li in page.all("li")]


def test_an_unknown_exercise_is_a_friendly_404(client: TestClient) -> None:
    page = get(client, "/library/no-such-move", status=404)
    assert "no-such-move" in page.one("main").content


def test_today_without_a_screen_sends_you_to_the_screen(client: TestClient) -> None:
    page = get(client, "/")
    assert page.one("a", href="/screen").content == "Take the screen"
    assert "screen.needed" in page.rule_ids()


def test_today_without_a_plan_offers_every_routine(screened: TestClient) -> None:
    page = get(screened, "/")
    starts = {a.attrs["href"] for a in page.all("a") if a.content == "Start"}
    for routine_id in ctx_of(screened).library.routines:
        assert f"/player?routine={routine_id}" in starts
    assert [a for a in page.all("a", href="/plan") if a.content == "make a plan"]


def test_today_shows_the_rule_ids_after_a_pinch_report(screened: TestClient) -> None:
    from hipcoach.services.checkins import report_outside_session

    report_outside_session(ctx_of(screened), date.today(), symptoms=["pinch"])
    assert "symptom.pinch" in get(screened, "/").rule_ids()
    post_form(screened, "/plan", data={"goal": "jammed-hips"})
    page = get(screened, "/")
    assert "symptom.pinch" in page.rule_ids()
    assert [a for a in page.all("a") if a.content == "Start session"]


def test_the_checkin_previews_and_passes_on_to_the_player(screened: TestClient) -> None:
    post_form(screened, "/plan", data={"goal": "jammed-hips"})
    page = get(screened, "/?pain_now=3&morning_after=worse")
    start = next(a for a in page.all("a") if a.content == "Start session")
    assert start.attrs["href"] == "/player?pain_now=3&morning_after=worse"
    assert page.one("option", value="3").attrs.get("selected") is not None
    bad = get(screened, "/?pain_now=eleven")
    assert "pain" in bad.one("p", role="alert").content


def test_the_screen_form_posts_and_shows_the_outcome(client: TestClient) -> None:
    from hipcoach.services.screening import screening_form

    form = screening_form(ctx_of(client))
    page = get(client, "/screen")
    shown = {f.attrs["id"] for f in page.classed("question")}
    assert shown == {f"q-{q.id}" for q in form.questions}
    answers = {q.id: "no" for q in form.questions if not q.follows} | {"fai": "yes"}
    answers["replacement_side"] = "left"  # a follow-up without its yes: dropped, not refused
    response = post_form(client, "/screen", data=answers, follow_redirects=False)
    assert response.status_code == 303
    page = get(client, response.headers["location"])
    outcome = page.one("section", id="outcome")
    assert "Caution" in outcome.content
    assert "screen.fai" in page.rule_ids()
    assert page.one("p", role="status").content == "Your answers are saved."


def test_a_screen_with_a_gap_is_asked_again(client: TestClient) -> None:
    response = post_form(client, "/screen", data={"trauma": "no"})
    assert response.status_code == 422
    page = Page(response.text)
    assert "Nothing was stored" in page.one("div", role="alert").content
    assert [f for f in page.classed("question--missing") if f.attrs["id"] == "q-night_pain"]
    checked = page.one("input", name="trauma", value="no")
    assert "checked" in checked.attrs
    assert "stop" not in page.classed("badge")  # nothing was stored, so no outcome shows


def test_a_plan_made_from_the_form_shows_its_calendar(screened: TestClient) -> None:
    page = get(screened, "/plan")
    goals = [o.attrs["value"] for o in page.all("option")]
    assert "jammed-hips" in goals
    data = {"goal": "jammed-hips", "days": ["mon", "wed", "fri"], "time": "18:30", "weeks": "4"}
    response = post_form(screened, "/plan", data=data, follow_redirects=False)
    assert response.status_code == 303
    page = get(screened, "/plan")
    calendar = page.one("table", **{"class": "calendar"})
    assert calendar
    rows = [tr for tr in page.all("tr") if tr.text and tr is not page.all("tr")[0]]
    assert len(rows) == 4
    planned = [td for td in page.classed("day") if "day--upcoming" in td.attrs["class"]]
    planned += [td for td in page.classed("day") if "day--today" in td.attrs["class"]]
    assert len(planned) == 12
    assert page.one("a", href="/api/v1/plan.ics")
    assert page.one("form", action="/plan/pause")


def test_a_refused_plan_says_why_by_its_field(screened: TestClient) -> None:
    response = post_form(screened, "/plan", data={"goal": "no-such-goal"})
    assert response.status_code == 422
    page = Page(response.text)
    assert page.all("p", role="alert")
    assert page.one("select", name="goal").attrs.get("aria-invalid") == "true"


def test_pause_and_resume_the_plan(screened: TestClient) -> None:
    post_form(screened, "/plan", data={"goal": "jammed-hips"})
    post_form(screened, "/plan/pause", data={"reason": "seeing a physio"})
    page = get(screened, "/plan")
    assert "seeing a physio" in page.one("div", role="status").content
    assert page.one("form", action="/plan/resume")
    post_form(screened, "/plan/resume")
    assert get(screened, "/plan").one("form", action="/plan/pause")


def test_progress_is_empty_until_something_is_measured(client: TestClient) -> None:
    page = get(client, "/progress")
    assert page.all("a", href="/measure")
    assert not page.all("img", src="/api/v1/progress/chart.png")
    response = post_form(client, "/measure", data={"left_ir": "32", "right_ir": "27", "pain": "2"})
    assert response.status_code == 200
    saved = Page(response.text)
    assert saved.one("h2", id="saved-title").attrs["role"] == "status"
    page = get(client, "/progress")
    assert page.one("img", src="/api/v1/progress/chart.png").attrs["alt"]
    assert page.one("a", href="/api/v1/progress/report.html")
    assert page.one("a", href="/api/v1/progress/report.pdf")
    assert "32°" in page.one("table").content


def test_the_measure_guide_uses_the_products_words(client: TestClient) -> None:
    from hipcoach.services.measurements import GUIDE_ID, Measures

    guide = Measures(ctx_of(client)).questionnaires[GUIDE_ID]
    page = get(client, "/measure")
    steps = [li.content for li in page.all("li")]
    assert guide.instructions[0] in steps
    for name in ("left_ir", "left_er", "right_ir", "right_er", "pain", "global_rating"):
        assert page.one("input", name=name)
        assert page.one("label", **{"for": name})


def test_a_refused_measurement_shows_next_to_its_field(client: TestClient) -> None:
    response = post_form(client, "/measure", data={"left_ir": "200", "right_ir": "30"})
    assert response.status_code == 422
    page = Page(response.text)
    field_input = page.one("input", name="left_ir")
    assert field_input.attrs["aria-invalid"] == "true"
    assert field_input.attrs["value"] == "200"
    assert "left IR" in page.one("p", id="left_ir-error").content
    assert page.one("input", name="right_ir").attrs["value"] == "30"
    from hipcoach.services.measurements import list_measurements

    assert list_measurements(ctx_of(client))["measurements"] == []


def test_settings_offers_export_import_and_where_the_data_lives(client: TestClient) -> None:
    page = get(client, "/settings")
    for fmt in ("json", "csv", "fhir"):
        assert page.one("a", href=f"/api/v1/export?format={fmt}")
    assert page.one("input", type="file")
    assert page.one("div", id="import-result").attrs["aria-live"] == "polite"
    data_dir = str(ctx_of(client).settings.data_dir)
    assert data_dir in page.one("main").content
    for pref in ("hipcoach.voice", "hipcoach.beeps"):
        assert page.one("input", **{"data-pref": pref})


def test_the_page_scripts_and_stylesheet_are_served(client: TestClient) -> None:
    for path in ("/static/css/app.css", "/static/js/screen.js", "/static/js/settings.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "http://" not in response.text
        assert "https://" not in response.text
