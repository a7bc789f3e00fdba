"""The server's kept computations (web.cache): stamps, single flight, errors, LRU, holes."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from hipcoach.web.cache import ComputedCache, PageWithHoles, json_body
from tests.web.conftest import local_client


class Counting:
    """A computation that counts its calls, remembers their threads, and may sleep or fail."""

    def __init__(self, value: Any = "value", *, sleep: float = 0.0, error: bool = False) -> None:
        self.value = value
        self.sleep = sleep
        self.error = error
        self.calls = 0
        self.threads: list[int] = []
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            self.calls += 1
            self.threads.append(threading.get_ident())
        try:
            if self.sleep:
                time.sleep(self.sleep)
            if self.error:
                raise RuntimeError("the computation failed")
            return self.value
        finally:
            self.finished.set()


async def test_the_same_stamp_is_a_hit_and_computes_once() -> None:
    cache = ComputedCache()
    compute = Counting({"n": 1})
    first = await cache.get("k", 1, compute)
    second = await cache.get("k", 1, compute)
    assert first == second == {"n": 1}
    assert second is first  # the kept object itself, not a recomputation
    assert compute.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)


async def test_a_new_stamp_recomputes_and_replaces_the_kept_value() -> None:
    cache = ComputedCache()
    old, new = Counting("old"), Counting("new")
    assert await cache.get("k", (1, dt.date(2026, 1, 1)), old) == "old"
    assert await cache.get("k", (2, dt.date(2026, 1, 1)), new) == "new"
    assert await cache.get("k", (2, dt.date(2026, 1, 2)), Counting("next day")) == "next day"
    assert (old.calls, new.calls) == (1, 1)
    assert cache.misses == 3
    assert cache.hits == 0
    # The value kept is the last one: its stamp now hits, an older stamp does not.
    assert await cache.get("k", (2, dt.date(2026, 1, 2)), Counting("unused")) == "next day"
    assert await cache.get("k", (1, dt.date(2026, 1, 1)), Counting("again")) == "again"


async def test_keys_are_kept_apart() -> None:
    cache = ComputedCache()
    assert await cache.get(("today", None), 1, Counting("a")) == "a"
    assert await cache.get(("today", "3"), 1, Counting("b")) == "b"
    assert await cache.get(("today", None), 1, Counting("unused")) == "a"
    assert await cache.get(("today", "3"), 1, Counting("unused")) == "b"


async def test_concurrent_callers_share_one_computation() -> None:
    cache = ComputedCache()
    compute = Counting(object(), sleep=0.1)
    results = await asyncio.gather(*(cache.get("k", 7, compute) for _ in range(10)))
    assert compute.calls == 1
    assert all(result is compute.value for result in results)
    assert cache.misses == 1
    assert cache.hits == 9
    # Shared and then kept.
    assert await cache.get("k", 7, compute) is compute.value
    assert compute.calls == 1


async def test_callers_with_a_different_stamp_do_not_share() -> None:
    cache = ComputedCache()
    old, new = Counting("old", sleep=0.1), Counting("new", sleep=0.1)
    results = await asyncio.gather(cache.get("k", 1, old), cache.get("k", 2, new))
    assert list(results) == ["old", "new"]
    assert (old.calls, new.calls) == (1, 1)


async def test_an_error_reaches_every_waiter_and_nothing_is_kept() -> None:
    cache = ComputedCache()
    failing = Counting(sleep=0.1, error=True)
    results = await asyncio.gather(
        *(cache.get("k", 1, failing) for _ in range(5)), return_exceptions=True
    )
    assert failing.calls == 1
    assert len(results) == 5
    for result in results:
        assert isinstance(result, RuntimeError)
        assert str(result) == "the computation failed"
    # Nothing was kept: the next caller computes again, and that value is kept.
    working = Counting("recovered")
    assert await cache.get("k", 1, working) == "recovered"
    assert await cache.get("k", 1, working) == "recovered"
    assert working.calls == 1


async def test_cancelling_the_computing_caller_leaves_the_others_their_value() -> None:
    cache = ComputedCache()
    compute = Counting("value", sleep=0.5)
    first = asyncio.create_task(cache.get("k", 1, compute))
    await asyncio.sleep(0.02)  # first is computing in a worker thread
    second = asyncio.create_task(cache.get("k", 1, compute))
    await asyncio.sleep(0.02)  # second is waiting on first's computation
    first.cancel()
    results = await asyncio.gather(first, second, return_exceptions=True)
    # The worker thread runs on regardless; let it end before the loop does.
    await asyncio.to_thread(compute.finished.wait, 5)
    assert compute.calls == 1
    assert isinstance(results[0], asyncio.CancelledError)
    assert results[1] == "value"


async def test_an_inline_error_propagates_and_the_next_get_computes_again() -> None:
    cache = ComputedCache()
    with pytest.raises(RuntimeError, match="the computation failed"):
        await cache.get("k", 1, Counting(error=True), inline=True)
    assert await cache.get("k", 1, Counting("fine"), inline=True) == "fine"


async def test_the_least_recently_used_value_goes_first() -> None:
    cache = ComputedCache(size=2)
    computes = {key: Counting(key) for key in "abc"}
    await cache.get("a", 1, computes["a"])
    await cache.get("b", 1, computes["b"])
    await cache.get("a", 1, computes["a"])  # a is now the most recently used
    await cache.get("c", 1, computes["c"])  # so b goes
    assert {key: c.calls for key, c in computes.items()} == {"a": 1, "b": 1, "c": 1}
    assert await cache.get("a", 1, computes["a"]) == "a"
    assert await cache.get("c", 1, computes["c"]) == "c"
    assert computes["a"].calls == computes["c"].calls == 1
    assert await cache.get("b", 1, computes["b"]) == "b"
    assert computes["b"].calls == 2  # evicted, so computed again
    # Keeping b again pushed out a, the least recently used of a and c.
    await cache.get("c", 1, computes["c"])
    await cache.get("a", 1, computes["a"])
    assert computes["c"].calls == 1
    assert computes["a"].calls == 2


async def test_clear_forgets_every_value() -> None:
    cache = ComputedCache()
    compute = Counting()
    await cache.get("k", 1, compute)
    cache.clear()
    await cache.get("k", 1, compute)
    assert compute.calls == 2


async def test_inline_runs_on_the_loop_thread_and_the_default_in_a_worker() -> None:
    cache = ComputedCache()
    loop_thread = threading.get_ident()
    inline, threaded = Counting("inline"), Counting("threaded")
    assert await cache.get("inline", 1, inline, inline=True) == "inline"
    assert await cache.get("threaded", 1, threaded) == "threaded"
    assert inline.threads == [loop_thread]
    assert len(threaded.threads) == 1
    assert threaded.threads[0] != loop_thread


MARKERS = {"resume": "<!--live:resume-->", "history": "<!--live:history-->"}


@pytest.mark.parametrize(
    "html",
    [
        "<h1>Today</h1><!--live:resume--><p>screen</p><!--live:history--><footer/>",
        "<h1>Today</h1><!--live:history--><p>screen</p><!--live:resume--><footer/>",
        "<!--live:resume--><!--live:history-->",
    ],
)
def test_a_page_with_holes_round_trips_with_markers_in_any_order(html: str) -> None:
    page = PageWithHoles.split(html, MARKERS)
    assert sorted(page.holes) == ["history", "resume"]
    assert len(page.parts) == 3
    # Filled with its own markers, the page is what was split.
    assert page.fill(MARKERS) == html
    fragments = {"resume": "<section>R</section>", "history": "<ul>H</ul>"}
    filled = page.fill(fragments)
    expected = html.replace(MARKERS["resume"], fragments["resume"]).replace(
        MARKERS["history"], fragments["history"]
    )
    assert filled == expected
    assert "<!--live:" not in filled
    # The page is split once and filled many times, each with its own fragments.
    assert page.fill({"resume": "", "history": "2"}) == html.replace(MARKERS["resume"], "").replace(
        MARKERS["history"], "2"
    )


def test_a_page_with_no_markers_fills_to_itself() -> None:
    page = PageWithHoles.split("<p>plain</p>", {})
    assert page.fill({}) == "<p>plain</p>"


def test_a_missing_marker_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="marker for 'history' must appear once; found 0"):
        PageWithHoles.split("<p>no holes here</p><!--live:resume-->", MARKERS)


def test_a_repeated_marker_is_a_value_error() -> None:
    html = "<!--live:resume--><p>x</p><!--live:history--><p>y</p><!--live:resume-->"
    with pytest.raises(ValueError, match="marker for 'resume' must appear once; found 2"):
        PageWithHoles.split(html, MARKERS)


def _rendered_by_fastapi(data: Any, *, annotated: bool) -> bytes:
    """What a FastAPI route returning `data` sends as its body.

    Unannotated, FastAPI encodes with jsonable_encoder into a JSONResponse; with a
    return annotation (as the routes had before they were kept), pydantic encodes.
    """
    app = FastAPI()
    if annotated:

        @app.get("/")
        def typed() -> dict[str, Any] | list[Any]:
            return data  # type: ignore[no-any-return]

    else:

        @app.get("/")
        def untyped():  # type: ignore[no-untyped-def]
            return data

    with local_client(app) as client:
        return client.get("/").content


# Plain data as the services hand it over: dates, nesting, tuples, text, floats.
PLAIN: list[Callable[[], Any]] = [
    lambda: {"day": dt.date(2026, 3, 1), "n": 3, "ok": True, "none": None},
    lambda: {
        "nested": {"weeks": [{"day": dt.date(2026, 3, 2), "marks": ("done", "missed")}]},
        "text": 'café · 90/90 — "quoted" <b>',
        "ratio": 0.1 + 0.2,
        "big": 10**12,
    },
    lambda: [1, {"a": []}, {}],
]
AWARE = dt.datetime(2026, 3, 1, 7, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize("make", PLAIN)
@pytest.mark.parametrize("annotated", [False, True])
def test_json_body_is_what_fastapi_would_answer(make: Callable[[], Any], annotated: bool) -> None:
    data = make()
    assert json_body(data) == _rendered_by_fastapi(data, annotated=annotated)


def test_json_body_encodes_datetimes_as_jsonable_encoder_does() -> None:
    # A pydantic-encoded route would write "Z" here; the kept routes' data holds
    # no datetimes (the services format them), so the bodies are the same there.
    data = {"at": AWARE, "local": AWARE.astimezone(dt.timezone(dt.timedelta(hours=2)))}
    assert json_body(data) == _rendered_by_fastapi(data, annotated=False)
    assert json_body(data) == b'{"at":"2026-03-01T07:30:15.123456+00:00",' + (
        b'"local":"2026-03-01T09:30:15.123456+02:00"}'
    )
