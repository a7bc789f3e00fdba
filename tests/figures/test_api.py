"""GET /api/v1/figures/{id}.svg: SVG with cache headers, still on request, 404 as JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from fastapi.testclient import TestClient

URL = "/api/v1/figures"
SVG = "{http://www.w3.org/2000/svg}"


def test_a_figure_is_served_as_svg_with_cache_headers(client: TestClient) -> None:
    r = client.get(f"{URL}/ir-ankle-lift.svg")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "max-age" in r.headers["cache-control"]
    assert r.headers["etag"]
    root = ET.fromstring(r.text)
    assert root.find(f"{SVG}title") is not None
    assert root.find(f".//{SVG}animate") is not None
    again = client.get(f"{URL}/ir-ankle-lift.svg", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert not again.content


def test_still_draws_the_base_pose_only(client: TestClient) -> None:
    r = client.get(f"{URL}/ir-ankle-lift.svg", params={"still": 1})
    assert r.status_code == 200
    assert ET.fromstring(r.text).find(f".//{SVG}animate") is None
    assert r.headers["etag"] != client.get(f"{URL}/ir-ankle-lift.svg").headers["etag"]


def test_an_unknown_exercise_is_a_404_in_json(client: TestClient) -> None:
    r = client.get(f"{URL}/no-such-move.svg")
    assert r.status_code == 404
    assert "no-such-move" in r.json()["error"]


def test_the_report_shows_the_routine_exercises_as_still_figures(client: TestClient) -> None:
    """Without a plan the report draws the morning pry's four exercises."""
    html = client.get("/api/v1/progress/report.html").text

    class Figures(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.section: str | None = None
            self.svgs: list[str] = []
            self.animated = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "section":
                self.section = dict(attrs).get("id")
            if self.section == "exercises" and tag == "svg":
                self.svgs.append(dict(attrs).get("aria-labelledby") or "")
            self.animated |= self.section == "exercises" and tag == "animate"

    parser = Figures()
    parser.feed(html)
    assert [s.split()[0] for s in parser.svgs] == [
        "fig-90-90-setup-title",
        "fig-er-press-title",
        "fig-ir-ankle-lift-title",
        "fig-contralateral-pry-title",
    ]
    assert not parser.animated
