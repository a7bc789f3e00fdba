"""The API reference page (/docs): every operation of the document, nothing from elsewhere."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from hipcoach.web.pages_docs import api_doc, rich
from tests.web.conftest import LOCAL_BASE_URL

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "srcset", "poster", "data")


class _Page(HTMLParser):
    """What the checks need from a page: operation titles, URLs, scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.titles: list[str] = []
        self.urls: list[str] = []
        self.inline: list[str] = []  # inline script or style, described
        self._title: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}=...>")
            if value and value.strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script" and not found.get("src"):
            self.inline.append("<script> without src")
        if tag == "h3" and "api-op__title" in (found.get("class") or "").split():
            self._title, self._depth = [], 0
        elif self._title is not None:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._title is None:
            return
        if self._depth == 0:
            self.titles.append(" ".join("".join(self._title).split()))
            self._title = None
        else:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)


def _page(client: TestClient) -> _Page:
    response = client.get("/docs")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(response.text)
    page.close()
    return page


def test_docs_list_every_operation_of_the_document(client: TestClient) -> None:
    document: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    operations = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]
    assert len(operations) > 20
    titles = _page(client).titles
    missing = [op for op in operations if op not in titles]
    assert not missing, f"not on /docs: {missing}"
    assert len(titles) >= len(operations)


def test_docs_load_nothing_from_elsewhere_and_run_no_inline_code(client: TestClient) -> None:
    page = _page(client)
    own = urlsplit(LOCAL_BASE_URL).netloc
    elsewhere = [
        url
        for url in page.urls
        if urlsplit(url.strip()).netloc not in ("", own)
        or urlsplit(url.strip()).scheme not in ("", "http", "https", "data")
    ]
    assert not elsewhere, elsewhere
    assert not page.inline, page.inline
    assert "/api/v1/openapi.json" in page.urls


def test_the_page_reads_refs_optional_fields_and_rules() -> None:
    document = {
        "info": {"title": "T", "version": "1", "description": "One.\n\nTwo `x`."},
        "paths": {
            "/things": {
                "post": {
                    "tags": ["things"],
                    "operationId": "make_thing",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/In"}}
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Made.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Out"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "In": {
                    "type": "object",
                    "anyOf": [{"required": ["pain"]}, {"required": ["dose"]}],
                    "properties": {
                        "pain": {
                            "anyOf": [
                                {"type": "integer", "minimum": 0, "maximum": 10.0},
                                {"type": "null"},
                            ],
                            "description": "How much.",
                        },
                        "dose": {
                            "anyOf": [{"$ref": "#/components/schemas/Dose"}, {"type": "null"}]
                        },
                    },
                },
                "Dose": {
                    "type": "object",
                    "required": ["hold"],
                    "properties": {"hold": {"type": "integer", "minimum": 3}},
                },
                "Out": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        },
    }
    doc = api_doc(document, "/openapi.json")
    assert doc.paragraphs == ("One.", "Two `x`.")
    (tag,) = doc.tags
    (operation,) = tag.operations
    assert (operation.method, operation.path) == ("POST", "/things")
    body = operation.body
    assert body is not None
    assert body.required
    assert body.rules == ("Give at least one of: pain, dose.",)
    pain, dose = body.fields
    assert (pain.type, pain.limits, pain.description) == (
        "integer or null",
        ("from 0 to 10",),
        "How much.",
    )
    assert dose.type == "Dose or null"
    (hold,) = dose.children
    assert (hold.name, hold.required, hold.limits) == ("hold", True, ("at least 3",))
    (made,) = operation.responses
    assert (made.status, made.shape) == ("201", "Out")
    assert [s.name for s in doc.shapes] == ["Out"]


def test_code_spans_are_marked_up_and_the_rest_escaped() -> None:
    assert rich("a `b` <c>") == "a <code>b</code> &lt;c&gt;"
    assert rich("`<i>`") == "<code>&lt;i&gt;</code>"
    assert rich("one ` alone") == "one ` alone"
