"""Options shared by commands that compile a routine, turned into CompileOptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hipcoach.domain.errors import InvalidOverrideError

if TYPE_CHECKING:
    from hipcoach.domain.compiler import CompileOptions, DoseOverride
    from hipcoach.domain.routine import Side

SidesOption = typer.Option(
    None, "--sides", help="Which sides and in what order: 'right,left', 'left,right', 'left'."
)
HoldOption = typer.Option(None, "--hold", help="Seconds for every timed hold.")
RoundsOption = typer.Option(None, "--rounds", help="Rounds (sets) of every held or repeated move.")
RepsOption = typer.Option(None, "--reps", help="Repetitions per set of every moving exercise.")
RestOption = typer.Option(None, "--rest", help="Seconds of rest between rounds.")
GetReadyOption = typer.Option(None, "--get-ready", help="Seconds of countdown before each hold.")
DoseOption = typer.Option(
    None,
    "--dose",
    help="Per-exercise dose, repeatable: 'contralateral-pry:seconds=15,rounds=4'.",
)

_FIELDS = {"seconds", "rounds", "reps", "rest_seconds", "rest"}


def parse_sides(raw: str | None) -> tuple[Side, ...] | None:
    from hipcoach.domain.routine import Side

    if raw is None:
        return None
    names = [part.strip().lower() for part in raw.split(",") if part.strip()]
    try:
        return tuple(Side(name) for name in names)
    except ValueError:
        raise InvalidOverrideError(
            f"--sides takes 'right' and/or 'left', separated by a comma; got '{raw}'"
        ) from None


def _parse_dose(raw: str) -> tuple[str, DoseOverride]:
    from hipcoach.domain.compiler import DoseOverride

    exercise_id, sep, assignments = raw.partition(":")
    if not sep or not exercise_id or not assignments:
        raise InvalidOverrideError(f"--dose wants 'EXERCISE:field=value,...'; got '{raw}'")
    values: dict[str, int] = {}
    for item in assignments.split(","):
        name, eq, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or name not in _FIELDS:
            raise InvalidOverrideError(
                f"--dose field '{name}' is not one of seconds, rounds, reps, rest"
            )
        try:
            values["rest_seconds" if name == "rest" else name] = int(value)
        except ValueError:
            raise InvalidOverrideError(f"--dose {name} must be a whole number") from None
    return exercise_id.strip(), DoseOverride(**values)


def build_options(
    sides: str | None,
    hold: int | None,
    rounds: int | None,
    reps: int | None,
    rest: int | None,
    get_ready: int | None,
    dose: list[str] | None,
) -> CompileOptions:
    """The command line's dose choices as CompileOptions (validated by the compiler)."""
    from hipcoach.domain.compiler import CompileOptions, DoseOverride

    per_exercise = dict(_parse_dose(item) for item in dose or [])
    return CompileOptions(
        sides=parse_sides(sides),
        dose=DoseOverride(seconds=hold, rounds=rounds, reps=reps, rest_seconds=rest),
        per_exercise=per_exercise,
        get_ready_seconds=get_ready,
    )
