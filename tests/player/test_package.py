"""The package surface: what it re-exports, and that plain mode never loads Textual."""

from __future__ import annotations

import subprocess
import sys

import hipcoach.player as player


def test_public_names_are_all_importable() -> None:
    for name in player.__all__:
        assert getattr(player, name) is not None, name


def test_importing_the_player_does_not_import_textual() -> None:
    code = "import sys, hipcoach.player; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
