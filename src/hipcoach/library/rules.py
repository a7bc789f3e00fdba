"""Load the rule book (rules.toml), checked field by field: a bad file names its rule and field.

The checks go past the shape of each field: every rule the engine evaluates
must be there, every symptom needs its rule, the precedence lists each rule once
and never puts a milder verdict before a stronger one, and reasons may only use
placeholders that exist. Nothing from a failing file is used.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Verdict
from hipcoach.domain.errors import LibraryError
from hipcoach.domain.library import Library
from hipcoach.domain.rules import (
    CONDITION_RULES,
    Interlude,
    Limits,
    Progression,
    Rule,
    RuleBook,
    Symptom,
)
from hipcoach.domain.timeline import SegmentKind
from hipcoach.library.loader import SHIPPED_ROOT, as_item_id, field_of, read_toml

__all__ = ["RULES_FILE", "check_against", "load_rules", "load_rules_from"]

RULES_FILE = SHIPPED_ROOT / "rules.toml"

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z]+(\.[a-z]+(-[a-z]+)*)+$", max_length=64)]
ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)]
Rating = Annotated[int, Field(ge=0, le=10)]


class _Strict(BaseModel):
    # TOML allows inf and nan; no content number may be either.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class LimitsModel(_Strict):
    pain_safe_max: Rating = 3
    pain_acceptable_max: Rating = 5
    progress_after_sessions: Annotated[int, Field(ge=1, le=10)] = 2
    pause_after_regressions: Annotated[int, Field(ge=1, le=10)] = 2
    regression_window_days: Annotated[int, Field(ge=1, le=60)] = 7
    # A session with under a quarter of its steps done says nothing about how the hip takes it.
    session_counts_from_percent: Annotated[int, Field(ge=25, le=100)] = 50

    @model_validator(mode="after")
    def _ordered(self) -> LimitsModel:
        if not self.pain_safe_max < self.pain_acceptable_max < 10:
            raise ValueError("needs pain_safe_max < pain_acceptable_max < 10")
        return self


class ProgressionModel(_Strict):
    hold_seconds: Annotated[int, Field(ge=1, le=30)] = 5
    rounds: Annotated[int, Field(ge=0, le=3)] = 1


class InterludeModel(_Strict):
    kind: Literal["rest", "setup"]
    seconds: Annotated[int, Field(ge=3, le=120)]
    text: ShortText
    spoken: Text


class AdjustmentModel(_Strict):
    # "no movement of this kind" is forbid_demands; drop_exercises stays for a
    # single named exercise, never for a kind of movement.
    kind: Literal[
        "forbid_demands",
        "drop_exercises",
        "substitute",
        "cap_effort",
        "block_session",
        "rest_then_retry",
        "note",
    ]
    exercises: list[ItemId] = []
    replacement: ItemId | None = None
    effort_percent: Annotated[int, Field(ge=10, le=100)] | None = None
    demands: list[ItemId] = []

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> AdjustmentModel:
        wants = {
            "forbid_demands": {"demands"},
            "drop_exercises": {"exercises"},
            "substitute": {"exercises", "replacement"},
            "cap_effort": {"effort_percent"},
        }.get(self.kind, set())
        fields = ("exercises", "replacement", "effort_percent", "demands")
        given = {n for n in fields if getattr(self, n)}
        if wants - given:
            raise ValueError(f"'{self.kind}' needs " + " and ".join(sorted(wants - given)))
        if given - wants:
            raise ValueError(f"'{self.kind}' takes no " + " or ".join(sorted(given - wants)))
        return self


class RuleModel(_Strict):
    id: RuleId
    verdict: Literal["proceed", "progress", "hold", "regress", "pause", "stop"]
    reason: Text
    symptom: Literal["pinch", "cramp", "knee", "pain", "cannot_sit_tall"] | None = None
    while_regressed: bool = False
    carry_sessions: Annotated[int, Field(ge=0, le=30)] = 0
    interlude: InterludeModel | None = None
    returns_after: RuleId | None = None
    adjustment: list[AdjustmentModel] = []

    @model_validator(mode="after")
    def _symptom_fields(self) -> RuleModel:
        if self.returns_after is not None:
            if self.symptom or self.while_regressed or self.interlude:
                raise ValueError("a return stage fires on a lifted rule, not on a symptom")
            if self.carry_sessions < 1:
                raise ValueError("a return stage needs carry_sessions: how long it lasts")
            return self
        if self.symptom is None and (self.while_regressed or self.carry_sessions or self.interlude):
            raise ValueError("while_regressed, carry_sessions and interlude need a symptom")
        if self.while_regressed and self.carry_sessions:
            raise ValueError("a while_regressed rule ends the session; it carries nothing over")
        return self


class RulesFile(_Strict):
    precedence: list[RuleId]
    limits: LimitsModel = LimitsModel()
    progression: ProgressionModel = ProgressionModel()
    rule: Annotated[list[RuleModel], Field(min_length=1)]


def _check_book(parsed: RulesFile, where: str) -> None:
    """Checks across rules: every rule the engine needs, and a precedence that holds."""
    ids = [r.id for r in parsed.rule]
    for n, rule_id in enumerate(ids):
        if rule_id in ids[:n]:
            raise LibraryError(where, rule_id, f"rule.{n}.id", "is defined twice")
    for rule_id in CONDITION_RULES:
        if rule_id not in ids:
            raise LibraryError(where, rule_id, "rule", "is missing; hipcoach evaluates this rule")
    for n, rule in enumerate(parsed.rule):
        if rule.id in CONDITION_RULES and rule.symptom:
            raise LibraryError(where, rule.id, f"rule.{n}.symptom", "is fired by its own condition")
        if rule.id not in CONDITION_RULES and not rule.symptom and not rule.returns_after:
            raise LibraryError(
                where, rule.id, f"rule.{n}.symptom", "is needed: hipcoach has no condition for it"
            )
        if rule.returns_after is not None:
            lifted = next((r for r in parsed.rule if r.id == rule.returns_after), None)
            if lifted is None or not lifted.symptom or lifted.carry_sessions < 1:
                raise LibraryError(
                    where,
                    rule.id,
                    f"rule.{n}.returns_after",
                    f"'{rule.returns_after}' is not a carried symptom rule in this file",
                )
            earlier = [r.id for r in parsed.rule[:n] if r.returns_after == rule.returns_after]
            if earlier:
                raise LibraryError(
                    where, rule.id, f"rule.{n}.returns_after", f"'{earlier[0]}' already returns it"
                )
    for symptom in Symptom:
        for again in (False, True):
            found = [
                r.id for r in parsed.rule if r.symptom == symptom and r.while_regressed == again
            ]
            if len(found) > 1:
                raise LibraryError(where, found[1], "symptom", f"a second rule for '{symptom}'")
            if not found and not again:
                raise LibraryError(where, None, "rule", f"no rule for the symptom '{symptom}'")
    precedence = parsed.precedence
    for n, rule_id in enumerate(precedence):
        if rule_id not in ids:
            raise LibraryError(where, rule_id, f"precedence.{n}", "is not a rule in this file")
        if rule_id in precedence[:n]:
            raise LibraryError(where, rule_id, f"precedence.{n}", "is listed twice")
    for rule_id in ids:
        if rule_id not in precedence:
            raise LibraryError(where, rule_id, "precedence", "is missing from the precedence")
    verdicts = {r.id: Verdict(r.verdict) for r in parsed.rule}
    for before, after in itertools.pairwise(precedence):
        if verdicts[after].rank > verdicts[before].rank:
            raise LibraryError(
                where,
                after,
                "precedence",
                f"'{after}' ({verdicts[after]}) comes after the milder '{before}' "
                f"({verdicts[before]}); safety first",
            )


def _reason(rule: RuleModel, parsed: RulesFile, where: str, n: int) -> str:
    caps = [a.effort_percent for a in rule.adjustment if a.effort_percent is not None]
    values: dict[str, Any] = {
        **parsed.limits.model_dump(),
        **parsed.progression.model_dump(),
        "carry_sessions": rule.carry_sessions,
    }
    lifted = next((r for r in parsed.rule if r.id == rule.returns_after), None)
    if lifted is not None:
        values["lifted_after"] = lifted.carry_sessions
    if caps:
        values["effort_percent"] = min(caps)
    try:
        return rule.reason.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise LibraryError(where, rule.id, f"rule.{n}.reason", f"bad placeholder {exc}") from None


def _to_domain(parsed: RulesFile, where: str) -> RuleBook:
    rules: dict[str, Rule] = {}
    for n, model in enumerate(parsed.rule):
        reason = _reason(model, parsed, where, n)
        adjustments = tuple(
            Adjustment(
                model.id,
                reason,
                AdjustmentKind(a.kind),
                tuple(a.exercises),
                a.replacement,
                a.effort_percent,
                tuple(a.demands),
            )
            for a in model.adjustment
        )
        interlude = None
        if model.interlude is not None:
            i = model.interlude
            interlude = Interlude(SegmentKind(i.kind), i.seconds, i.text, i.spoken)
        rules[model.id] = Rule(
            id=model.id,
            verdict=Verdict(model.verdict),
            reason=reason,
            adjustments=adjustments,
            symptom=Symptom(model.symptom) if model.symptom else None,
            while_regressed=model.while_regressed,
            carry_sessions=model.carry_sessions,
            interlude=interlude,
            returns_after=model.returns_after,
        )
    return RuleBook(
        rules=rules,
        precedence=tuple(parsed.precedence),
        limits=Limits(**parsed.limits.model_dump()),
        progression=Progression(**parsed.progression.model_dump()),
    )


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(SHIPPED_ROOT.parent))
    except ValueError:
        return str(path)


def load_rules_from(path: Path) -> RuleBook:
    """The rule book in `path`, or LibraryError naming the file, the rule and the field."""
    from pydantic import ValidationError

    where = _display(path)
    data = read_toml(path, where)
    try:
        parsed = RulesFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        rule_id = None
        if len(loc) > 1 and loc[0] == "rule" and isinstance(loc[1], int):
            raw = data.get("rule")
            if isinstance(raw, list) and loc[1] < len(raw) and isinstance(raw[loc[1]], dict):
                found = raw[loc[1]].get("id")
                rule_id = as_item_id(found)
        raise LibraryError(where, rule_id, field_of(loc), first["msg"]) from exc
    _check_book(parsed, where)
    return _to_domain(parsed, where)


def check_against(rules: RuleBook, library: Library, path: Path = RULES_FILE) -> None:
    """Refuse a rule book that names an exercise or a demand the library does not hold.

    A substitution's replacement must itself make none of the demands its own rule
    forbids: a swap may not bring back what the rule leaves out.
    """
    for rule in rules.rules.values():
        forbidden = {d for a in rule.adjustments for d in a.demands}
        for n, adjustment in enumerate(rule.adjustments):
            unknown = [d for d in adjustment.demands if d not in library.demands]
            if unknown:
                raise LibraryError(
                    _display(path),
                    rule.id,
                    f"adjustment.{n}.demands",
                    f"unknown demand '{unknown[0]}'; the demands are: {', '.join(library.demands)}",
                )
            replacement = library.exercises.get(adjustment.replacement or "")
            if replacement is not None and replacement.demands & forbidden:
                clash = sorted(replacement.demands & forbidden)
                raise LibraryError(
                    _display(path),
                    rule.id,
                    f"adjustment.{n}.replacement",
                    f"'{replacement.id}' makes the demand '{clash[0]}' that this rule forbids",
                )
            named = [*adjustment.exercise_ids]
            if adjustment.replacement:
                named.append(adjustment.replacement)
            for exercise_id in named:
                if exercise_id not in library.exercises:
                    raise LibraryError(
                        _display(path),
                        rule.id,
                        f"adjustment.{n}",
                        f"refers to exercise '{exercise_id}', which does not exist",
                    )


@lru_cache(maxsize=1)
def load_rules() -> RuleBook:
    """The shipped rule book, loaded once per process."""
    return load_rules_from(RULES_FILE)
