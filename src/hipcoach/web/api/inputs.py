"""What the API takes in: JSON's own types in bodies, and dates only as ISO 8601 text.

Pydantic's lax mode would read `false` as 0, `"3"` as 3, `1` as true and a number
as a Unix timestamp (`?date=0` was 1 January 1970). A client that sends any of
these has a bug, and guessing what it meant would store the wrong thing, so the
API refuses them with a 422 that names the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A date, or a date and time to the minute or finer, with an optional UTC offset.
ISO_MOMENT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
MOMENT_MESSAGE = "must be a date such as 2025-03-14 or a date and time such as 2025-03-14T07:30"


class StrictBody(BaseModel):
    """A request body: unknown fields are refused (so typos are not ignored), and every
    value must already have its JSON type (no `false` for 0, no `"3"` for 3)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _whole_numbers(cls, value: object) -> object:
        # JSON has one number type: 3.0 is the whole number 3 (JSON Schema agrees), 3.5 is
        # not. A validator here rather than on a type keeps `ge`/`le` in the document.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


@dataclass(frozen=True)
class Matching:
    """Text that must match `pattern` whole, else refused with `message` (in plain words,
    where pydantic's own would quote the pattern). Use as `Annotated[str, Matching(...)]`.

    Write patterns that read the same in Python and in JSON Schema (ECMA-262): literal
    characters, spaces and classes such as [0-9], not \\d or \\s.
    """

    pattern: str
    message: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        regex = re.compile(self.pattern)

        def check(value: str) -> str:
            if regex.fullmatch(value) is None:
                raise PydanticCustomError("text_pattern", self.message)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


def _iso_date(value: object) -> object:
    # A date object comes from Python callers (and defaults); text must be exactly YYYY-MM-DD.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("iso_date", "must be a date written YYYY-MM-DD, such as 2025-03-14")


def _real_moment(value: str) -> str:
    # The pattern passed: this refuses what only looks like a moment (2025-02-30, 25:00).
    try:
        datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise PydanticCustomError("iso_moment", MOMENT_MESSAGE) from None
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date, accepted only as ISO 8601 text (YYYY-MM-DD), in a query or a body."""

IsoMoment = Annotated[
    str, Matching(ISO_MOMENT_PATTERN, MOMENT_MESSAGE), AfterValidator(_real_moment)
]
"""A date or a date and time as ISO 8601 text, kept as text: the service reads it in the
person's local time zone when it has none."""


SAVE_KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
SaveKey = Annotated[
    str,
    Matching(
        SAVE_KEY_PATTERN,
        "must be 8 to 64 letters, digits, '-' or '_': a new key for each save, "
        "the same one when that save is sent again",
    ),
]
"""The key a player makes once per save and sends again with each retry of it (a UUID)."""


def at_least_one(*names: str) -> Callable[[dict[str, Any]], None]:
    """JSON Schema for a body that needs at least one of `names` given (with `check_given`)."""

    def extra(schema: dict[str, Any]) -> None:
        given = {"not": {"type": "null"}, "minItems": 1}  # minItems binds only lists
        schema["anyOf"] = [{"required": [name], "properties": {name: given}} for name in names]

    return extra


def check_given(body: BaseModel, names: Sequence[str], message: str) -> None:
    """Refuse `body` (a 422 about the whole body) unless one of `names` is given:
    present, not null and, for a list, not empty."""
    for name in names:
        value = getattr(body, name)
        if value is not None and value != []:
            return
    raise PydanticCustomError("nothing_given", message)
