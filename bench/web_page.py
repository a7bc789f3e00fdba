"""The player page's weight and time to first render in Debian's Chromium.

Starts the server on loopback (a fresh data folder with a clear readiness screen), loads
/player in a fresh browser context (a cold cache) several times, and prints the bytes
transferred (every response's headers and body, as Chromium counted them) and the first
paint and first contentful paint from `performance.getEntriesByType('paint')`, as medians.

    python bench/web_page.py [--runs 7] [--path /player]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from web_load import free_port, start_server, wait_ready

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def screen_clear(data_dir: Path) -> None:
    """A clear readiness screen, so the player shows what a person sees on a normal day."""
    from hipcoach.services.context import Context
    from hipcoach.services.screening import screening_form, take_screen
    from hipcoach.settings import Settings

    ctx = Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)}))
    try:
        take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
    finally:
        ctx.close()


def one_load(browser: Any, url: str) -> dict[str, Any]:
    """Load the page in a fresh context; what it cost and when it first drew."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    responses: list[Any] = []
    page = context.new_page()
    page.on("requestfinished", lambda request: responses.append(request))
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    load_ms = (time.perf_counter() - started) * 1000
    paints = page.evaluate(
        "() => Object.fromEntries(performance.getEntriesByType('paint')"
        ".map(e => [e.name, e.startTime]))"
    )
    nav = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"
    )
    total = 0
    by_type: dict[str, int] = {}
    for request in responses:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += size
        by_type[request.resource_type] = by_type.get(request.resource_type, 0) + size
    context.close()
    return {
        "bytes": total,
        "requests": len(responses),
        "by_type": by_type,
        "fp": paints.get("first-paint"),
        "fcp": paints.get("first-contentful-paint"),
        "dcl": nav["dcl"],
        "load": nav["load"],
        "wall": load_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--path", default="/player")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        screen_clear(data_dir)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(data_dir, port)
        try:
            wait_ready(base, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=ARGS
                )
                one_load(browser, base + args.path)  # the server's first render warms it up
                runs = [one_load(browser, base + args.path) for _ in range(args.runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)

    first = runs[0]
    print(f"{args.path} in Chromium at 390x844, cold cache, {args.runs} loads (medians)")
    print(f"bytes transferred: {first['bytes']:,} in {first['requests']} responses")
    for kind, size in sorted(first["by_type"].items(), key=lambda item: -item[1]):
        print(f"  {kind:12} {size:>9,}")
    for key, label in (
        ("fp", "first paint"),
        ("fcp", "first contentful paint"),
        ("dcl", "DOMContentLoaded"),
        ("load", "load event"),
    ):
        values = [r[key] for r in runs if r[key] is not None]
        shown = f"{statistics.median(values):.1f} ms" if values else "not reported"
        print(f"{label:24} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
