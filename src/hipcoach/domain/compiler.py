"""Turn a routine plus options into a SessionTimeline. Pure: same input, same timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hipcoach.domain import phrases
from hipcoach.domain.errors import InvalidOverrideError
from hipcoach.domain.exercise import Category, DoseMode, Exercise, Tempo
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine, RoutineStep, Side
from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline

# Limits on what a user may ask for. Outside them a dose is either meaningless
# (a zero-second hold) or far past anything the method prescribes.
LIMITS: dict[str, tuple[int, int]] = {
    "seconds": (3, 300),
    "rounds": (1, 10),
    "reps": (1, 30),
    "rest_seconds": (0, 180),
    "get_ready_seconds": (0, 30),
    "effort_cap": (10, 100),
}
BEEP_SECONDS = 3
# An effort cap is about contractions: shown while getting ready for them and
# during them, for the exercises that contract (not position or stretches).
_EFFORTFUL = (SegmentKind.GET_READY, SegmentKind.HOLD, SegmentKind.REP)
_CAPPED = (Category.ISOMETRIC, Category.ACTIVE)


def _check(name: str, value: int | None) -> None:
    if value is None:
        return
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOverrideError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise InvalidOverrideError(f"{name} must be between {low} and {high}, got {value}")


@dataclass(frozen=True)
class DoseOverride:
    """Dose values that replace the routine's and exercise's defaults. None keeps them."""

    seconds: int | None = None
    rounds: int | None = None
    rest_seconds: int | None = None
    reps: int | None = None

    def validate(self) -> None:
        for name in ("seconds", "rounds", "rest_seconds", "reps"):
            _check(name, getattr(self, name))

    def to_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class CompileOptions:
    """Per-session choices: which sides, and dose overrides (global or per exercise).

    The global `dose.seconds` applies to timed holds only; set-up time changes
    only through a per-exercise override.
    """

    sides: tuple[Side, ...] | None = None
    dose: DoseOverride = field(default_factory=DoseOverride)
    per_exercise: Mapping[str, DoseOverride] = field(default_factory=dict)
    get_ready_seconds: int | None = None
    effort_cap: int | None = None  # percent; a rule's limit on every contraction

    def to_dict(self) -> dict[str, Any]:
        return {
            "sides": [s.value for s in self.sides] if self.sides else None,
            "dose": self.dose.to_dict(),
            "per_exercise": {k: v.to_dict() for k, v in sorted(self.per_exercise.items())},
            "get_ready_seconds": self.get_ready_seconds,
            "effort_cap": self.effort_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CompileOptions:
        try:
            sides = data.get("sides")
            return cls(
                sides=tuple(Side(s) for s in sides) if sides else None,
                dose=DoseOverride(**data.get("dose", {})),
                per_exercise={
                    k: DoseOverride(**v) for k, v in data.get("per_exercise", {}).items()
                },
                get_ready_seconds=data.get("get_ready_seconds"),
                effort_cap=data.get("effort_cap"),
            )
        except (TypeError, ValueError) as exc:
            raise InvalidOverrideError(f"stored session options are malformed: {exc}") from exc


@dataclass(frozen=True)
class _Dose:
    mode: DoseMode
    seconds: int
    rounds: int
    rest_seconds: int
    reps: int
    tempo: Tempo | None


def _resolve_dose(step: RoutineStep, exercise: Exercise, options: CompileOptions) -> _Dose:
    base = exercise.dose
    dose = _Dose(
        mode=base.mode,
        seconds=step.seconds if step.seconds is not None else base.seconds,
        rounds=step.rounds if step.rounds is not None else base.rounds,
        rest_seconds=step.rest_seconds if step.rest_seconds is not None else base.rest_seconds,
        reps=step.reps if step.reps is not None else base.reps,
        tempo=step.tempo if step.tempo is not None else base.tempo,
    )
    general = options.dose
    if dose.mode is DoseMode.HOLD and general.seconds is not None:
        dose = replace(dose, seconds=general.seconds)
    if dose.mode is not DoseMode.POSITION:
        # A set-up is done once; rounds and rests mean nothing for it.
        if general.rounds is not None:
            dose = replace(dose, rounds=general.rounds)
        if general.rest_seconds is not None:
            dose = replace(dose, rest_seconds=general.rest_seconds)
    if dose.mode is DoseMode.REPS and general.reps is not None:
        dose = replace(dose, reps=general.reps)
    own = options.per_exercise.get(exercise.id)
    if own is not None:
        dose = replace(
            dose,
            seconds=own.seconds if own.seconds is not None else dose.seconds,
            rounds=own.rounds if own.rounds is not None else dose.rounds,
            rest_seconds=own.rest_seconds if own.rest_seconds is not None else dose.rest_seconds,
            reps=own.reps if own.reps is not None else dose.reps,
        )
    if dose.mode is DoseMode.POSITION:
        dose = replace(dose, rounds=1, rest_seconds=0)
    if dose.mode is DoseMode.REPS and dose.tempo is None:
        dose = replace(dose, tempo=Tempo(2, 1, 2))
    return dose


def validate_options(options: CompileOptions, routine: Routine, library: Library) -> None:
    """Refuse options the compiler cannot honour, with a message that names the value."""
    options.dose.validate()
    _check("get_ready_seconds", options.get_ready_seconds)
    _check("effort_cap", options.effort_cap)
    used = {step.exercise_id for step in routine.steps}
    for exercise_id, override in options.per_exercise.items():
        library.exercise(exercise_id)
        if exercise_id not in used:
            raise InvalidOverrideError(
                f"override for '{exercise_id}', which routine '{routine.id}' does not use"
            )
        try:
            override.validate()
        except InvalidOverrideError as exc:
            raise InvalidOverrideError(f"{exercise_id}: {exc}") from None
    if options.sides is not None:
        if not options.sides:
            raise InvalidOverrideError("at least one side is needed")
        if len(set(options.sides)) != len(options.sides):
            raise InvalidOverrideError("each side may be listed once")


class _Builder:
    def __init__(self, effort_cap: int | None) -> None:
        self.segments: list[Segment] = []
        self.clock = 0
        self.step = 0
        self.effort_cap = effort_cap

    def add(
        self,
        kind: SegmentKind,
        duration: int,
        exercise: Exercise,
        side: Side,
        text: str,
        cue: str,
        spoken: str,
        **extra: Any,
    ) -> None:
        if duration <= 0:
            return
        beep = min(BEEP_SECONDS, duration) if kind is SegmentKind.HOLD else 0
        cap = None
        if self.effort_cap is not None and kind in _EFFORTFUL and exercise.category in _CAPPED:
            cap = self.effort_cap
            cue = phrases.capped_cue(cue, cap)
            if kind is not SegmentKind.GET_READY:
                spoken = phrases.capped_spoken(spoken, cap)
        self.segments.append(
            Segment(
                index=len(self.segments),
                start=self.clock,
                duration=duration,
                kind=kind,
                exercise_id=exercise.id,
                exercise_name=exercise.name,
                side=side,
                text=text,
                cue=cue,
                spoken=spoken,
                beep_seconds=beep,
                step=-1 if kind is SegmentKind.SWITCH_SIDES else self.step,
                effort_cap=cap,
                **extra,
            )
        )
        self.clock += duration


def _add_step(
    b: _Builder,
    step: RoutineStep,
    exercise: Exercise,
    dose: _Dose,
    side: Side,
    get_ready: int,
    lead_in: bool,
) -> None:
    if dose.mode is DoseMode.POSITION:
        b.add(
            SegmentKind.SETUP,
            dose.seconds,
            exercise,
            side,
            phrases.setup_text(exercise, side),
            exercise.cue,
            phrases.setup_spoken(exercise, side),
        )
        return
    for round_no in range(1, dose.rounds + 1):
        counts = {"round": round_no, "rounds": dose.rounds}
        if round_no > 1 and dose.rest_seconds:
            b.add(
                SegmentKind.REST,
                dose.rest_seconds,
                exercise,
                side,
                phrases.rest_text(),
                phrases.rest_cue(exercise, round_no, dose.rounds),
                phrases.rest_spoken(),
                **counts,
            )
        if lead_in or round_no > 1:
            b.add(
                SegmentKind.GET_READY,
                get_ready,
                exercise,
                side,
                phrases.get_ready_text(exercise),
                exercise.cue,
                phrases.get_ready_spoken(exercise, round_no, dose.rounds),
                **counts,
            )
        if dose.mode is DoseMode.HOLD:
            b.add(
                SegmentKind.HOLD,
                dose.seconds,
                exercise,
                side,
                phrases.hold_text(exercise, round_no, dose.rounds),
                exercise.cue,
                phrases.hold_spoken(exercise),
                **counts,
            )
            continue
        assert dose.tempo is not None
        for rep in range(1, dose.reps + 1):
            b.add(
                SegmentKind.REP,
                dose.tempo.total,
                exercise,
                side,
                phrases.rep_text(exercise, rep, dose.reps),
                phrases.tempo_cue(dose.tempo),
                phrases.rep_spoken(exercise, rep),
                rep=rep,
                reps=dose.reps,
                **counts,
            )


def compile_routine(
    routine: Routine, library: Library, options: CompileOptions | None = None
) -> SessionTimeline:
    """Compile `routine` into a timeline; raises InvalidOverrideError or UnknownIdError."""
    options = options or CompileOptions()
    validate_options(options, routine, library)
    sides = options.sides or routine.sides
    get_ready = (
        options.get_ready_seconds
        if options.get_ready_seconds is not None
        else routine.get_ready_seconds
    )
    if not routine.steps:
        raise InvalidOverrideError(f"routine '{routine.id}' has no steps left to do")
    b = _Builder(options.effort_cap)
    for side_no, side in enumerate(sides):
        first = library.exercise(routine.steps[0].exercise_id)
        if side_no > 0:
            b.add(
                SegmentKind.SWITCH_SIDES,
                routine.switch_seconds,
                first,
                side,
                phrases.switch_text(side),
                phrases.switch_cue(),
                phrases.switch_spoken(side),
            )
        for step_no, step in enumerate(routine.steps):
            b.step = step.origin if step.origin is not None else step_no
            exercise = library.exercise(step.exercise_id)
            dose = _resolve_dose(step, exercise, options)
            starts_cold = step_no > 0 and not step.continuous
            if starts_cold:
                b.add(
                    SegmentKind.TRANSITION,
                    routine.transition_seconds,
                    exercise,
                    side,
                    phrases.transition_text(exercise),
                    phrases.transition_cue(exercise),
                    phrases.transition_spoken(exercise),
                )
            _add_step(b, step, exercise, dose, side, get_ready, lead_in=not step.continuous)
    return SessionTimeline(
        routine_id=routine.id,
        routine_name=routine.name,
        sides=tuple(sides),
        segments=tuple(b.segments),
    )
