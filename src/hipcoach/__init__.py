"""hipcoach: a hip-mobility coach for the 90/90 rotation method.

Not medical care. The public surface is small on purpose: the library loader,
the compiler and the domain types are what other code may import. Names are
resolved on first use, so `hipcoach --help` does not pay for what it never uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "CompileOptions": "hipcoach.domain.compiler",
    "DoseOverride": "hipcoach.domain.compiler",
    "compile_routine": "hipcoach.domain.compiler",
    "HipcoachError": "hipcoach.domain.errors",
    "InvalidOverrideError": "hipcoach.domain.errors",
    "LibraryError": "hipcoach.domain.errors",
    "SessionStateError": "hipcoach.domain.errors",
    "StoreError": "hipcoach.domain.errors",
    "UnknownIdError": "hipcoach.domain.errors",
    "Exercise": "hipcoach.domain.exercise",
    "Library": "hipcoach.domain.library",
    "Routine": "hipcoach.domain.routine",
    "Side": "hipcoach.domain.routine",
    "Segment": "hipcoach.domain.timeline",
    "SegmentKind": "hipcoach.domain.timeline",
    "SessionTimeline": "hipcoach.domain.timeline",
    "load_library": "hipcoach.library.loader",
}

__all__ = [
    "CompileOptions",
    "DoseOverride",
    "Exercise",
    "HipcoachError",
    "InvalidOverrideError",
    "Library",
    "LibraryError",
    "Routine",
    "Segment",
    "SegmentKind",
    "SessionStateError",
    "SessionTimeline",
    "Side",
    "StoreError",
    "UnknownIdError",
    "__version__",
    "compile_routine",
    "load_library",
]

if TYPE_CHECKING:
    from hipcoach.domain.compiler import CompileOptions, DoseOverride, compile_routine
    from hipcoach.domain.errors import (
        HipcoachError,
        InvalidOverrideError,
        LibraryError,
        SessionStateError,
        StoreError,
        UnknownIdError,
    )
    from hipcoach.domain.exercise import Exercise
    from hipcoach.domain.library import Library
    from hipcoach.domain.routine import Routine, Side
    from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline
    from hipcoach.library.loader import load_library


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hipcoach' has no attribute {name!r}")
    return getattr(import_module(module), name)
