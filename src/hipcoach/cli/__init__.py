"""The `hipcoach` command. Commands parse, call one service, and print.

`app` (the Typer app) and `main` (the console script) live in `cli.base`;
reading them from here registers every command first, which is what tests,
documentation checks and `python -m hipcoach` want.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "exercise_app", "main", "routine_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from hipcoach.cli import base as module

        module.register()
        return getattr(module, name)
    raise AttributeError(f"module 'hipcoach.cli' has no attribute {name!r}")
