"""Small builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hipcoach.store import Journal

T0 = datetime(2024, 11, 22, 8, 0, tzinfo=UTC)


def start(journal: Journal, profile_id: int, minutes: int = 0, **overrides: Any) -> str:
    """Start a 10-segment session `minutes` after T0."""
    fields: dict[str, Any] = {
        "routine_id": "ninety-ninety-basics",
        "routine_name": "90/90 basics",
        "options": {"sides": ["right", "left"], "get_ready_seconds": 5},
        "fingerprint": "0123456789abcdef",
        "total_segments": 10,
        "total_seconds": 600,
        "started_at": T0 + timedelta(minutes=minutes),
    }
    fields.update(overrides)
    return journal.start_session(profile_id, **fields)


def record(
    journal: Journal, session_id: str, index: int, outcome: str = "completed", elapsed: float = 30.0
) -> None:
    """Record segment `index` as a 30-second hold."""
    journal.record_segment(
        session_id,
        index,
        kind="hold",
        exercise_id="90-90-er-stretch",
        side="right",
        outcome=outcome,  # type: ignore[arg-type]  # tests pass bad outcomes on purpose
        planned_seconds=30,
        elapsed_seconds=elapsed,
    )
