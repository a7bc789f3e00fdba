"""The console script loads only the command it runs, and every command is reachable."""

from __future__ import annotations

import subprocess
import sys

import typer.main

from hipcoach.cli import app
from hipcoach.cli.base import ALL_MODULES, COMMAND_MODULES


def test_every_command_has_its_module_listed() -> None:
    group = typer.main.get_command(app)
    assert set(group.commands) == set(COMMAND_MODULES)  # type: ignore[attr-defined]
    assert set(COMMAND_MODULES.values()) == set(ALL_MODULES)


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        f"sys.argv = ['hipcoach', *{list(argv)!r}]\n"
        "from hipcoach.cli.base import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(','.join(m for m in sys.modules if m.startswith('hipcoach.cli.')), "
        "file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stderr.strip().splitlines()[-1].split(","))


def test_a_command_loads_only_its_own_module() -> None:
    loaded = _modules_after("routines", "--json")
    assert "hipcoach.cli.content" in loaded
    assert "hipcoach.cli.measure" not in loaded
    assert "hipcoach.cli.start" not in loaded


def test_help_and_unknown_words_load_everything() -> None:
    for argv in (("--help",), ("no-such-command",)):
        loaded = _modules_after(*argv)
        assert {f"hipcoach.cli.{m}" for m in ALL_MODULES} <= loaded
