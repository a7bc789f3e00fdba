"""Load and validate the readiness screen (screening.toml): all of it, or a LibraryError.

A failure names the file, the question id and the field. Exercise ids and
movement demands that the screen's adjustments name must exist in the library:
a rule that forbids a demand nobody has would change nothing and look safe.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

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
from hipcoach.domain.library import Library
from hipcoach.domain.screening import (
    Answer,
    FlagLevel,
    Guidance,
    QuestionType,
    ScreenFlag,
    ScreenForm,
    ScreenQuestion,
    WarningSign,
)
from hipcoach.library.loader import SHIPPED_ROOT, as_item_id, field_of, read_toml

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
    # TOML allows inf and nan; no content number may be either.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class AdjustModel(_Strict):
    # Blocking is the stop levels' job and mid-session retries are not the screen's.
    # "No movement of this kind" is forbid_demands; drop_exercises names one exercise.
    kind: Literal["forbid_demands", "drop_exercises", "substitute", "cap_effort", "note"]
    exercises: list[ExerciseId] = []
    replacement: ExerciseId | None = None
    effort_percent: Annotated[int, Field(ge=10, le=100)] | None = None
    demands: list[ExerciseId] = []
    reason: Text | None = None

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> AdjustModel:
        wants = {
            "forbid_demands": {"demands"},
            "drop_exercises": {"exercises"},
            "substitute": {"exercises", "replacement"},
            "cap_effort": {"effort_percent"},
            "note": {"reason"},
        }[self.kind]
        for name in ("exercises", "replacement", "effort_percent", "demands"):
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
            demands=tuple(self.demands),
        )


class FlagModel(_Strict):
    when: QuestionId | list[QuestionId] = Field(min_length=1)  # answers: yes, no or options
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


class SignModel(_Strict):
    id: ExerciseId  # hyphenated, as typed after --warning-sign
    label: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class QuestionModel(_Strict):
    id: QuestionId
    type: Literal["yes_no", "choice"]
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=160, strip_whitespace=True)]
    help: Text
    options: list[QuestionId] = []
    follows: list[QuestionId] = []
    # The answers to the question(s) it follows that make it apply: a yes unless
    # given; a choice parent names its options ("both" asks the per-hip questions).
    follows_on: list[QuestionId] = ["yes"]
    # On screens taken before `since_version`, the answer to `carries_from` stands
    # for this question, so an older screen still evaluates under today's rules.
    carries_from: QuestionId | None = None
    since_version: Annotated[int, Field(ge=2, le=1000)] | None = None
    # A warning sign a check-in may report at any time: its yes raises the same flags.
    sign: SignModel | None = None
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

        def parent_answer(value: str) -> Answer:
            # A yes/no parent's answers are booleans; a choice parent's are its options.
            return {"yes": True, "no": False}.get(value, value)

        return ScreenQuestion(
            id=self.id,
            prompt=self.prompt,
            help=self.help,
            type=QuestionType(self.type),
            options=tuple(self.options),
            follows=tuple(self.follows),
            follows_on=tuple(parent_answer(v) for v in self.follows_on),
            carries_from=self.carries_from,
            since_version=self.since_version,
            sign=WarningSign(self.sign.id, self.sign.label) if self.sign else None,
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
    version: Annotated[int, Field(ge=1, le=1000)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    intro: Text
    max_age_days: Annotated[int, Field(ge=1, le=365)]
    guidance: GuidanceSet
    question: list[QuestionModel] = Field(min_length=1)


def _answers_of(question: QuestionModel) -> list[str]:
    return ["yes", "no"] if question.type == "yes_no" else question.options


def _check_links(
    parsed: ScreeningFile,
    where: str,
    exercise_ids: Collection[str] | None,
    library: Library | None = None,
) -> None:
    """Cross-field rules pydantic cannot see one question at a time."""
    if exercise_ids is None and library is not None:
        exercise_ids = library.exercises.keys()
    seen: dict[str, QuestionModel] = {}
    rules: set[str] = set()
    signs: set[str] = set()
    for n, q in enumerate(parsed.question):
        if q.sign is not None:
            # A sign is a yes a check-in reports on its own: it must stop sessions by itself.
            stops = [f for f in q.flag if "yes" in f.values and f.level in ("urgent", "clinician")]
            if q.type != "yes_no" or q.follows or not stops:
                raise LibraryError(
                    where,
                    q.id,
                    f"question.{n}.sign",
                    "a warning sign needs a yes_no question that follows none and whose yes "
                    "raises an urgent or clinician flag",
                )
            if q.sign.id in signs:
                raise LibraryError(where, q.id, f"question.{n}.sign.id", "is used by two signs")
            signs.add(q.sign.id)
        if q.id in seen:
            raise LibraryError(where, q.id, f"question.{n}.id", "is used by two questions")
        for parent in q.follows:
            if parent not in seen:
                raise LibraryError(
                    where,
                    q.id,
                    f"question.{n}.follows",
                    f"'{parent}' must be a question that comes earlier",
                )
            wrong = [v for v in q.follows_on if v not in _answers_of(seen[parent])]
            if wrong:
                raise LibraryError(
                    where,
                    q.id,
                    f"question.{n}.follows_on",
                    f"'{parent}' is never answered '{wrong[0]}'; "
                    f"its answers are {', '.join(_answers_of(seen[parent]))}",
                )
        if (q.carries_from is None) != (q.since_version is None):
            raise LibraryError(
                where, q.id, f"question.{n}.carries_from", "needs since_version, and the other way"
            )
        if q.since_version is not None and q.since_version > parsed.version:
            raise LibraryError(
                where,
                q.id,
                f"question.{n}.since_version",
                f"is later than the screen's version {parsed.version}",
            )
        carried = seen.get(q.carries_from) if q.carries_from else None
        if q.carries_from and (carried is None or carried.type != q.type):
            raise LibraryError(
                where,
                q.id,
                f"question.{n}.carries_from",
                f"'{q.carries_from}' must be an earlier question of the same type",
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
            asked = clearance is not None and q.id in clearance.follows
            opens = set(clearance.follows_on) if clearance is not None else set()
            if flag.unless and not (asked and set(flag.values) <= opens):
                raise LibraryError(
                    where,
                    q.id,
                    f"{field}.unless",
                    f"'{flag.unless}' must be a yes_no question that follows '{q.id}' "
                    "on every answer that raises this flag",
                )
            forbidden = {d for a in flag.adjust for d in a.demands}
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
                if library is not None:
                    _check_demands(adjust, forbidden, library, where, q.id, f"{field}.adjust.{k}")


def _check_demands(
    adjust: AdjustModel,
    forbidden: set[str],
    library: Library,
    where: str,
    question_id: str,
    field: str,
) -> None:
    """Every demand is in the vocabulary, and a swap makes none its own flag forbids."""
    vocabulary: Mapping[str, object] = library.demands
    unknown = [d for d in adjust.demands if d not in vocabulary]
    if unknown:
        raise LibraryError(
            where,
            question_id,
            f"{field}.demands",
            f"unknown demand '{unknown[0]}'; the demands are: {', '.join(vocabulary)}",
        )
    replacement = library.exercises.get(adjust.replacement or "")
    if replacement is not None and replacement.demands & forbidden:
        clash = sorted(replacement.demands & forbidden)[0]
        raise LibraryError(
            where,
            question_id,
            f"{field}.replacement",
            f"'{replacement.id}' makes the demand '{clash}' that this flag forbids",
        )


def _parse(path: Path) -> ScreeningFile:
    """Read and validate the file; errors name the question id as well as the field."""
    data = read_toml(path, path.name)
    try:
        return ScreeningFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        item = as_item_id(data.get("id"))
        if len(loc) > 1 and loc[0] == "question" and isinstance(loc[1], int):
            questions = data.get("question")
            found = questions[loc[1]] if isinstance(questions, list) else None
            if isinstance(found, dict) and as_item_id(found.get("id")):
                item = found["id"]
        more = len(exc.errors()) - 1
        problem = first["msg"] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        raise LibraryError(path.name, item, field_of(loc), problem) from exc


def load_screening_from(
    path: Path, exercise_ids: Collection[str] | None = None, library: Library | None = None
) -> ScreenForm:
    """Load one screening file, checking what it names against the library when given.

    `exercise_ids` checks exercise ids only; `library` checks them and every
    movement demand too, and that a substitution obeys its own flag's demands.
    """
    parsed = _parse(path)
    _check_links(parsed, path.name, exercise_ids, library)
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

    return load_screening_from(SCREENING_FILE, library=load_library(cache_dir))
