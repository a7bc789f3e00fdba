"""hipcoach: a hip-mobility coach for the 90/90 rotation method.

Not medical care. The public surface is small on purpose: the library loader,
the compiler and the domain types are what other code may import.
"""

from hipcoach.domain.compiler import CompileOptions, DoseOverride, compile_routine
from hipcoach.domain.errors import (
    HipcoachError,
    InvalidOverrideError,
    LibraryError,
    StoreError,
    UnknownIdError,
)
from hipcoach.domain.exercise import Exercise
from hipcoach.domain.routine import Routine
from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline, Side

__version__ = "0.1.0"

__all__ = [
    "CompileOptions",
    "DoseOverride",
    "Exercise",
    "HipcoachError",
    "InvalidOverrideError",
    "LibraryError",
    "Routine",
    "Segment",
    "SegmentKind",
    "SessionTimeline",
    "Side",
    "StoreError",
    "UnknownIdError",
    "__version__",
    "compile_routine",
]
