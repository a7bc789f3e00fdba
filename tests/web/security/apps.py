"""Apps for the security tests: on loopback, bound to every interface, paired or not."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hipcoach.library.loader import load_library
from hipcoach.settings import Settings
from hipcoach.web import create_app
from tests.web.conftest import LOCAL_CLIENT

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def settings_for(data_dir: Path, **env: str) -> Settings:
    return Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir), **env})


@contextmanager
def app_client(
    data_dir: Path,
    *,
    base_url: str = "http://127.0.0.1",
    client: tuple[str, int] = LOCAL_CLIENT,
    **env: str,
) -> Iterator[TestClient]:
    """A client on a fresh app over `data_dir`, with the environment `env` adds."""
    load_library.cache_clear()
    with TestClient(
        create_app(settings_for(data_dir, **env)), base_url=base_url, client=client
    ) as tc:
        yield tc
    load_library.cache_clear()


def mutating_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) of the app that changes something, path parameters filled in."""
    found = []
    for path, methods in all_routes(app):
        for method in sorted(methods & MUTATING):
            found.append((method, path.replace("{session_id}", "s1").replace("{device_id}", "d1")))
    return found


def all_routes(app: Any) -> list[tuple[str, set[str]]]:
    """Every route's path and methods, through the routers included in the app."""

    def walk(routes: Any, prefix: str) -> Iterator[tuple[str, set[str]]]:
        for route in routes:
            router = getattr(route, "original_router", None)
            if router is not None:  # an included router: its routes under its prefix
                yield from walk(router.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                yield prefix + route.path, set(route.methods)

    return list(walk(app.routes, ""))


def store_fingerprint(data_dir: Path) -> str:
    """The journal's files, byte for byte (the database and its write-ahead log)."""
    digest = hashlib.sha256()
    for path in sorted(data_dir.glob("hipcoach.db*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
