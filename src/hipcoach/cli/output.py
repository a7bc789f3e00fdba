"""Writing results: JSON for scripts, Rich for people."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

JsonOption = {"help": "Print JSON instead of a table."}


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)
