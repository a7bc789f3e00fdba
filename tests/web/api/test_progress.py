"""Progress as JSON, the chart and the report, and measurements in and out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.api.conftest import API, error


def test_a_measurement_shows_in_the_list_and_the_progress(client: TestClient) -> None:
    response = client.post(
        f"{API}/measurements",
        json={
            "left_ir": 32,
            "right_ir": 27,
            "pain": 2,
            "sit_tall": {"left": 3},
            "psfs": [{"activity": "put on socks", "score": 6}],
        },
    )
    assert response.status_code == 201, response.text
    stored = response.json()
    assert {m["kind"] for m in stored["measurements"]} >= {"rom", "pain", "sit_tall"}
    listed = client.get(f"{API}/measurements").json()
    angles = [m for m in listed["measurements"] if m["kind"] == "rom"]
    assert sorted(m["value"] for m in angles) == [27, 32]
    assert listed["questionnaires"][0]["questionnaire"] == "psfs"
    progress = client.get(f"{API}/progress").json()
    assert progress
    assert "32" in str(progress)


def test_measurement_refusals_name_the_field_and_store_nothing(client: TestClient) -> None:
    assert error(client.post(f"{API}/measurements", json={"left_ir": 500}), 422)["field"] == (
        "left_ir"
    )
    assert (
        error(client.post(f"{API}/measurements", json={"method": "guess"}), 422)["field"]
        == "method"
    )
    error(client.post(f"{API}/measurements", json={}), 422)
    error(client.post(f"{API}/measurements", json={"right_ir": 20, "at": "2999-01-01"}), 422)
    assert client.get(f"{API}/measurements").json()["measurements"] == []


def test_chart_and_reports(client: TestClient) -> None:
    client.post(f"{API}/measurements", json={"left_ir": 30, "right_ir": 28})
    chart = client.get(f"{API}/progress/chart.png")
    assert chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    html = client.get(f"{API}/progress/report.html")
    assert html.headers["content-type"].startswith("text/html")
    from html.parser import HTMLParser

    titles: list[str] = []

    class Title(HTMLParser):
        inside = False

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.inside = tag == "title"

        def handle_data(self, data: str) -> None:
            if self.inside:
                titles.append(data)
                self.inside = False

    Title().feed(html.text)
    assert titles
    assert titles[0].strip()
    pdf = client.get(f"{API}/progress/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
