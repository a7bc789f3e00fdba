"""The readiness screen: questions as values, answers checked, and the outcome they lead to.

Every rule lives in the screen's data (library/screening.toml); this module only
applies it. A flag raised by an answer has a level: `urgent` (stop, seek care
now), `clinician` (stop, see a clinician before going on) or `caution` (train,
with the adjustments the flag names). The strongest level decides the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import HipcoachError

Answer = bool | str


class Readiness(StrEnum):
    """The screen's status: what it allows."""

    CLEAR = "clear"
    CAUTION = "caution"
    STOP = "stop"


class FlagLevel(StrEnum):
    """How much an answer matters, from strongest to mildest."""

    URGENT = "urgent"  # stop; seek care today
    CLINICIAN = "clinician"  # stop; see a clinician before going on
    CAUTION = "caution"  # train, with adjustments

    @property
    def rank(self) -> int:
        """0 for the strongest level."""
        return list(FlagLevel).index(self)

    @property
    def verdict(self) -> Verdict:
        """What the level means for sessions: stop, pause, or go on (with adjustments)."""
        return {"urgent": Verdict.STOP, "clinician": Verdict.PAUSE}.get(self, Verdict.PROCEED)


class QuestionType(StrEnum):
    """How a question is answered."""

    YES_NO = "yes_no"
    CHOICE = "choice"


class ScreenAnswerError(HipcoachError):
    """Answers that do not fit the screen; nothing is evaluated or stored."""

    def __init__(self, kind: str, question_ids: tuple[str, ...], message: str) -> None:
        self.kind = kind  # unknown | type | orphan | missing
        self.question_ids = question_ids
        super().__init__(message)


@dataclass(frozen=True)
class ScreenFlag:
    """A rule: the answers that raise it, its level, and what it changes."""

    rule_id: str
    level: FlagLevel
    when: tuple[Answer, ...]
    reason: str
    action: str | None = None  # a next step specific to this rule
    change: str | None = None  # what would lift it, if not the level's default
    adjustments: tuple[Adjustment, ...] = ()  # caution only; stop levels block
    unless: str | None = None  # a yes to this question (a clearance) lifts the flag


@dataclass(frozen=True)
class WarningSign:
    """A question's yes that a check-in may report at any time ("numbness": new numbness)."""

    id: str
    label: str  # how a check-in offers it: "New numbness, tingling or weakness in a leg"


@dataclass(frozen=True)
class ScreenQuestion:
    """One question, asked only when one of `follows` got one of the `follows_on` answers.

    A plain follow-up comes after a yes; the per-hip questions follow a choice
    ("both" hips replaced asks each hip on its own).
    """

    id: str
    prompt: str
    help: str
    type: QuestionType
    options: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()
    flags: tuple[ScreenFlag, ...] = ()
    follows_on: tuple[Answer, ...] = (True,)
    # Answers from a screen older than `since_version`: `carries_from`'s answer stands for this.
    carries_from: str | None = None
    since_version: int | None = None
    # Set on warning signs: a check-in can report this one between screens.
    sign: WarningSign | None = None

    def opened_by(self, value: object) -> bool:
        """Whether this answer to a question it follows makes this one apply."""
        # `is` for booleans: 1 == True, and a stray 1 must not open a follow-up.
        return any(
            value is answer if isinstance(answer, bool) else value == answer
            for answer in self.follows_on
        )

    def accepts(self, value: object) -> bool:
        """Whether `value` is an answer of the right type for this question."""
        if self.type is QuestionType.YES_NO:
            return isinstance(value, bool)
        return isinstance(value, str) and value in self.options

    def expects(self) -> str:
        """The answers this question takes, in words."""
        if self.type is QuestionType.YES_NO:
            return "yes or no (true or false)"
        return "one of " + ", ".join(self.options)


@dataclass(frozen=True)
class Guidance:
    """What to do at a level, and what would change the outcome."""

    what_to_do: str
    what_would_change_it: str | None = None


@dataclass(frozen=True)
class ScreenForm:
    """The whole screen: questions in the order asked, and guidance per level."""

    id: str
    version: int
    title: str
    intro: str
    max_age_days: int
    questions: tuple[ScreenQuestion, ...]
    urgent: Guidance
    clinician: Guidance
    caution: Guidance
    clear: Guidance

    def question(self, question_id: str) -> ScreenQuestion:
        """The question with this id; KeyError if there is none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def guidance(self, level: FlagLevel | None) -> Guidance:
        """The guidance for a level; None gives the guidance for a clear screen."""
        return {
            FlagLevel.URGENT: self.urgent,
            FlagLevel.CLINICIAN: self.clinician,
            FlagLevel.CAUTION: self.caution,
            None: self.clear,
        }[level]


@dataclass(frozen=True)
class ScreenAnswers:
    """Checked answers, in the screen's order; build them with `check_answers`."""

    items: tuple[tuple[str, Answer], ...]

    def get(self, question_id: str) -> Answer | None:
        """The answer to one question, or None when it was not asked."""
        return dict(self.items).get(question_id)

    def as_dict(self) -> dict[str, Answer]:
        """Question id to answer, in the screen's order."""
        return dict(self.items)


@dataclass(frozen=True)
class ScreenReason:
    """A rule that fired, in plain words."""

    rule_id: str
    level: FlagLevel
    question_id: str
    reason: str


@dataclass(frozen=True)
class ScreenOutcome:
    """Status, every rule behind it, how sessions change, and what to do next."""

    status: Readiness
    reasons: tuple[ScreenReason, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    what_to_do: tuple[str, ...] = ()
    what_would_change_it: tuple[str, ...] = ()
    form_version: int = 1
    valid_for_days: int = 90  # the screen's own shelf life, so sessions need not load it

    @property
    def verdict(self) -> Verdict:
        """The strongest verdict among the rules that fired; proceed when none did."""
        verdicts = [r.level.verdict for r in self.reasons]
        return max(verdicts, key=lambda v: v.rank, default=Verdict.PROCEED)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every rule that fired, strongest first."""
        return tuple(r.rule_id for r in self.reasons)

    def decision(self) -> Decision:
        """The decision this outcome imposes on sessions."""
        return Decision(self.verdict, self.adjustments)


def _applies(question: ScreenQuestion, given: Mapping[str, object], live: set[str]) -> bool:
    return not question.follows or any(
        p in live and question.opened_by(given.get(p)) for p in question.follows
    )


def applicable_questions(
    form: ScreenForm, given: Mapping[str, object]
) -> tuple[ScreenQuestion, ...]:
    """The questions that apply to these answers: every top one, follow-ups after a yes."""
    live: set[str] = set()
    for question in form.questions:  # Parents come first, so one pass settles it.
        if _applies(question, given, live):
            live.add(question.id)
    return tuple(q for q in form.questions if q.id in live)


def next_question(form: ScreenForm, given: Mapping[str, object]) -> ScreenQuestion | None:
    """The first question that applies and has no answer yet, or None when all are answered."""
    for question in applicable_questions(form, given):
        if question.id not in given:
            return question
    return None


def check_answers(form: ScreenForm, given: Mapping[str, object]) -> ScreenAnswers:
    """Check every answer against the screen, or raise ScreenAnswerError naming the questions."""
    known = {q.id for q in form.questions}
    unknown = tuple(k for k in given if k not in known)
    if unknown:
        raise ScreenAnswerError(
            "unknown",
            unknown,
            f"no screen question called {_listed(unknown)}. "
            f"The questions are: {', '.join(q.id for q in form.questions)}",
        )
    for question in form.questions:
        if question.id in given and not question.accepts(given[question.id]):
            raise ScreenAnswerError(
                "type",
                (question.id,),
                f"'{question.id}' takes {question.expects()}, got {given[question.id]!r}",
            )
    applicable = applicable_questions(form, given)
    live = {q.id for q in applicable}
    orphans = tuple(q.id for q in form.questions if q.id in given and q.id not in live)
    if orphans:
        parents = tuple(sorted({p for o in orphans for p in form.question(o).follows}))
        one = len(orphans) == 1
        opening = [a for o in orphans for a in form.question(o).follows_on]
        if all(a is True for a in opening):
            after, fix = "a yes to", "answer yes there"
        else:
            said = ["yes" if a is True else "no" if a is False else str(a) for a in opening]
            words = tuple(dict.fromkeys(said))
            after, fix = f"the answer {_listed(words, 'or')} to", "give that answer there"
        raise ScreenAnswerError(
            "orphan",
            orphans,
            f"{_listed(orphans)} appl{'ies' if one else 'y'} only after {after} "
            f"{_listed(parents, 'or')}: leave {'it' if one else 'them'} out, or {fix}",
        )
    missing = tuple(q.id for q in applicable if q.id not in given)
    if missing:
        raise ScreenAnswerError(
            "missing",
            missing,
            f"no answer for {_listed(missing)}: every question that applies needs an answer",
        )
    items: list[tuple[str, Answer]] = []
    for q in applicable:
        value = given[q.id]
        assert isinstance(value, bool | str)  # accepts() checked it above
        items.append((q.id, value))
    return ScreenAnswers(tuple(items))


def upgrade_answers(
    form: ScreenForm, answers: Mapping[str, object], from_version: int
) -> dict[str, object]:
    """Answers given to an older version of the screen, in the shape this version asks.

    A question added since (say, the per-hip approach) takes the answer of the one
    it `carries_from`; answers that no longer apply then fall away. Answers to the
    current version come back as they are.
    """
    given = dict(answers)
    if from_version >= form.version:
        return given
    carried: set[str] = set()
    for question in form.questions:
        source = question.carries_from
        newer = question.since_version is not None and from_version < question.since_version
        if source and newer and question.id not in given and source in given:
            given[question.id] = given[source]
            carried |= {question.id, source}
    live = {q.id for q in applicable_questions(form, given)}
    return {k: v for k, v in given.items() if k in live or k not in carried}


def evaluate_screen(
    form: ScreenForm, answers: ScreenAnswers | Mapping[str, object]
) -> ScreenOutcome:
    """Apply every rule to the answers: status, reasons, adjustments and next steps."""
    if not isinstance(answers, ScreenAnswers):
        answers = check_answers(form, answers)
    fired: list[tuple[ScreenQuestion, ScreenFlag]] = []
    for question in form.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        for flag in question.flags:
            # A clearance (a yes to `unless`) lifts the flag: a clinician has seen it.
            if value in flag.when and not (flag.unless and answers.get(flag.unless) is True):
                fired.append((question, flag))
    fired.sort(key=lambda pair: pair[1].level.rank)  # Stable: question order within a level.
    top = fired[0][1].level if fired else None
    stop = top in (FlagLevel.URGENT, FlagLevel.CLINICIAN)
    status = Readiness.STOP if stop else Readiness.CAUTION if top else Readiness.CLEAR
    reasons = tuple(ScreenReason(f.rule_id, f.level, q.id, f.reason) for q, f in fired)
    # On a stop screen only the stop rules steer what happens; the caution ones
    # still show among the reasons but change nothing while no session can start.
    steering = [f for _, f in fired if not stop or f.level is not FlagLevel.CAUTION]
    if stop:
        adjustments = tuple(
            Adjustment(f.rule_id, f.reason, AdjustmentKind.BLOCK_SESSION) for f in steering
        )
    else:
        adjustments = tuple(a for f in steering for a in f.adjustments)
    levels = list(dict.fromkeys(f.level for f in steering))
    todo = [form.guidance(level).what_to_do for level in levels] or [form.clear.what_to_do]
    todo += [f.action for f in steering if f.action]
    change = [f.change or form.guidance(f.level).what_would_change_it for f in steering]
    return ScreenOutcome(
        status=status,
        reasons=reasons,
        adjustments=adjustments,
        what_to_do=_unique(todo),
        what_would_change_it=_unique([c for c in change if c]),
        form_version=form.version,
        valid_for_days=form.max_age_days,
    )


def screen_due(
    latest_taken_at: datetime | date | None,
    today: date,
    max_age_days: int = 90,
    new_report: bool = False,
) -> bool:
    """Whether the screen must be taken (again): never taken, too old, or something new since.

    A datetime counts on its own calendar day, so pass local times for local days.
    `new_report` is true when the person has reported something new since the
    latest screen (a red flag in a check-in, say): that makes it due at once.
    """
    if latest_taken_at is None or new_report:
        return True
    return screen_age_days(latest_taken_at, today) >= max_age_days


def screen_age_days(taken_at: datetime | date, today: date) -> int:
    """Whole days from the screen's day to `today` (0 on the same day)."""
    taken = taken_at.date() if isinstance(taken_at, datetime) else taken_at
    return (today - taken).days


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _listed(ids: tuple[str, ...], joiner: str = "and") -> str:
    quoted = [f"'{i}'" for i in ids]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {joiner} {quoted[-1]}"
