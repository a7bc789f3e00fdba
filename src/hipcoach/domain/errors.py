"""The one place where hipcoach's exceptions are defined.

HipcoachError
├── LibraryError          a shipped or user data file is malformed (names file, id, field)
├── UnknownIdError        an exercise or routine id that the library does not hold
├── InvalidOverrideError  a dose override outside what is safe or sensible
├── StoreError            the journal could not be opened, migrated or written
├── SessionStateError     resume asked for with nothing to resume, and the like
├── CheckinError          a check-in or symptom report that cannot be right (pain 11)
├── PlanError             a plan request that cannot be honoured (bad days, weeks or time)
├── NoPlanError           a command that needs a plan, run before any plan exists
├── ScreenAnswerError     screen answers that do not fit the questions (domain.screening)
├── SessionBlockedError   the screen blocks today's session (services.screening)
├── SessionRefusedError   the check-in or the plan rules today's session out (services.starting)
├── MeasurementError      an implausible measurement, date or label (domain.measurements)
├── ReportError           a report that cannot be written where asked (report)
├── DataImportError       an import file that is malformed or from a newer hipcoach (store.export)
├── DataExportError       an export that cannot be written where asked (interop.files)
└── PairingError          a pairing code that is unknown, used or expired (services.devices)

Every message is written for the person at the keyboard; the CLI prints it as
"Error: ..." and exits 1, the web API turns it into a 4xx.
"""

from __future__ import annotations

from typing import Literal


class HipcoachError(Exception):
    """Base of every error hipcoach raises on purpose; its message is for the user."""


class LibraryError(HipcoachError):
    """A data file failed validation; nothing from the failing load is used."""

    def __init__(self, file: str, item_id: str | None, field: str | None, problem: str) -> None:
        self.file = file
        self.item_id = item_id
        self.field = field
        self.problem = problem
        where = file
        if item_id:
            where += f", id '{item_id}'"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")


class UnknownIdError(HipcoachError):
    """An id that is not in the library."""

    def __init__(self, kind: str, item_id: str, known: list[str]) -> None:
        self.kind = kind
        self.item_id = item_id
        self.known = known
        listing = ", ".join(sorted(known)) if known else "none"
        super().__init__(f"no {kind} called '{item_id}'. Known {kind}s: {listing}")


class InvalidOverrideError(HipcoachError):
    """A dose override that the compiler refuses."""


class StoreError(HipcoachError):
    """The session journal could not do what was asked."""


class SessionStateError(HipcoachError):
    """A session operation that does not fit the session's state."""


class CheckinError(HipcoachError):
    """A check-in or symptom report that cannot be right (pain 11, an unknown symptom)."""


class PlanError(HipcoachError):
    """A plan request that cannot be honoured (bad days, weeks or time); nothing is stored."""


class NoPlanError(HipcoachError):
    """A command that needs a plan, run before any plan was made."""

    def __init__(self) -> None:
        super().__init__(
            "there is no plan yet; make one with: hipcoach plan new --goal GOAL "
            "(hipcoach plan goals lists them)"
        )


class PairingError(HipcoachError):
    """A pairing code that cannot pair a device: unknown, already used, or expired.

    `reason` is "invalid" (unknown or used: an attacker cannot tell which) or
    "expired", so a page can react without reading the message's wording.
    """

    def __init__(self, message: str, reason: Literal["invalid", "expired"] = "invalid") -> None:
        self.reason = reason
        super().__init__(message)
