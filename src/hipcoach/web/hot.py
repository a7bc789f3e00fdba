"""The three requests a busy server answers most, served without the framework's layers.

An open Today tab loads `/`, the progress view loads `/api/v1/progress`, and
every running player posts each segment as it ends. Through FastAPI each of
these pays about 300 µs of middleware, routing and dependency resolution on a
two-core server, more than the work itself. HotRoutes answers exactly these
requests in their plain form (no query string; for a save, a small JSON body
that validates) by calling the same functions the FastAPI routes call, with
the same response classes, so the answer is byte for byte the same.

Everything else goes to FastAPI untouched: every other path and method, any
query string, a body that does not validate, and any refusal from the
services (which come before anything is written, so FastAPI's second try
writes nothing twice and gives the usual error). The OpenAPI schema, the
error shapes and the docs stay FastAPI's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import ValidationError
from starlette.datastructures import State
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from hipcoach.domain.errors import HipcoachError

SEGMENT_SAVE = re.compile(r"/api/v1/sessions/([^/]+)/segments")
# A save is under 100 bytes; a larger body takes the long way, with FastAPI's limits.
MAX_BODY_BYTES = 4096
JSON = b"application/json"


class HotRoutes:
    """Answers the hot requests itself; hands back every other one."""

    def __init__(self, state: State) -> None:
        self._state = state  # the app's: its context and its cache of computed pages

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Answer the request if it is one of ours in its plain form and return None;
        otherwise return the `receive` to pass it on with (what was read replayed)."""
        if scope["query_string"]:
            return receive
        method, path = scope["method"], scope["path"]
        if method == "GET":
            if path == "/":
                return await self._today(scope, receive, send)
            if path == "/api/v1/progress":
                return await self._progress(scope, receive, send)
        elif method == "POST" and (match := SEGMENT_SAVE.fullmatch(path)):
            return await self._save(match.group(1), scope, receive, send)
        return receive

    async def _today(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        from hipcoach.web.pages_main import today_html

        try:
            html = await today_html(self._state.ctx, self._state.computed, None, None)
        except HipcoachError:
            return receive  # FastAPI asks again and answers with its error page
        await HTMLResponse(html)(scope, receive, send)
        return None

    async def _progress(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        from hipcoach.web.api.progress import progress_body

        try:
            body = await progress_body(self._state.ctx, self._state.computed)
        except HipcoachError:
            return receive
        await Response(body, media_type="application/json")(scope, receive, send)
        return None

    async def _save(
        self, session_id: str, scope: Scope, receive: Receive, send: Send
    ) -> Receive | None:
        from hipcoach.web.api.sessions import SaveSegment, save_segment_of

        if not _small_json(scope["headers"]):
            return receive
        messages: list[Message] = []
        data = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return None  # the client went away before sending its body: nothing to do
            data += message.get("body", b"")
            if len(data) > MAX_BODY_BYTES:
                return _replay(messages, receive)
            if not message.get("more_body", False):
                break
        try:
            body = SaveSegment.model_validate_json(data)
            saved = await save_segment_of(self._state.writer, session_id, body)
        except (ValidationError, HipcoachError):
            # Nothing was written: FastAPI reads the same body and answers with its error.
            return _replay(messages, receive)
        await JSONResponse(saved.model_dump())(scope, receive, send)
        return None


def _small_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether the request declares a JSON body of a size a segment save has."""
    kind = length = None
    for name, value in headers:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
        elif name == b"content-length":
            length = value
    return (
        kind == JSON and length is not None and length.isdigit() and int(length) <= MAX_BODY_BYTES
    )


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands out `messages` again, then whatever comes next."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
