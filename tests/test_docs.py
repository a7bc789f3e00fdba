"""The README is the tour: every command and setting must appear in it."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from hipcoach import settings
from hipcoach.cli import app

README = (Path(__file__).parents[1] / "README.md").read_text()


def _command_paths() -> list[str]:
    group = typer.main.get_command(app)
    paths = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            paths.extend(f"{name} {sub}" for sub in subcommands)
        else:
            paths.append(name)
    return paths


def test_every_command_is_in_the_readme() -> None:
    missing = [p for p in _command_paths() if f"hipcoach {p}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_setting_is_in_the_readme() -> None:
    names = [v for k, v in vars(settings).items() if k.startswith("ENV_")]
    assert names, "settings defines no environment variables"
    missing = [n for n in names if n not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_readme_gives_exactly_two_setup_commands() -> None:
    section = README.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    assert all(len(b.strip().splitlines()) == 1 for b in blocks)
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci
