"""No text from outside can put markup or script into a page: every place, every payload.

Each place where a page (or the player's JSON, or the printable report) shows text that
came from outside is listed below, and every payload of xss_corpus (68) goes through it.
The answer is parsed with html.parser (`scan`: every start tag, also inside <template>,
<svg> and <math>) and must hold nothing the templates do not make: no <script> but the
app's (src under /static/, or type="application/json" holding valid JSON), no iframe,
frame, object, embed, base, applet or <meta http-equiv>, no <link> but the app's; no
attribute named on*, no srcdoc; no URL attribute (href, src, action, formaction,
xlink:href, data, ...) that starts, once entities are decoded and blanks and control
characters dropped, with javascript:, vbscript: or data: (but the favicon's "data:,"
and the report's data:image charts); no CSS expression(), javascript: or @import; no
comment, CDATA or processing instruction. A payload with a markup character must not
stand raw in the source, and where the place shows the text it must read back whole, as
text (so `{{7*7}}` was not evaluated either). A JSON answer must be JSON.

Places (80), by how the text arrives:

query parameters (7)
  query:today.pain_now        /?pain_now=          the check-in error repeats it
  query:today.morning_after   /?morning_after=     (with a plan) the check-in error repeats it
  query:player.routine        /player?routine=     an unknown routine is dropped
  query:player.session        /player?session=     into the page's JSON config (max 100)
  query:screen.saved          /screen?saved=       refused as not a boolean (JSON)
  query:docs.any              /docs?...            the API reference takes no parameters
  query:pair.code             /pair?code=          (pairing server) fills in the code
path parameters (6)
  path:library.exercise_id    /library/{id}        the 404 page names the id
  path:unknown                /{anything}          the 404 page (for browsers), fixed words
  path:static                 /static/{name}       a plain 404
  path:figure                 /api/v1/figures/{id}.svg     JSON 404
  path:api.session            /api/v1/sessions/{id}        JSON 404 (the player shows it)
  path:settings.revoke        POST /settings/devices/{id}/revoke
headers (4; ASCII payloads only: a browser sends nothing else)
  header:host.refused         any page: the gate's refusal page names the host
  header:host.localhost       POST /settings/pair, *.localhost Host (pairing links, QR)
  header:origin               a POST refused as cross-site: the JSON names the origin
  header:user-agent           /pair (pairing server) names the device from it
form fields, re-shown after a refused post or stored by it (27)
  form:screen.yes_no          the yes/no questions, all at once (only "yes" counts)
  form:screen.replacement_side  form:screen.replacement_approach  the error repeats them
  form:plan.goal form:plan.days form:plan.time form:plan.weeks  re-shown, or repeated by
                              the error (days outside the week are dropped)
  form:plan.pause.reason      stored: Plan and Today show it
  form:measure.left_ir form:measure.left_er form:measure.right_ir form:measure.right_er
  form:measure.pain form:measure.global_rating form:measure.sit_tall_left
  form:measure.sit_tall_right form:measure.method form:measure.position form:measure.at
  form:measure.note form:measure.psfs_score form:measure.psfs_activity  every text input
                              keeps its value, each error repeats it (.twice: an activity
                              listed twice; .stored: saved, then Measure and Progress)
  form:pair.code form:pair.name   (pairing server) re-shown after a wrong code
  form:safety.sign            a warning sign the screen does not know: the error names it
  form:safety.clearance       who cleared you and the note, re-shown after a refusal
  form:settings.setup         the set-up choice: anything but "heels-closer" is the usual
  `SHAPES` are the posts that reach every field's re-shown value and error.
stored text (36): xss_corpus.STORED_FIELDS (35), imported as a JSON export, and device names
  plans.status_reason (Plan, Today); the routine name of the resumable session and of an
  old one (Today: the resume offer, recent sessions); the resumable session's stored plan:
  its adjustments' reasons and rule ids, the rest after the cramp (text, cue, spoken
  words) and its adjustments (the player's JSON: /sessions/{id}, /sessions/current); the
  screen's reasons, rule ids, adjustments, what to do, what would change it (Screen,
  Today; the player's start: changes listed for a caution, the reasons of a 403 for a
  stop); the five PSFS activities (Measure, Progress, the report); the import's answer
  (profile.name). Shown nowhere, checked everywhere: the old session's routine id, a
  segment's exercise id, a symptom's rule id and action, a measurement's note, another
  questionnaire's id and answers, hipcoach_version. Device names (typed when pairing)
  are listed on Settings, also in a button's aria-label.

Not text: enumerations and numbers are refused before any page shows them (statuses,
check-in values, measurement kinds; a side, movement, method or position outside its
list makes the progress views answer 503 "damaged"; an unknown goal or screen status,
422/503 as JSON), and plans.time_of_day holds 5 characters. An imported plans.weekdays
that is not a list of days makes Today, Plan, Progress and the player answer 500 (not
an injection; left out of the hostile file).

A page that shows many fields is rendered once per payload with the payload in all of
them; `test_stored_fields_show_where_listed` marks each field apart to prove the views
listed are the ones that show it. The report's charts are PNG pictures that take half a
second each to draw: `no_charts` leaves them blank; every word of the report is checked.
Imports go through the service that POST /api/v1/import runs (in a process of its own,
which takes a second to start); the API itself is used once, where its answer is read.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from hipcoach.library.loader import load_library
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.web.security.xss_corpus import (
    HARMLESS,
    PAYLOADS,
    STORED_FIELDS,
    Payload,
    StoredField,
    charts_left_out,
    hostile_export,
    screen_clear,
    seed_export,
)

API = "/api/v1"
MARKUP = set("<>\"'&")
URL_ATTRS = frozenset((
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "lowsrc", "dynsrc", "ping", "codebase", "cite", "srcset", "manifest", "icon", "longdesc",
    "usemap", "profile", "classid", "archive",
))  # fmt: skip
FORBIDDEN_TAGS = frozenset(
    ("iframe", "frame", "frameset", "object", "embed", "base", "applet", "portal")
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
BAD_CSS = ("expression(", "javascript:", "behavior:", "-moz-binding", "@import")
IDS = [p.id for p in PAYLOADS]
OTHERS = [p.text for p in PAYLOADS]  # what a page that keeps earlier rounds may show too


# ---- reading a page ----------------------------------------------------------------------


@dataclass
class Scan:
    """What a page holds: every start tag with its attributes, the text, script and style."""

    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    oddities: list[str] = field(default_factory=list)

    def words(self) -> str:
        """All text a person or a script can read back: text, attribute values, JSON data."""
        parts = list(self.text)
        parts += [v for _, attrs in self.elements for v in attrs.values()]
        for attrs, body in self.scripts:
            if attrs.get("type") == "application/json":
                try:
                    parts += list(_strings(json.loads(body)))
                except ValueError:
                    parts.append(body)
        return "\n".join(parts)


class _Collector(HTMLParser):
    def __init__(self, scan: Scan) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = scan
        self._raw: tuple[str, dict[str, str], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.scan.elements.append((tag, values))
        if tag in ("script", "style"):
            self._raw = (tag, values, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scan.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self._raw is not None and tag == self._raw[0]:
            kind, attrs, body = self._raw
            if kind == "script":
                self.scan.scripts.append((attrs, "".join(body)))
            else:
                self.scan.styles.append("".join(body))
            self._raw = None

    def handle_data(self, data: str) -> None:
        (self._raw[2] if self._raw is not None else self.scan.text).append(data)

    def handle_comment(self, data: str) -> None:
        if not data.startswith("hipcoach:"):  # Today's live markers are the only comments
            self.scan.oddities.append(f"a comment <!--{data[:40]}-->")

    def unknown_decl(self, data: str) -> None:
        self.scan.oddities.append(f"a declaration <![{data[:40]}]>")

    def handle_pi(self, data: str) -> None:
        self.scan.oddities.append(f"a processing instruction <?{data[:40]}>")


def scan(html: str) -> Scan:
    """The page parsed into a Scan."""
    result = Scan()
    collector = _Collector(result)
    collector.feed(html)
    collector.close()
    return result


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _url(value: str) -> str:
    """A URL as a browser reads its scheme: no blanks or control characters, lower case."""
    kept = "".join(c for c in value if c > " " and unicodedata.category(c) != "Cc")
    return kept.lower()


def markup_problems(page: Scan) -> list[str]:
    """Every element or attribute on the page that only injected markup could make."""
    found = list(page.oddities)
    for tag, attrs in page.elements:
        if tag in FORBIDDEN_TAGS:
            found.append(f"a <{tag}> element")
        if tag == "meta" and "http-equiv" in attrs:
            found.append("a <meta http-equiv> element")
        if tag == "script":
            ours = attrs.get("src", "").startswith("/static/") or (
                attrs.get("type") == "application/json" and "src" not in attrs
            )
            if not ours:
                found.append(f"a <script {' '.join(attrs)}> that is not the app's")
        if tag == "link" and not (
            attrs.get("href", "").startswith("/static/")
            or (attrs.get("rel") == "icon" and attrs.get("href") == "data:,")
        ):
            found.append(f"a <link> to {attrs.get('href', '')[:40]!r}")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"an event handler {name}= on <{tag}>")
            elif name == "srcdoc":
                found.append(f"srcdoc= on <{tag}>")
            elif name == "style" and any(bad in value.lower() for bad in BAD_CSS):
                found.append(f"style={value[:40]!r} on <{tag}>")
            elif name in ("to", "from", "values", "by") and "javascript:" in _url(value):
                found.append(f"{name}={value[:40]!r} on <{tag}>")
            elif name in URL_ATTRS and _url(value).startswith(BAD_SCHEMES):
                url = _url(value)
                favicon = tag == "link" and url == "data:,"
                chart = tag == "img" and name == "src" and url.startswith("data:image/")
                if not (favicon or chart):
                    found.append(f"{name}={value[:40]!r} on <{tag}>")
    for attrs, body in page.scripts:
        if attrs.get("type") == "application/json":
            try:
                json.loads(body)
            except ValueError:
                found.append(f"a JSON <script> that is not JSON: {body[:40]!r}")
    for style in page.styles:
        if any(bad in style.lower() for bad in BAD_CSS):
            found.append(f"a <style> with {style[:40]!r}")
    return found


# ---- judging an answer -------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def judge(
    response: Any, payload: str, shown: str | Sequence[str] | None, others: Sequence[str] = ()
) -> list[str]:
    """What is wrong with `response` to a request that carried `payload`.

    `shown` is the text the place should read back (the payload, perhaps trimmed; or
    several such texts), or None when the place shows nothing of it. `others` are
    payloads the page may show too (a list of devices, the recent sessions): one of
    them, escaped, can read like this one raw (`<script>` escaped is `&lt;script&gt;`,
    the "entities" payload).
    """
    raw = MARKUP & set(payload) and not any(payload in escape(o) for o in others if o != payload)
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    problems: list[str] = []
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    body = response.text
    if kind in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"):
        page = scan(body)
        problems += markup_problems(page)
        if raw and payload in body:
            problems.append("the payload stands raw in the source")
        readable = page.words()
    elif kind == "application/json":
        try:
            readable = "\n".join(_strings(json.loads(body))) if body else ""
        except ValueError:
            return [*problems, "a JSON answer that is not JSON"]
    elif kind in ("text/plain", "text/calendar", ""):
        if raw and payload in body:
            problems.append(f"the payload stands raw in a {kind or 'typeless'} answer")
        readable = body
    else:
        readable = ""
    wanted = [shown] if isinstance(shown, str) else list(shown or ())
    words = _norm(readable) if wanted else ""
    for text in wanted:
        if _norm(text) not in words:
            problems.append(f"{text[:30]!r} is not shown (status {response.status_code}, {kind})")
            break
    return problems


def expect(failures: dict[str, list[str]], limit: int = 40) -> None:
    """Fail with every case that went wrong, one line each."""
    lines = [f"{case}: {'; '.join(found)}" for case, found in failures.items() if found]
    assert not lines, f"{len(lines)} case(s) failed:\n" + "\n".join(lines[:limit])


class Forms:
    """Posts forms as a browser does: with the token of the page that holds the form.

    Before a post it reads the hidden `csrf_token` input of that page, if there is one:
    from a GET of the page, kept while the server takes it (a refused post re-shown
    with its error is the page again, with its own token); a 403 reads the page anew.
    """

    TOKEN = re.compile(r"<input[^>]*\bname=\"csrf_token\"[^>]*>")
    VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._pages: dict[str, str] = {}

    def post(self, page: str, action: str, data: dict[str, Any], **options: Any) -> Any:
        kept = page in self._pages
        answer = self._post(page, action, data, options)
        if answer.status_code == 403 and kept:  # a token gone stale: read the page again
            self._pages.pop(page)
            answer = self._post(page, action, data, options)
        if answer.status_code == 422 and "text/html" in answer.headers.get("content-type", ""):
            self._pages[page] = answer.text  # the same form again, with a token of its own
        return answer

    def _post(self, page: str, action: str, data: dict[str, Any], options: dict[str, Any]) -> Any:
        html = self._pages.get(page)
        if html is None:
            html = self._pages[page] = self.client.get(page, headers={"accept": "text/html"}).text
        token = self._token(html, action)
        return self.client.post(
            action, data=data | ({"csrf_token": token} if token else {}), **options
        )

    def _token(self, html: str, action: str) -> str | None:
        start = html.find(f'action="{action}"')
        found = self.TOKEN.search(html, start if start >= 0 else 0)
        value = self.VALUE.search(found.group(0)) if found else None
        return value.group(1) if value else None


# ---- the apps ------------------------------------------------------------------------------


def make_client(folder: Path, **env: str) -> TestClient:
    """A client on a fresh app, as this computer's own browser reaches it."""
    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(folder), **env})
    return TestClient(
        create_app(settings),
        base_url="http://127.0.0.1",
        client=("127.0.0.1", 50000),
        raise_server_exceptions=False,
    )


@pytest.fixture(scope="module")
def no_charts() -> Iterator[None]:
    """The report without drawing its PNG charts (half a second each; pictures, not text)."""
    with charts_left_out():
        yield


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the query, path, header and form places: screened clear, with a plan."""
    load_library.cache_clear()
    with make_client(tmp_path_factory.mktemp("site")) as client:
        screen_clear(client)
        made = client.post(f"{API}/plan", json={"goal": "jammed-hips", "days": "mon,wed,fri"})
        assert made.status_code == 201, made.text
        yield client


@pytest.fixture(scope="module")
def pairing_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app that listens beyond this computer, so unpaired browsers meet the pairing page."""
    with make_client(tmp_path_factory.mktemp("pairing"), HIPCOACH_HOST="0.0.0.0") as client:
        yield client


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The export of a real session (begun, three steps, a cramp), from an app of its own."""
    with make_client(tmp_path_factory.mktemp("seed")) as client:
        return seed_export(client)


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory, no_charts: None) -> Iterator[TestClient]:
    """An app that takes one hostile export after another (each the newest of everything)."""
    with make_client(tmp_path_factory.mktemp("journal")) as client:
        yield client


def import_hostile(
    client: TestClient,
    seed: dict[str, Any],
    text: Callable[[StoredField], str],
    stop: bool,
    *,
    api: bool = False,
) -> tuple[Any, str]:
    """Import a hostile export: its session id, and the API's answer when `api`.

    Through the service by default (what POST /import runs, in a process of its own that
    takes a second to start); through the API where its answer is checked.
    """
    document, session_id = hostile_export(seed, text, stop=stop)
    if api:
        answer = client.post(f"{API}/import", json=document)
        assert answer.status_code == 200, answer.text
        return answer, session_id
    from hipcoach.services.data import import_data

    with tempfile.TemporaryDirectory(prefix="hipcoach-xss-") as folder:
        path = Path(folder) / "import.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        import_data(client.app.state.ctx, path)  # type: ignore[attr-defined]
    return None, session_id


# ---- query parameters, paths and headers --------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A place reached by one request: how to make it, and whether it reads the text back."""

    id: str
    make: Callable[[TestClient, Forms, str], Any]
    shown: Callable[[str], str | None] = lambda text: None
    pairing: bool = False  # on the server that listens beyond loopback
    takes: Callable[[str], bool] = lambda text: True  # whether HTTP can carry the text at all


def _get(path: str, **params: str) -> Callable[[TestClient, Forms, str], Any]:
    def make(client: TestClient, forms: Forms, text: str) -> Any:
        query = {name: (text if value == "*" else value) for name, value in params.items()}
        return client.get(path, params=query, headers={"accept": "text/html"})

    return make


def _path(template: str, method: str = "GET") -> Callable[[TestClient, Forms, str], Any]:
    def make(client: TestClient, forms: Forms, text: str) -> Any:
        url = template.format(quote(text, safe=""))
        if method == "POST":
            return forms.post("/settings", url, {}, follow_redirects=False)
        return client.get(url, headers={"accept": "text/html"})

    return make


def _header(name: str, path: str, method: str = "GET") -> Callable[[TestClient, Forms, str], Any]:
    def make(client: TestClient, forms: Forms, text: str) -> Any:
        headers = {name: text, "accept": "text/html"}
        if method == "POST":
            return client.post(path, headers=headers, follow_redirects=False)
        return client.get(path, headers=headers)

    return make


def _header_safe(text: str) -> bool:
    """A header value a browser sends as it is: ASCII, no line breaks or NUL, not blank.

    (The TestClient sends other characters as UTF-8, which the server reads as Latin-1.)
    """
    return text.isascii() and text.strip() != "" and not set(text) & {"\r", "\n", "\x00"}


def _stripped(text: str) -> str:
    return text.strip()


REQUESTS: tuple[Request, ...] = (
    Request("query:today.pain_now", _get("/", pain_now="*"), _stripped),
    Request("query:today.morning_after", _get("/", morning_after="*"), _stripped),
    Request("query:player.routine", _get("/player", routine="*")),
    Request(
        "query:player.session",
        _get("/player", session="*"),
        lambda text: text if len(text) <= 100 else None,  # longer: 422, Query(max_length=100)
    ),
    Request("query:screen.saved", _get("/screen", saved="*")),
    Request("query:docs.any", _get("/docs", tag="*", q="*")),
    Request("query:pair.code", _get("/pair", code="*"), lambda t: t, pairing=True),
    Request(
        "path:library.exercise_id",
        _path("/library/{}"),
        # A "/" makes another (unknown) path; the id arrives decoded twice (%253C as %3C).
        lambda text: unquote(text) if "/" not in text else None,
    ),
    Request("path:unknown", _path("/no-such-page/{}")),
    Request("path:static", _path("/static/{}")),
    Request("path:figure", _path(API + "/figures/{}.svg")),
    Request("path:api.session", _path(API + "/sessions/{}")),
    Request("path:settings.revoke", _path("/settings/devices/{}/revoke", "POST")),
    Request(
        "header:host.refused", _header("host", "/"), lambda t: repr(t)[1:-1], takes=_header_safe
    ),
    Request(
        "header:host.localhost",
        lambda client, forms, text: forms.post(
            "/settings",
            "/settings/pair",
            {},
            headers={"host": text + ".localhost"},
        ),
        takes=_header_safe,
    ),
    Request(
        "header:origin",
        _header("origin", API + "/plan/pause", "POST"),
        _stripped,
        takes=_header_safe,
    ),
    Request("header:user-agent", _header("user-agent", "/pair"), pairing=True, takes=_header_safe),
)


@pytest.mark.parametrize("place", REQUESTS, ids=[r.id for r in REQUESTS])
def test_requests_show_no_markup(
    place: Request, site: TestClient, pairing_site: TestClient
) -> None:
    client = pairing_site if place.pairing else site
    forms = Forms(client)
    failures = {}
    for payload in PAYLOADS:
        if place.takes(payload.text):
            answer = place.make(client, forms, payload.text)
            failures[payload.id] = judge(answer, payload.text, place.shown(payload.text))
    expect(failures)


# ---- forms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One way to fill a form: which fields get the text, and which of them show it back.

    `fields` builds the posted data from the text; `shows` lists the fields whose text
    the answer (or, for a stored value, each of the `then` pages) must read back.
    """

    id: str
    page: str
    action: str
    fields: Callable[[str], dict[str, Any]]
    shows: tuple[str, ...]
    then: tuple[str, ...] = ()  # pages to load after a post that stored the text
    pairing: bool = False


MEASURE_VALID: dict[str, Any] = {
    "left_ir": "31",
    "left_er": "42",
    "right_ir": "29",
    "right_er": "44",
    "pain": "2",
    "global_rating": "70",
    "sit_tall_left": "2",
    "sit_tall_right": "3",
    "method": "goniometer",
    "position": "seated",
    "at": "",
    "note": "after the walk",
    "psfs_activity": ["socks", "stairs"],
    "psfs_score": ["5", "6"],
}
MEASURE_TEXT = ("left_ir", "left_er", "right_ir", "right_er", "pain", "global_rating", "at")
MEASURE_CHOICE = ("sit_tall_left", "sit_tall_right", "method", "position")
SCREEN_NO = dict.fromkeys((
    "trauma", "cannot_bear_weight", "leg_shape", "hot_swollen", "bowel_bladder",
    "pale_cold_foot", "night_pain", "weight_loss", "cancer", "steroids", "numbness",
    "groin_clicking", "under_18", "pregnant", "fai",
), "no")  # fmt: skip
REPLACEMENT = {"replacement": "yes", "replacement_cleared": "yes"}
PLAN_VALID = {"goal": "jammed-hips", "days": ["mon", "wed", "fri"], "time": "", "weeks": "4"}


def _measure_one(name: str) -> Shape:
    """`name` wrong and everything else right: the error names it (and the value stays)."""
    return Shape(
        f"form:measure.{name}",
        "/measure",
        "/measure",
        lambda text: MEASURE_VALID | {name: text},
        (name,),
    )


SHAPES: tuple[Shape, ...] = (
    Shape(
        "form:screen.yes_no",
        "/screen",
        "/screen",
        lambda text: dict.fromkeys([*SCREEN_NO, *REPLACEMENT], text),
        (),
    ),
    Shape(
        "form:screen.replacement_side",
        "/screen",
        "/screen",
        lambda text: (
            SCREEN_NO | REPLACEMENT | {"replacement_side": text, "replacement_approach": "anterior"}
        ),
        ("replacement_side",),
    ),
    Shape(
        "form:screen.replacement_approach",
        "/screen",
        "/screen",
        lambda text: (
            SCREEN_NO | REPLACEMENT | {"replacement_side": "left", "replacement_approach": text}
        ),
        ("replacement_approach",),
    ),
    # Weeks are read first: the form comes back with every value in it.
    Shape(
        "form:plan.weeks",
        "/plan",
        "/plan",
        lambda text: {"goal": text, "days": text, "time": text, "weeks": text},
        ("time", "weeks"),
    ),
    Shape(
        "form:plan.goal",
        "/plan",
        "/plan",
        lambda text: {"goal": text, "days": text, "time": text, "weeks": "4"},
        ("goal", "time"),
    ),
    Shape("form:plan.time", "/plan", "/plan", lambda text: PLAN_VALID | {"time": text}, ("time",)),
    # Days outside the week are dropped: the plan is made with the goal's own days.
    Shape("form:plan.days", "/plan", "/plan", lambda text: PLAN_VALID | {"days": text}, ()),
    Shape(
        "form:plan.pause.reason",
        "/plan",
        "/plan/pause",
        lambda text: {"reason": text},
        ("reason",),
        then=("/plan", "/"),
    ),
    # Every field at once: the date is read first, so the refusal names it; every other
    # text input keeps its value.
    Shape(
        "form:measure.at",
        "/measure",
        "/measure",
        lambda text: (
            dict.fromkeys((*MEASURE_TEXT, *MEASURE_CHOICE, "note"), text)
            | {"psfs_activity": [text], "psfs_score": [text]}
        ),
        (*MEASURE_TEXT, "note", "psfs_activity", "psfs_score"),
    ),
    *(_measure_one(name) for name in (*MEASURE_TEXT, *MEASURE_CHOICE) if name != "at"),
    Shape(
        "form:measure.psfs_score",
        "/measure",
        "/measure",
        lambda text: MEASURE_VALID | {"psfs_score": [text, "6"]},
        ("psfs_score",),
    ),
    Shape(
        "form:measure.psfs_activity.twice",
        "/measure",
        "/measure",
        lambda text: MEASURE_VALID | {"psfs_activity": [text, text], "psfs_score": ["1", "2"]},
        ("psfs_activity",),
    ),
    # Saved: the next measuring offers the same activities, and progress lists them.
    Shape(
        "form:measure.psfs_activity.stored",
        "/measure",
        "/measure",
        lambda text: MEASURE_VALID | {"psfs_activity": [text, "stairs"], "note": text},
        ("psfs_activity",),
        then=("/measure", "/progress"),
    ),
    Shape("form:safety.sign", "/safety", "/safety/report", lambda text: {"sign": text}, ()),
    # Nothing is paused, so the all-clear is refused and says so (the values are not kept).
    Shape(
        "form:safety.clearance",
        "/safety",
        "/safety/clearance",
        lambda text: {"by": text, "on": text, "note": text},
        (),
    ),
    Shape(
        "form:settings.setup",
        "/settings",
        "/settings/preferences",
        lambda text: {"setup": text},
        (),
        then=("/settings", "/"),
    ),
    Shape(
        "form:pair.code_and_name",
        "/pair",
        "/pair",
        lambda text: {"code": text, "name": text},
        ("code", "name"),
        pairing=True,
    ),
)
FORM_FIELDS_SHOWN: dict[str, Callable[[str], str]] = {
    "code": lambda t: t[:40],
    "name": lambda t: t.strip()[:80],
    # The refusal quotes the answer as Python does (repr): \x01 for a control character.
    "replacement_side": lambda t: repr(t)[1:-1],
    "replacement_approach": lambda t: repr(t)[1:-1],
}


def _readback(shape: Shape, name: str, text: str) -> str:
    if name == "psfs_activity" and len(text.strip()) > 120:
        return "at most 120 characters"  # the refusal says so instead of repeating it
    return FORM_FIELDS_SHOWN.get(name, _stripped)(text)


@pytest.mark.parametrize("shape", SHAPES, ids=[s.id for s in SHAPES])
def test_forms_show_no_markup(
    shape: Shape, site: TestClient, pairing_site: TestClient, no_charts: None
) -> None:
    client = pairing_site if shape.pairing else site
    forms = Forms(client)
    failures = {}
    for payload in PAYLOADS:
        text = payload.text
        shown = [_readback(shape, name, text) for name in shape.shows]
        answer = forms.post(shape.page, shape.action, shape.fields(text), follow_redirects=False)
        pages = [answer]
        if shape.then:
            assert answer.status_code in (200, 303), (payload.id, answer.status_code, answer.text)
            pages = [client.get(page) for page in shape.then]
        failures[payload.id] = [p for page in pages for p in judge(page, text, shown)]
        if shape.action == "/plan/pause":
            forms.post("/plan", "/plan/resume", {})
    expect(failures)


def _readable(response: Any) -> str:
    if "html" in response.headers.get("content-type", ""):
        return scan(response.text).words()
    return str(response.text)


# ---- stored text ---------------------------------------------------------------------------

VIEWS = {
    "today": "/",
    "plan": "/plan",
    "screen": "/screen",
    "progress": "/progress",
    "measure": "/measure",
    "report": API + "/progress/report.html",
    "safety": "/safety",
    "player": API + "/sessions/{session}",
    "current": API + "/sessions/current",
}
# Where STORED_FIELDS' "player" view is read from: the session, and the session to resume.
ALIASES = {"player": ("player", "current")}


def _views(client: TestClient, session_id: str) -> dict[str, Any]:
    return {
        name: client.get(path.format(session=session_id), headers={"accept": "text/html"})
        for name, path in VIEWS.items()
    }


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_stored_text_shows_no_markup(
    payload: Payload, journal: TestClient, seed: dict[str, Any]
) -> None:
    """Every view after importing the payload into every field; then a session started
    under that (caution) screen, which lists the screen's changes; then a stop screen,
    which Today and Screen explain and which refuses a session with its reasons."""
    text = payload.text
    _, session_id = import_hostile(journal, seed, lambda f: text, stop=False)
    views = _views(journal, session_id)
    views["start"] = _start(journal, 201)
    import_hostile(journal, seed, lambda f: text, stop=True)
    stop = {f"{name}, stop": journal.get(VIEWS[name]) for name in ("today", "screen")}
    stop["start, stop"] = _start(journal, 403)
    stored = [f for f in STORED_FIELDS if f.limit is None or len(text) <= f.limit]
    failures = {}
    for name, answer in views.items():
        shown_here = any(name in ALIASES.get(view, (view,)) for f in stored for view in f.shown)
        failures[name] = judge(answer, text, text if shown_here else None, OTHERS)
    for name, answer in stop.items():
        failures[name] = judge(answer, text, text, OTHERS)
    expect(failures)


def _start(client: TestClient, status: int) -> Any:
    """Start a session as the player does (finished at once, so none is left to resume)."""
    started = client.post(f"{API}/sessions", json={"routine_id": "morning-pry"})
    assert started.status_code == status, started.text
    if status == 201:
        finished = client.post(
            f"{API}/sessions/{started.json()['session_id']}/finish", json={"completed": False}
        )
        assert finished.status_code == 200, finished.text
    return started


def test_stored_fields_show_where_listed(journal: TestClient, seed: dict[str, Any]) -> None:
    """Each stored field, marked apart, shows on the views STORED_FIELDS names: the
    cases above test those views, and not views that never read the field."""
    marks = {f.id: f"{HARMLESS} m{n}x" for n, f in enumerate(STORED_FIELDS)}
    imported, session_id = import_hostile(
        journal, seed, lambda f: marks[f.id], stop=False, api=True
    )
    views = _views(journal, session_id) | {"import": imported}
    views["start"] = _start(journal, 201)
    readable = {name: _norm(_readable(answer)) for name, answer in views.items()}
    wrong = []
    for f in STORED_FIELDS:
        mark = _norm(marks[f.id])
        found = {name for name, words in readable.items() if mark in words}
        wanted = {name for view in f.shown for name in ALIASES.get(view, (view,))}
        if found != wanted:
            wrong.append(f"{f.id}: shown on {sorted(found)}, listed {sorted(wanted)}")
    assert not wrong, "\n".join(wrong)


def test_device_names_show_no_markup(site: TestClient) -> None:
    """Paired devices' names (typed on the pairing page) are listed under Settings."""
    from hipcoach.services.devices import device_name, new_pairing_code, pair_device

    ctx = site.app.state.ctx  # type: ignore[attr-defined]
    for payload in PAYLOADS:
        pair_device(ctx, new_pairing_code(ctx).code, payload.text)
    page = site.get("/settings")
    texts = [p.text for p in PAYLOADS]
    # Stored as one line of printable text (device_name): the list shows that.
    failures = {p.id: judge(page, p.text, device_name(p.text), texts) for p in PAYLOADS}
    expect(failures)


# ---- the checker itself, and the list of places --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/screen",
        "/library",
        "/plan",
        "/progress",
        "/measure",
        "/player",
        "/settings",
        "/safety",
        "/docs",
    ],
)
def test_plain_pages_pass_the_checker(path: str, site: TestClient) -> None:
    """The app's own markup is clean by these rules, so a finding is always injected."""
    answer = site.get(path)
    assert answer.status_code == 200
    assert markup_problems(scan(answer.text)) == []


# Payloads with no markup characters are harmless as text (no template puts text in a URL).
MARKED = [p for p in PAYLOADS if MARKUP & set(p.text)]


@pytest.mark.parametrize("payload", MARKED, ids=[p.id for p in MARKED])
def test_the_checker_catches_each_payload_unescaped(payload: Payload) -> None:
    """Every payload with markup, pasted raw into a page as an unescaped template would, is
    caught."""
    for page in (
        f"<p>{payload.text}</p>",
        f'<input value="{payload.text}">',
        f"<input value='{payload.text}'>",
        f'<script type="application/json">{{"a": "{payload.text}"}}</script>',
    ):
        caught = judge(_Answer(page), payload.text, payload.text)
        assert caught, f"{payload.id} pasted raw passes in {page[:60]!r}"


@dataclass
class _Answer:
    text: str
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/html"})


def test_every_place_is_listed_and_every_page_is_covered() -> None:
    """The docstring lists every place; every page route of the app is one of them."""
    from hipcoach.web import pages

    listed = set(re.findall(r"\b((?:query|path|header|form):[\w.]+)", __doc__ or ""))
    tested = {r.id for r in REQUESTS} | {s.id for s in SHAPES}
    missing = sorted(t for t in tested if not any(t.startswith(x) for x in listed))
    assert not missing, f"places tested but not in the docstring: {missing}"
    covered = {
        ("GET", "/"), ("GET", "/screen"), ("GET", "/library"), ("GET", "/library/{exercise_id}"),
        ("GET", "/progress"), ("GET", "/settings"), ("GET", "/player"), ("GET", "/plan"),
        ("GET", "/measure"), ("GET", "/pair"), ("POST", "/screen"), ("POST", "/plan"),
        ("POST", "/plan/pause"), ("POST", "/plan/resume"), ("POST", "/measure"),
        ("POST", "/pair"), ("POST", "/settings/pair"),
        ("POST", "/settings/devices/{device_id}/revoke"),
        ("GET", "/safety"), ("POST", "/safety/report"), ("POST", "/safety/clearance"),
        ("POST", "/settings/preferences"),
        ("GET", "/docs"),  # the app's own API description: no outside text
    }  # fmt: skip
    routes = {
        (method, str(getattr(route, "path", "")))
        for router in pages.ROUTERS
        for route in router.routes
        for method in set(getattr(route, "methods", None) or ()) - {"HEAD"}
    }
    assert routes <= covered, f"pages with no XSS cases yet: {sorted(routes - covered)}"
