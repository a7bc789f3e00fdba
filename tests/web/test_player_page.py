"""The player page: it renders, parses, and carries what the script and people need."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import hipcoach.web
from tests.web.conftest import local_client

STATIC = Path(hipcoach.web.__file__).parent / "static"


class Tree(HTMLParser):
    """Every element as (tag, attributes, text), plus the text of script tags."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[tuple[str, dict[str, str], list[str]]] = []
        self.scripts: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element: tuple[str, dict[str, str], list[str]] = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(element)
        if tag not in ("input", "img", "link", "meta", "br"):
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            element = self.open.pop()
            if element[0] == tag:
                if tag == "script" and element[1].get("id"):
                    self.scripts[element[1]["id"]] = "".join(element[2])
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element[2].append(data)

    def by_id(self, ident: str) -> tuple[str, dict[str, str], list[str]]:
        return next(e for e in self.elements if e[1].get("id") == ident)

    def text(self, ident: str) -> str:
        return " ".join("".join(self.by_id(ident)[2]).split())


def page(client: TestClient, query: str = "") -> Tree:
    response = client.get(f"/player{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    tree = Tree()
    tree.feed(response.text)
    tree.close()
    return tree


def config(tree: Tree) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tree.scripts["player-config"])
    return data


def test_the_page_embeds_the_api_the_time_scale_and_the_routines(client: TestClient) -> None:
    data = config(page(client))
    assert data["api"] == "/api/v1"
    assert data["time_scale"] == 1.0
    routines = data["routines"]
    assert isinstance(routines, list)
    ids = {r["id"] for r in routines}
    assert "morning-pry" in ids
    assert data["default_routine"] in ids
    assert all(r["total_seconds"] > 0 and r["name"] for r in routines)
    assert data["routine"] is None
    assert data["session"] is None


def test_the_time_scale_comes_from_the_settings(tmp_path: Path) -> None:
    from hipcoach.settings import Settings
    from hipcoach.web import create_app

    settings = Settings.from_env(
        {"HIPCOACH_DATA_DIR": str(tmp_path / "d"), "HIPCOACH_TIME_SCALE": "20"}
    )
    with local_client(create_app(settings)) as scaled:
        assert config(page(scaled))["time_scale"] == 20.0


def test_query_parameters_pick_the_routine_and_the_session(client: TestClient) -> None:
    data = config(page(client, "?routine=desk-break&session=abc123"))
    assert data["routine"] == "desk-break"
    assert data["session"] == "abc123"
    # An unknown routine is ignored, not trusted into the page.
    assert config(page(client, "?routine=nope"))["routine"] is None


def test_the_live_region_announces_politely(client: TestClient) -> None:
    tree = page(client)
    live = tree.by_id("player-live")
    assert live[1]["aria-live"] == "polite"
    # The countdown itself is not read out every second.
    assert tree.by_id("play-count")[1]["aria-hidden"] == "true"


def test_every_button_has_a_name_and_the_controls_have_shortcuts(client: TestClient) -> None:
    tree = page(client)
    buttons = [e for e in tree.elements if e[0] == "button"]
    assert len(buttons) >= 12
    for _tag, attrs, text in buttons:
        assert attrs.get("aria-label") or "".join(text).strip(), attrs
    names = {"".join(e[2]).strip() for e in buttons}
    assert {"Pause", "Back", "Next", "Quit", "Start", "Begin", "Resume"} <= names
    symptoms = {e[1]["data-symptom"]: e[1] for e in buttons if "data-symptom" in e[1]}
    assert set(symptoms) == {"pinch", "cramp", "knee", "pain"}
    keys = {e[1].get("aria-keyshortcuts") for e in buttons}
    assert {"Space", "N", "B", "P", "C", "K", "X", "Q"} <= keys


def test_form_fields_have_labels(client: TestClient) -> None:
    tree = page(client)
    labelled = {e[1]["for"] for e in tree.elements if e[0] == "label" and "for" in e[1]}
    fields = [
        e for e in tree.elements if e[0] in ("input", "select") and e[1].get("type") != "checkbox"
    ]
    assert fields
    for _, attrs, _ in fields:
        assert attrs["id"] in labelled


def test_no_external_urls(client: TestClient) -> None:
    tree = page(client)
    for _, attrs, _ in tree.elements:
        for name in ("src", "href", "action"):
            value = attrs.get(name, "")
            assert not value.startswith(("http:", "https:", "//")), value
    for script in STATIC.glob("js/player/*.js"):
        source = script.read_text()
        assert "://" not in source, script


def test_the_page_loads_its_own_script_and_styles(client: TestClient) -> None:
    tree = page(client)
    sources = [e[1]["src"] for e in tree.elements if e[0] == "script" and "src" in e[1]]
    styles = [
        e[1]["href"] for e in tree.elements if e[0] == "link" and e[1].get("rel") == "stylesheet"
    ]
    assert "/static/js/player/main.js" in sources
    assert "/static/css/player.css" in styles
    # The layout's own files belong to the base template; these are the player's.
    for path in ["/static/js/player/main.js", "/static/css/player.css"]:
        assert client.get(path).status_code == 200, path
    module = client.get("/static/js/player/main.js").text
    # Every module main.js imports is served too.
    for line in module.splitlines():
        if (line.startswith("} from") or line.startswith("import")) and '"./' in line:
            name = line.split('"./')[1].split('"')[0]
            assert client.get(f"/static/js/player/{name}").status_code == 200, name


def test_a_screened_profile_with_a_plan_defaults_to_it(screened: TestClient) -> None:
    response = screened.post("/api/v1/plan", json={"goal": next(iter(_goals(screened)))})
    assert response.status_code in (200, 201), response.text
    data = config(page(screened))
    assert data["plan_routine"] in {r["id"] for r in data["routines"]}


def _goals(client: TestClient) -> list[str]:
    body = client.get("/api/v1/goals").json()
    return [g["id"] for g in body] if isinstance(body, list) else list(body)
