"""Script-injection payloads for the XSS tests, each tagged with the trick it tries.

Every payload that would run script in a browser sets the marker the browser
test looks for: `window.__xss = 1` (or `parent.__xss` from a frame), or a
dialog (`alert(1)`). The rest are probes whose harm shows in the markup: a
template expression evaluated on the server (`{{7*7}}` turning into 49), a
CSS expression, a URL scheme in an attribute. Plain data, no imports of the app:
the in-process test (tests/web/security/test_xss.py) runs all of them, the
Chromium test (tests/web/browser/test_xss.py) the representative BROWSER_IDS.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

CATEGORIES = (
    "tag",
    "attribute",
    "url",
    "namespace",
    "encoding",
    "unicode",
    "script-context",
    "template",
    "css",
)


@dataclass(frozen=True)
class Payload:
    """One hostile string: a short id for test names, its category and the text itself."""

    id: str
    category: str
    text: str


def _p(id_: str, category: str, text: str) -> Payload:
    assert category in CATEGORIES, category
    return Payload(id_, category, text)


M = "window.__xss=1"  # the marker every executing payload sets

PAYLOADS: tuple[Payload, ...] = (
    # Elements that run script as soon as they are parsed, loaded or laid out.
    _p("script", "tag", f"<script>{M}</script>"),
    _p("script-src", "tag", "<script src=data:text/javascript,window.__xss=1></script>"),
    _p("img-onerror", "tag", f"<img src=x onerror={M}>"),
    _p("svg-onload", "tag", f"<svg onload={M}>"),
    _p("iframe-srcdoc", "tag", '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>'),
    _p("details-ontoggle", "tag", f"<details open ontoggle={M}><summary>x</summary></details>"),
    _p("body-onload", "tag", f"<body onload={M}>"),
    _p("input-autofocus", "tag", f"<input autofocus onfocus={M}>"),
    _p("video-source", "tag", f"<video><source onerror={M}></video>"),
    _p("marquee", "tag", f"<marquee onstart={M}>x</marquee>"),
    _p("object-data", "tag", '<object data="javascript:alert(1)"></object>'),
    _p("embed", "tag", '<embed src="data:text/html,<script>alert(1)</script>">'),
    _p("base-href", "tag", '<base href="javascript:alert(1)//">'),
    _p(
        "meta-refresh",
        "tag",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    ),
    _p(
        "template-shadow",
        "tag",
        f"<template shadowrootmode=open><img src=x onerror={M}></template>",
    ),
    _p(
        "noscript-title",
        "tag",
        f'<noscript><p title="</noscript><img src=x onerror={M}>"></noscript>',
    ),
    _p(
        "math-mglyph",
        "tag",
        f"<math><mtext><table><mglyph><style><img src=x onerror={M}></style></mglyph></table>",
    ),
    _p("form-action", "tag", '<form action="javascript:alert(1)"><button>go</button></form>'),
    # Breaking out of an attribute value, whatever quote it uses (or none).
    _p("attr-double", "attribute", f'" onmouseover="{M}" autofocus onfocus="{M}" x="'),
    _p("attr-single", "attribute", f"' autofocus onfocus='{M}' x='"),
    _p("attr-backtick", "attribute", f"` autofocus onfocus=`{M}` x=`"),
    _p("attr-unquoted", "attribute", f"x autofocus onfocus={M} "),
    _p("attr-close-tag", "attribute", f'"><img src=x onerror={M}>'),
    _p("attr-close-single", "attribute", f"'><svg onload={M}>"),
    _p(
        "attr-overlay",
        "attribute",
        f'" style="position:fixed;inset:0;display:block" onpointerover="{M}" x="',
    ),
    # URLs that run script when followed, loaded or framed.
    _p("url-javascript", "url", f"javascript:{M}"),
    _p("url-case", "url", f"JaVaScRiPt:{M}"),
    _p("url-entity-tab", "url", f"jav&#x09;ascript:{M}"),
    _p("url-control", "url", f" \x01\x0bjavascript:{M}"),
    _p("url-newline", "url", "java\nscript:alert(1)"),
    _p("url-data-html", "url", "data:text/html,<script>alert(1)</script>"),
    _p(
        "url-data-base64",
        "url",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ),
    _p("url-vbscript", "url", "vbscript:msgbox(1)"),
    # SVG and MathML parse by other rules: their own scripts, links and animations.
    _p("svg-script", "namespace", f"<svg><script>{M}</script></svg>"),
    _p(
        "svg-xlink",
        "namespace",
        f'<svg><a xlink:href="javascript:{M}"><text y="20">x</text></a></svg>',
    ),
    _p(
        "svg-animate",
        "namespace",
        f"<svg><animate onbegin={M} attributeName=x dur=1s></animate></svg>",
    ),
    _p(
        "svg-set-href",
        "namespace",
        '<svg><a><set attributeName=href to="javascript:alert(1)"/><text y=20>x</text></a></svg>',
    ),
    _p(
        "svg-foreign",
        "namespace",
        f"<svg><foreignObject><img src=x onerror={M}></foreignObject></svg>",
    ),
    _p(
        "math-href",
        "namespace",
        '<math><mi xlink:href="javascript:alert(1)" href="javascript:alert(1)">x</mi></math>',
    ),
    # Text that is markup only once something decodes it (once or twice) on the way.
    _p("entities", "encoding", f"&lt;script&gt;{M}&lt;/script&gt;"),
    _p("numeric-entities", "encoding", f"&#60;img src=x onerror={M}&#62;"),
    _p("percent", "encoding", f"%3Cscript%3E{M}%3C/script%3E"),
    _p("double-percent", "encoding", "%253Csvg%2520onload%253Dalert(1)%253E"),
    _p("double-entity", "encoding", "&amp;lt;img src=x onerror=alert(1)&amp;gt;"),
    _p("js-escape", "encoding", "\\u003cimg src=x onerror=alert(1)\\u003e"),
    # Look-alike and invisible characters, and separators JavaScript treats as new lines.
    _p("fullwidth", "unicode", f"\uff1cscript\uff1e{M}\uff1c/script\uff1e"),
    _p("small-forms", "unicode", "\ufe64script\ufe65alert(1)\ufe64/script\ufe65"),
    _p("line-separators", "unicode", f"\u2028</script><script>{M}</script>\u2029"),
    _p("zero-width", "unicode", f"\u200b<img\u200d src=x onerror={M}>\ufeff"),
    _p("rtl-override", "unicode", f"\u202e<svg onload={M}>\u202c"),
    _p("overlong", "unicode", "%C0%BCscript%C0%BEalert(1)%C0%BC/script%C0%BE \u00c0\u00bc"),
    _p("nul-split", "unicode", f"<scr\x00ipt>{M}</scr\x00ipt>"),
    # Closing the context the text is embedded in: a script, a comment, CDATA, JSON, a title.
    _p("close-script", "script-context", f"</script><script>{M}</script>"),
    _p("close-comment", "script-context", f"--><script>{M}</script><!--"),
    _p("open-comment", "script-context", f"<!--<script>{M}</script>-->"),
    _p("close-cdata", "script-context", f"]]><script>{M}</script><![CDATA["),
    _p("close-json", "script-context", f'"}}</script><script>{M}</script>{{"'),
    _p("close-title", "script-context", f"</title></textarea><script>{M}</script>"),
    _p("js-string", "script-context", f"';{M};//\\';{M};//\"" + ";alert(1);//"),
    # Server-side template syntax: harmless text, unless a template evaluates it.
    _p("jinja-expr", "template", "{{7*7}}{{ ''.__class__ }}"),
    _p("jinja-raw", "template", f"{{% raw %}}<script>{M}</script>{{% endraw %}}"),
    _p("jinja-block", "template", "{% for x in range(3) %}{{ x }}{% endfor %}{# c #}"),
    _p("dollar-expr", "template", "${7*7}#{7*7}<%= 7*7 %>"),
    # Style that escapes into markup or runs script (old engines) through CSS.
    _p("close-style", "css", f"</style><script>{M}</script>"),
    _p("css-expression", "css", "x;width:expression(alert(1));background:url(javascript:alert(1))"),
    _p("style-attr", "css", f'<div style="width:expression({M})">x</div>'),
    _p("style-element", "css", '<style>*{background:url("javascript:alert(1)")}</style>'),
    _p("link-css", "css", '<link rel=stylesheet href="data:text/css,*{x:expression(alert(1))}">'),
)

BY_ID = {p.id: p for p in PAYLOADS}
assert len(BY_ID) == len(PAYLOADS), "payload ids must be unique"

# The Chromium subset (10): every category but URLs (no template puts text in one) and
# templates (only a server evaluates those),
# weighted to what only a browser shows: events that fire on load, error, focus, hover,
# toggles and animations, frames, and the parser's own quirks (<noscript>, <style>).
BROWSER_IDS = (
    "img-onerror",
    "iframe-srcdoc",
    "details-ontoggle",
    "noscript-title",
    "attr-double",
    "svg-animate",
    "entities",
    "line-separators",
    "close-script",
    "close-style",
)
BROWSER_PAYLOADS = tuple(BY_ID[i] for i in BROWSER_IDS)

# Plain words in the same places, to tell a page that shows nothing from one that broke.
HARMLESS = "Harmless words 42"


# ---- a hostile journal ---------------------------------------------------------------------
#
# Everything an import can carry that a page, the player or the report may show later, as
# one JSON export. `seed_export` plays a real session on a server (so the stored plan of
# the session, its splice and its fingerprint are the app's own); `hostile_export` copies
# it and writes a chosen text into every free-text field of every kind of record.

API = "/api/v1"


@dataclass(frozen=True)
class StoredField:
    """A free-text field of the export file, and the views that show it.

    `shown` names views: "today", "plan", "screen", "progress", "measure", "report" (the
    printable HTML report), "player" (the session JSON the player builds its DOM from:
    GET /sessions/{id} and /sessions/current), "start" (POST /sessions: the changes the
    player lists before the first step), "import" (the import's JSON answer). Empty when
    no view shows the field (kept in the file, and in the JSON API, only). `limit` is the
    column's length: a longer text cannot be stored, so that pair is left out.
    """

    id: str
    shown: tuple[str, ...] = ()
    limit: int | None = None


STORED_FIELDS: tuple[StoredField, ...] = (
    StoredField("plans.status_reason", ("today", "plan")),
    StoredField("sessions.routine_name", ("today",), limit=200),
    StoredField("sessions.options.adjustments.reason", ("player",)),
    StoredField("sessions.options.adjustments.rule_id", ("player",), limit=64),
    StoredField("sessions.options.splices.interlude.text", ("player",)),
    StoredField("sessions.options.splices.interlude.cue", ("player",)),
    StoredField("sessions.options.splices.interlude.spoken", ("player",)),
    StoredField("sessions.options.splices.adjustments.reason", ("player",)),
    StoredField("sessions.options.splices.adjustments.rule_id", ("player",), limit=64),
    StoredField("sessions[old].routine_name", ("today",), limit=200),
    StoredField("sessions[old].routine_id", (), limit=100),
    StoredField("segment_events.exercise_id", (), limit=100),
    StoredField("screens.outcome.reasons.reason", ("screen",)),
    StoredField("screens.outcome.reasons.rule_id", ("screen",), limit=64),
    StoredField("screens.outcome.adjustments.reason", ("screen", "today", "start")),
    StoredField("screens.outcome.adjustments.rule_id", ("screen", "today", "start"), limit=64),
    StoredField("screens.outcome.what_to_do", ("screen",)),
    StoredField("screens.outcome.what_would_change_it", ("screen",)),
    StoredField("symptom_events.rule_id", (), limit=64),
    StoredField("symptom_events.action", ()),
    StoredField("measurements.note", ()),
    *(
        StoredField(
            f"questionnaire_responses.psfs.items[{n}].activity", ("progress", "measure", "report")
        )
        for n in range(5)
    ),
    StoredField("questionnaire_responses[other].questionnaire_id", (), limit=100),
    StoredField("questionnaire_responses[other].answers", ()),
    # A pause lifted by a clearance: the Warning signs page lists it with who cleared it.
    StoredField("holds.rule_ids", ("safety",), limit=64),
    StoredField("holds.cleared_by", ("safety",), limit=100),
    StoredField("holds.clearance_note", ("safety",), limit=500),
    StoredField("holds.what_to_do", (), limit=2000),  # said only while the pause holds
    StoredField("preferences.value", (), limit=200),  # only "true" switches a choice on
    StoredField("profile.name", ("import",), limit=100),
    StoredField("hipcoach_version", ()),
)
STORED_BY_ID = {f.id: f for f in STORED_FIELDS}


@contextmanager
def charts_left_out() -> Iterator[None]:
    """The report without drawing its PNG charts (half a second each; pictures, not text)."""
    import pytest

    from hipcoach.report import calendar_chart, charts, score_charts
    from hipcoach.report import html as report_html

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_html, "_data_uri", lambda figure: "data:image/png;base64,")
        for module, name in (
            (charts, "rom_figure"),
            (calendar_chart, "calendar_figure"),
            (score_charts, "scores_figure"),
            (score_charts, "psfs_figure"),
        ):
            patch.setattr(module, name, lambda view: None)
        yield


def screen_clear(http: Any) -> None:
    """Answer no to every question of the readiness screen, through the API."""
    questions = http.get(f"{API}/screen/questions").json()["questions"]
    answers = {q["id"]: False for q in questions if not q["follows"]}
    taken = http.post(f"{API}/screen", json={"answers": answers})
    assert taken.status_code == 201, taken.text


def seed_export(http: Any) -> dict[str, Any]:
    """A server's JSON export after a real session: begun, three steps saved, then a cramp.

    `http` is any httpx-style client on the server (a TestClient, or LiveServer.api()).
    It answers the readiness screen (all clear) first, so that the session may start.
    """
    screen_clear(http)
    started = http.post(f"{API}/sessions", json={"routine_id": "morning-pry"})
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    for index in range(3):
        saved = http.post(
            f"{API}/sessions/{session_id}/segments",
            json={"index": index, "outcome": "completed", "elapsed_seconds": 5},
        )
        assert saved.status_code == 200, saved.text
    cramp = http.post(
        f"{API}/sessions/{session_id}/symptoms", json={"symptom": "cramp", "segment_index": 3}
    )
    assert cramp.status_code == 200, cramp.text
    exported = http.get(f"{API}/export", params={"format": "json"})
    assert exported.status_code == 200, exported.text
    document: dict[str, Any] = exported.json()
    (session,) = [s for s in document["records"]["sessions"] if s["id"] == session_id]
    assert session["options"]["splices"][0]["interlude"], "the cramp leaves a rest interlude"
    document["records"] = {
        "sessions": [session],
        "segment_events": [
            e for e in document["records"]["segment_events"] if e["session_id"] == session_id
        ],
        "symptom_events": [
            e for e in document["records"]["symptom_events"] if e["session_id"] == session_id
        ],
    }
    return document


def hostile_export(
    seed: dict[str, Any], text: Callable[[StoredField], str], *, stop: bool = False
) -> tuple[dict[str, Any], str]:
    """A new export holding `text(field)` in every field of STORED_FIELDS, and its session id.

    Every record is new (fresh session ids, times just now), so the same server takes
    one such file after another and each becomes the newest of its kind: its plan, its
    screen, its resumable session and its PSFS are the ones the pages show. A field whose
    text is longer than its column keeps a plain value. `stop` makes the screen a stop
    (sessions refused, with its reasons) instead of a caution.
    """
    now = datetime.now(UTC)

    def ago(ms: float) -> str:
        return iso(now - timedelta(milliseconds=ms))

    def put(field_id: str, plain: str = "plain") -> str:
        field = STORED_BY_ID[field_id]
        value = text(field)
        return plain if field.limit is not None and len(value) > field.limit else value

    def iso(moment: datetime) -> str:
        return moment.isoformat().replace("+00:00", "Z")

    doc = copy.deepcopy(seed)
    records = doc["records"]
    (session,) = records["sessions"]
    old_id, new_id = session["id"], uuid.uuid4().hex
    session.update(
        id=new_id,
        routine_name=put("sessions.routine_name", "Morning pry"),
        status="in_progress",
        started_at=ago(6),
        updated_at=ago(4),
        ended_at=None,
        plan_id=None,
    )
    options = session["options"]
    for item in options["adjustments"]:
        item["reason"] = put("sessions.options.adjustments.reason")
        item["rule_id"] = put("sessions.options.adjustments.rule_id")
    for splice in options["splices"]:
        for part in ("text", "cue", "spoken"):
            splice["interlude"][part] = put(f"sessions.options.splices.interlude.{part}")
        for item in splice["adjustments"]:
            item["reason"] = put("sessions.options.splices.adjustments.reason")
            item["rule_id"] = put("sessions.options.splices.adjustments.rule_id")
    for event in records["segment_events"]:
        event.update(session_id=new_id, recorded_at=ago(5))
    records["segment_events"][-1]["exercise_id"] = put("segment_events.exercise_id", "x")
    for event in records["symptom_events"]:
        event.update(
            session_id=new_id,
            recorded_at=ago(4.2),
            rule_id=put("symptom_events.rule_id", "symptom.cramp"),
            action=put("symptom_events.action"),
        )
    assert old_id != new_id
    # A finished session of a routine that does not exist (an id from somewhere else).
    records["sessions"].append(
        session
        | {
            "id": uuid.uuid4().hex,
            "routine_id": put("sessions[old].routine_id", "gone-routine"),
            "routine_name": put("sessions[old].routine_name", "Gone routine"),
            "options": {},
            "status": "completed",
            "started_at": ago(10),
            "updated_at": ago(8),
            "ended_at": ago(8),
        }
    )
    records["plans"] = [
        {
            "id": 1,
            "goal_id": "jammed-hips",
            "created_at": ago(12),
            "updated_at": ago(11.8),
            "start_date": (now.astimezone().date() - timedelta(days=8)).isoformat(),
            "weeks": 4,
            "weekdays": "mon,wed,fri",
            "time_of_day": "07:00",
            "status": "paused",
            "status_reason": put("plans.status_reason"),
        }
    ]
    records["screens"] = [_screen(put, ago(11), stop)]
    records["measurements"] = [
        {
            "id": 1,
            "measured_at": ago(9),
            "recorded_at": ago(9),
            "kind": "rom",
            "value": 31.0,
            "unit": "deg",
            "side": "left",
            "movement": "internal_rotation",
            "method": "inclinometer",
            "position": "seated",
            "note": put("measurements.note"),
        }
    ]
    records["questionnaire_responses"] = [
        {
            "id": 1,
            "questionnaire_id": "psfs",
            "answered_at": ago(8.8),
            "answers": {
                "items": [
                    {
                        # Numbered: two payloads the PSFS reads as one activity are refused.
                        "activity": f"{n + 1}. "
                        + put(f"questionnaire_responses.psfs.items[{n}].activity"),
                        "score": n,
                    }
                    for n in range(5)
                ]
            },
            "score": 2.0,
        },
        {
            "id": 2,
            "questionnaire_id": put("questionnaire_responses[other].questionnaire_id", "other"),
            "answered_at": ago(8.6),
            "answers": {"q1": put("questionnaire_responses[other].answers")},
            "score": None,
        },
    ]
    records["holds"] = [
        {
            "id": 1,
            "kind": "warning-sign",
            "level": "clinician",
            "since": ago(30),
            "rule_ids": [put("holds.rule_ids")],
            "reasons": ["plain"],
            "what_to_do": put("holds.what_to_do"),
            "signs": ["numbness"],
            "lifted_at": ago(20),
            "lifted_how": "clearance",
            "cleared_by": put("holds.cleared_by", "Dr A"),
            "cleared_on": now.astimezone().date().isoformat(),
            "clearance_note": put("holds.clearance_note"),
        }
    ]
    records["preferences"] = [
        # A key of its own per file: the same server takes one such file after another.
        {
            "id": 1,
            "key": f"note-{uuid.uuid4().hex[:12]}",
            "value": put("preferences.value"),
            "updated_at": ago(2),
        }
    ]
    doc["profile"] = {"name": put("profile.name", "local"), "created_at": iso(now)}
    doc["hipcoach_version"] = put("hipcoach_version")
    doc["exported_at"] = iso(now)
    return doc, new_id


def _form_version() -> int:
    from hipcoach.library.screening import SCREENING_FILE, load_screening_from

    return load_screening_from(SCREENING_FILE).version


def _screen(put: Callable[..., str], taken_at: str, stop: bool) -> dict[str, Any]:
    """A caution screen (FAI) or a stop (a fall), every sentence and rule id replaced."""
    reason, rule = put("screens.outcome.reasons.reason"), put("screens.outcome.reasons.rule_id")
    why, why_rule = (
        put("screens.outcome.adjustments.reason"),
        put("screens.outcome.adjustments.rule_id"),
    )
    adjustment: dict[str, Any] = {
        "exercise_ids": [],
        "replacement": None,
        "reason": why,
        "rule_id": why_rule,
    }
    if stop:
        adjustments = [adjustment | {"kind": "block_session", "effort_percent": None}]
    else:
        adjustments = [
            adjustment | {"kind": "cap_effort", "effort_percent": 60},
            adjustment | {"kind": "note", "effort_percent": None},
        ]
    questions = [
        "trauma", "cannot_bear_weight", "leg_shape", "hot_swollen", "bowel_bladder",
        "pale_cold_foot", "night_pain", "weight_loss", "cancer", "steroids", "numbness",
        "groin_clicking", "under_18", "replacement", "pregnant", "fai",
    ]  # fmt: skip
    answers = {q: q == ("trauma" if stop else "fai") for q in questions}
    return {
        "id": 1,
        "taken_at": taken_at,
        "status": "stop" if stop else "caution",
        "answers": answers,
        "outcome": {
            "status": "stop" if stop else "caution",
            "verdict": "stop" if stop else "proceed",
            # The current form's version: an older screen is evaluated again by today's
            # rules (services.screening.under_current_rules), which would replace these texts.
            "form_version": _form_version(),
            "valid_for_days": 90,
            "reasons": [
                {
                    "rule_id": rule,
                    "level": "urgent" if stop else "caution",
                    "question": "trauma" if stop else "fai",
                    "reason": reason,
                }
            ],
            "adjustments": adjustments,
            "what_to_do": [put("screens.outcome.what_to_do")],
            "what_would_change_it": [put("screens.outcome.what_would_change_it")],
        },
    }
