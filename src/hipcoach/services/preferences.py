"""A person's own choices that the rules read: for now, keeping the heels-closer set-up.

Stored per profile (store.preferences.PreferenceRepository); the rule that applies a
choice lives in the rule book (`preference.heels-closer`), so every path into a
session applies it the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.rules import PREFERENCES
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from hipcoach.store.preferences import PreferenceRepository

ON = "true"


def _repo(ctx: Context) -> PreferenceRepository:
    from hipcoach.store.preferences import PreferenceRepository

    return PreferenceRepository(ctx.journal.engine)


def chosen(ctx: Context) -> frozenset[str]:
    """The choices switched on (unknown keys from an import are ignored, never applied)."""
    stored = _repo(ctx).all(ctx.profile_id)
    return frozenset(k for k, v in stored.items() if k in PREFERENCES and v == ON)


def choose(ctx: Context, key: str, on: bool) -> frozenset[str]:
    """Switch one choice on or off; returns the choices now on."""
    if key not in PREFERENCES:
        raise HipcoachError(
            f"unknown preference '{key}'; the preferences are: {', '.join(PREFERENCES)}"
        )
    _repo(ctx).set(ctx.profile_id, key, ON if on else None)
    return chosen(ctx)


def preferences_dict(ctx: Context) -> dict[str, bool]:
    """Every preference and whether it is on, for --json and the API."""
    on = chosen(ctx)
    return {key.replace("-", "_"): key in on for key in PREFERENCES}
