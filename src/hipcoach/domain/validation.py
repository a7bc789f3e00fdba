"""Bounds every stored value keeps, whoever gives it: a person typing, the API, or a file.

Pure: each check takes the value (and `now` or `today` where time matters) and
returns the value or raises ValueBoundsError in plain words. The direct-entry
checks (`domain.measurements`, `domain.goals`, `domain.rulebook`) build on
these, and `services.record_checks` calls the very same functions on every
imported record, so a file can never store what a person could not have typed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final

from hipcoach.domain.errors import HipcoachError

# What a 64-bit integer column holds; SQLite and PostgreSQL refuse (or overflow) past it.
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
# The longest value of a preference (a choice such as "true"), typed in or imported.
PREFERENCE_VALUE_MAX: Final = 200
# hipcoach records events from its own clock; nothing it stores happened before this.
EARLIEST_EVENT: Final = date(2000, 1, 1)
# A file may come from a device whose clock runs ahead of this one, but not by more.
FILE_CLOCK_SKEW: Final = timedelta(days=1)
# How far ahead a plan may start: `plan new --start` is for next week, not next decade.
PLAN_START_AHEAD: Final = timedelta(days=366)


class ValueBoundsError(HipcoachError):
    """A value outside what the journal takes; the message says what and why."""


def check_whole(value: object, low: int, high: int, what: str) -> int:
    """`value` as a whole number from `low` to `high` (true and false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueBoundsError(f"{what} must be a whole number, got {_shown(value)}")
    if not low <= value <= high:
        raise ValueBoundsError(f"{what} must be from {low} to {high}, got {_shown(value)}")
    return value


def check_number(value: object, low: float, high: float, what: str) -> float:
    """`value` as a finite number from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueBoundsError(f"{what} must be a number, got {_shown(value)}")
    number = float(value) if abs(value) < 1e308 else math.inf
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueBoundsError(f"{what} must be from {low:g} to {high:g}, got {_shown(value)}")
    return number


def check_text(value: object, longest: int, what: str, *, blank: bool = True) -> str:
    """`value` as text of at most `longest` characters (and not blank unless `blank`)."""
    if not isinstance(value, str):
        raise ValueBoundsError(f"{what} must be text, got {_shown(value)}")
    if len(value) > longest:
        raise ValueBoundsError(f"{what} holds at most {longest} characters, got {len(value)}")
    if not blank and not value.strip():
        raise ValueBoundsError(f"{what} cannot be blank")
    return value


def check_choice(value: object, allowed: Iterable[str], what: str) -> str:
    """`value` exactly as one of `allowed` (the domain's own names, no guessing)."""
    names = tuple(allowed)
    if not isinstance(value, str) or value not in names:
        raise ValueBoundsError(f"{what} must be one of: {', '.join(names)}; got {_shown(value)}")
    return value


def check_moment(
    value: object,
    now: datetime,
    what: str,
    *,
    earliest: date = EARLIEST_EVENT,
    skew: timedelta = FILE_CLOCK_SKEW,
) -> datetime:
    """`value` as an aware time no later than `now` plus `skew` and no earlier than `earliest`."""
    if not isinstance(value, datetime):
        raise ValueBoundsError(f"{what} must be a date and time, got {_shown(value)}")
    if value.utcoffset() is None:
        raise ValueBoundsError(f"{what} needs a time zone")
    if value > now + skew:
        raise ValueBoundsError(f"{what} {value:%Y-%m-%d %H:%M} is in the future")
    if value.date() < earliest:
        raise ValueBoundsError(f"{what} {value.date()} is before {earliest}; check the year")
    return value


def check_day(value: object, earliest: date, latest: date, what: str) -> date:
    """`value` as a calendar date from `earliest` to `latest`."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueBoundsError(f"{what} must be a date, got {_shown(value)}")
    if not earliest <= value <= latest:
        raise ValueBoundsError(f"{what} must be from {earliest} to {latest}, got {value}")
    return value


def check_order(first: datetime, then: datetime, what: str) -> None:
    """Refuse `then` before `first` (an end before its start, an update before its creation)."""
    if then < first:
        raise ValueBoundsError(f"{what} comes before the time it follows")


def _shown(value: object) -> str:
    """A value as it can be shown in a message: never a 100 kB string or a huge number."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
