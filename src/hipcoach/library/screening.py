"""Load and validate the readiness screen (screening.toml): all of it, or a LibraryError.

A failure names the file, the question id and the field. Exercise ids that the
screen's adjustments name must exist in the library: a rule that drops an
exercise nobody has would change nothing and look safe.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hipcoach.domain.decisions import Adjustment, AdjustmentKind
from hipcoach.domain.errors import LibraryError
from hipcoach.domain.screening import (
    Answer,
    FlagLevel,
    Guidance,
    QuestionType,
    ScreenFlag,
    ScreenForm,
    ScreenQuestion,
)
from hipcoach.library.loader import SHIPPED_ROOT

SCREENING_FILE = SHIPPED_ROOT / "screening.toml"

QuestionId = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=40)
]
RuleId = Annotated[
    str, StringConstraints(pattern=r"^screen(\.[a-z0-9]+(-[a-z0-9]+)*)+$", max_length=64)
]
ExerciseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AdjustModel(_Strict):
    # Blocking is the stop levels' job and mid-session retries are not the screen's.
    kind: Literal["drop_exercises", "substitute", "cap_effort", "note"]
    exercises: list[ExerciseId] = []
    replacement: ExerciseId | None = None
    effort_percent: Annotated[int, Field(ge=10, le=100)] | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> AdjustModel:
        wants = {
            "drop_exercises": {"exercises"},
            "substitute": {"exercises", "replacement"},
            "cap_effort": {"effort_percent"},
            "note": {"reason"},
        }[self.kind]
        for name in ("exercises", "replacement", "effort_percent"):
            given = bool(getattr(self, name))
            if given != (name in wants):
                need = "needs" if name in wants else "does not take"
                raise ValueError(f"kind '{self.kind}' {need} '{name}'")
        if "reason" in wants and not self.reason:
            raise ValueError("kind 'note' needs 'reason': the note itself")
        return self

    def to_domain(self, rule_id: str, reason: str) -> Adjustment:
        return Adjustment(
            rule_id=rule_id,
            reason=self.reason or reason,
            kind=AdjustmentKind(self.kind),
            exercise_ids=tuple(self.exercises),
            replacement=self.replacement,
            effort_percent=self.effort_percent,
        )


class FlagModel(_Strict):
    when: str | list[str] = Field(min_length=1)
    level: Literal["urgent", "clinician", "caution"]
    rule: RuleId
    reason: Text
    action: Text | None = None
    change: Text | None = None
    unless: QuestionId | None = None
    adjust: list[AdjustModel] = []

    @model_validator(mode="after")
    def _adjust_fits_level(self) -> FlagModel:
        if self.level == "caution" and not self.adjust:
            raise ValueError("a caution flag needs at least one 'adjust': what it changes")
        if self.level != "caution" and self.adjust:
            raise ValueError(f"a '{self.level}' flag blocks sessions; it takes no 'adjust'")
        return self

    @property
    def values(self) -> list[str]:
        return [self.when] if isinstance(self.when, str) else self.when


class QuestionModel(_Strict):
    id: QuestionId
    type: Literal["yes_no", "choice"]
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=160, strip_whitespace=True)]
    help: Text
    options: list[QuestionId] = []
    follows: list[QuestionId] = []
    flag: list[FlagModel] = []

    @model_validator(mode="after")
    def _answers_fit_type(self) -> QuestionModel:
        allowed = ["yes", "no"] if self.type == "yes_no" else self.options
        if self.type == "yes_no" and self.options:
            raise ValueError("a yes_no question takes no 'options'")
        if self.type == "choice" and (
            len(self.options) < 2 or len(set(self.options)) != len(self.options)
        ):
            raise ValueError("a choice question needs at least two different 'options'")
        for flag in self.flag:
            wrong = [v for v in flag.values if v not in allowed]
            if wrong:
                raise ValueError(f"flag '{flag.rule}' fires on {wrong}; answers are {allowed}")
        return self

    def to_domain(self) -> ScreenQuestion:
        def answer(value: str) -> Answer:
            return value == "yes" if self.type == "yes_no" else value

        return ScreenQuestion(
            id=self.id,
            prompt=self.prompt,
            help=self.help,
            type=QuestionType(self.type),
            options=tuple(self.options),
            follows=tuple(self.follows),
            flags=tuple(
                ScreenFlag(
                    rule_id=f.rule,
                    level=FlagLevel(f.level),
                    when=tuple(answer(v) for v in f.values),
                    reason=f.reason,
                    action=f.action,
                    change=f.change,
                    adjustments=tuple(a.to_domain(f.rule, f.reason) for a in f.adjust),
                    unless=f.unless,
                )
                for f in self.flag
            ),
        )


class GuidanceModel(_Strict):
    what_to_do: Text
    what_would_change_it: Text | None = None

    def to_domain(self) -> Guidance:
        return Guidance(self.what_to_do, self.what_would_change_it)


class GuidanceSet(_Strict):
    urgent: GuidanceModel
    clinician: GuidanceModel
    caution: GuidanceModel
    clear: GuidanceModel


class ScreeningFile(_Strict):
    id: QuestionId
    version: Annotated[int, Field(ge=1)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    intro: Text
    max_age_days: Annotated[int, Field(ge=1, le=365)]
    guidance: GuidanceSet
    question: list[QuestionModel] = Field(min_length=1)


def _check_links(parsed: ScreeningFile, where: str, exercise_ids: Collection[str] | None) -> None:
    """Cross-field rules pydantic cannot see one question at a time."""
    seen: dict[str, QuestionModel] = {}
    rules: set[str] = set()
    for n, q in enumerate(parsed.question):
        if q.id in seen:
            raise LibraryError(where, q.id, f"question.{n}.id", "is used by two questions")
        for parent in q.follows:
            if parent not in seen or seen[parent].type != "yes_no":
                raise LibraryError(
                    where,
                    q.id,
                    f"question.{n}.follows",
                    f"'{parent}' must be a yes_no question that comes earlier",
                )
        seen[q.id] = q
    for n, q in enumerate(parsed.question):
        for m, flag in enumerate(q.flag):
            field = f"question.{n}.flag.{m}"
            if flag.rule in rules:
                raise LibraryError(where, q.id, f"{field}.rule", f"'{flag.rule}' is used twice")
            rules.add(flag.rule)
            clearance = seen.get(flag.unless) if flag.unless else None
            # The clearance must be asked whenever this flag can fire, or it never lifts it.
            if flag.unless and (clearance is None or q.id not in clearance.follows):
                raise LibraryError(
                    where,
                    q.id,
                    f"{field}.unless",
                    f"'{flag.unless}' must be a yes_no question that follows '{q.id}'",
                )
            for k, adjust in enumerate(flag.adjust):
                named = [*adjust.exercises, *([adjust.replacement] if adjust.replacement else [])]
                missing = [e for e in named if exercise_ids is not None and e not in exercise_ids]
                if missing:
                    raise LibraryError(
                        where,
                        q.id,
                        f"{field}.adjust.{k}",
                        f"names exercise '{missing[0]}', which the library does not hold",
                    )


def _parse(path: Path) -> ScreeningFile:
    """Read and validate the file; errors name the question id as well as the field."""
    import tomllib

    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(path.name, None, None, f"not valid TOML ({exc})") from exc
    except OSError as exc:
        raise LibraryError(path.name, None, None, f"cannot be read ({exc})") from exc
    try:
        return ScreeningFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        item = data.get("id") if isinstance(data.get("id"), str) else None
        if len(loc) > 1 and loc[0] == "question" and isinstance(loc[1], int):
            questions = data.get("question")
            found = questions[loc[1]] if isinstance(questions, list) else None
            if isinstance(found, dict) and isinstance(found.get("id"), str):
                item = found["id"]
        more = len(exc.errors()) - 1
        problem = first["msg"] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        field = ".".join(str(p) for p in loc) or None
        raise LibraryError(path.name, item, field, problem) from exc


def load_screening_from(path: Path, exercise_ids: Collection[str] | None = None) -> ScreenForm:
    """Load one screening file, checking exercise ids against `exercise_ids` when given."""
    parsed = _parse(path)
    _check_links(parsed, path.name, exercise_ids)
    g = parsed.guidance
    return ScreenForm(
        id=parsed.id,
        version=parsed.version,
        title=parsed.title,
        intro=parsed.intro,
        max_age_days=parsed.max_age_days,
        questions=tuple(q.to_domain() for q in parsed.question),
        urgent=g.urgent.to_domain(),
        clinician=g.clinician.to_domain(),
        caution=g.caution.to_domain(),
        clear=g.clear.to_domain(),
    )


@lru_cache(maxsize=1)
def load_screening(cache_dir: Path | None = None) -> ScreenForm:
    """The shipped screen, validated once per process, its exercise ids checked against the library.

    Unlike the library there is no on-disk copy: only `hipcoach screen` reads the
    questions (sessions read the stored outcome), and it opens the database anyway.
    """
    from hipcoach.library.loader import load_library

    return load_screening_from(SCREENING_FILE, load_library(cache_dir).exercises.keys())
