"""CLI tests run the real commands in-process against a private data folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hipcoach.cli import app
from hipcoach.library.loader import load_library


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("HIPCOACH_DATA_DIR", str(folder))
    monkeypatch.delenv("HIPCOACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("HIPCOACH_PROFILE", raising=False)
    # Sessions run at the fastest clock allowed: morning-pry takes about 0.25 s.
    monkeypatch.setenv("HIPCOACH_TIME_SCALE", "1000")
    load_library.cache_clear()
    yield folder
    load_library.cache_clear()


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, stdin: str | None = None) -> str:
        result = self.runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
        output = result.stdout
        assert result.exit_code == code, f"exit {result.exit_code}: {output}{result.stderr}"
        return output + (result.stderr if code else "")

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli()


@pytest.fixture
def screened(cli: Cli) -> Cli:
    """A profile whose readiness screen is clear, so sessions may start."""
    cli("screen", "--no-to-all")
    return cli
