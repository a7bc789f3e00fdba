"""The error answers of the API, as the OpenAPI document lists them.

Every refusal has one JSON shape (see web.errors and web.gate): `error`, a message
for people, and `field`, the request field it is about or null. A request that does
not fit the schema also lists its `problems`, one per field; a refusal with several
causes lists its `reasons`. `errors(...)` builds a route's `responses=` from the statuses the
route itself can give, plus those the security gate gives before any route runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from hipcoach.web.gate import MAX_BODY_BYTES

Responses = dict[int | str, dict[str, Any]]


class ErrorOut(BaseModel):
    """A refusal: what went wrong, and which field of the request it is about."""

    error: str = Field(description="What went wrong, in plain words.")
    field: str | None = Field(
        description="The request field it is about, such as `pain` or `options.sides`; "
        "null when it is about the request as a whole."
    )
    reasons: list[str] = Field(
        default_factory=list,
        description="Each reason, with the rule it comes from, when there are several.",
    )


class ProblemOut(BaseModel):
    """One value of the request that does not fit the schema."""

    field: str = Field(description="The field, such as `pain` or `psfs.0.score`.")
    message: str = Field(description="What is wrong with it.")


class InvalidOut(ErrorOut):
    """A request that was refused for its values: `field` names the first one."""

    problems: list[ProblemOut] = Field(
        default_factory=list,
        description="Every value that does not fit the schema (absent for other refusals).",
    )


# What each status means on any route; a route adds what it means there (`about`).
MEANINGS: dict[int, str] = {
    400: "The request could not be read: this server does not answer to that host name, "
    "a header is malformed, or the body is not readable JSON.",
    401: "This device is not paired with hipcoach yet. Only when the server listens "
    "beyond this computer; open the pairing link that `hipcoach serve` printed.",
    403: "Refused because the request came from another website, or came as a form "
    "without its security token: only hipcoach's own pages and programs may change "
    "your data.",
    404: "Nothing with that id.",
    409: "The request does not fit the session as it is now.",
    413: f"The request body is larger than this address takes ({MAX_BODY_BYTES // 1024} KB).",
    415: "The body is not JSON: send it as application/json.",
    422: "A value is missing or not allowed: `field` names it, `problems` lists each one.",
    503: "The journal could not be read or written, so nothing was changed. Try again.",
}
# The security gate answers these on every API route before the route runs.
GATE_STATUSES = (400, 401)
# ... and these on every request that can change something (POST).
CHANGE_STATUSES = (403, 413)


def errors(
    *statuses: int, changes: bool = False, about: Mapping[int, str] | None = None
) -> Responses:
    """`responses=` for a route that can answer `statuses` itself.

    The gate's refusals are added: 400 and 401 always, 403 and 413 when `changes`
    (a POST). `about` says what a status means on this route, in place of its general
    meaning; where the gate gives the same status for its own reason, say both.
    """
    own = set(statuses)
    notes = dict(about or {})
    if unknown := sorted(set(notes) - own):
        raise ValueError(f"`about` describes {unknown}, which the route does not answer")
    gate = set(GATE_STATUSES) | (set(CHANGE_STATUSES) if changes else set())
    responses: Responses = {}
    for status in sorted(own | gate):
        if status not in MEANINGS:
            raise ValueError(f"no meaning written for HTTP status {status}")
        description = notes.get(status, MEANINGS[status])
        model = InvalidOut if status == 422 else ErrorOut
        responses[status] = {"model": model, "description": description}
    return responses
