"""Use cases that join the pure core to the store: what the CLI (and later the web) call.

Each function takes what it needs and returns values; none prints. One module
per area; the names used across the edges are re-exported here.
"""

from hipcoach.services.context import Context
from hipcoach.services.sessions import (
    DEFAULT_ROUTINE,
    RESUME_OFFER_HOURS,
    ActiveSession,
    JournalObserver,
    begin_session,
    history,
    list_exercises,
    list_routines,
    plan_routine,
    resume_offer,
    resume_session,
    safety_reasons,
    unfinished_session,
)

__all__ = [
    "DEFAULT_ROUTINE",
    "RESUME_OFFER_HOURS",
    "ActiveSession",
    "Context",
    "JournalObserver",
    "begin_session",
    "history",
    "list_exercises",
    "list_routines",
    "plan_routine",
    "resume_offer",
    "resume_session",
    "safety_reasons",
    "unfinished_session",
]
