"""The words the player shows and speaks around each exercise, in one place.

Exercise-specific wording (cues, spoken prompts) lives in the library data;
this module only frames it: counts, sides, rests and switches.
"""

from __future__ import annotations

from hipcoach.domain.exercise import Exercise, Tempo
from hipcoach.domain.routine import Side


def side_phrase(side: Side) -> str:
    return f"{side.value} leg in front"


def _of(n: int, total: int) -> str:
    return f"{n} of {total}"


def setup_text(exercise: Exercise, side: Side) -> str:
    return f"Set up: {exercise.name}, {side_phrase(side)}"


def setup_spoken(exercise: Exercise, side: Side) -> str:
    return f"{exercise.name}. {side_phrase(side).capitalize()}. {exercise.spoken}"


def get_ready_text(exercise: Exercise) -> str:
    return f"Get ready: {exercise.name}"


def get_ready_spoken(exercise: Exercise, round_no: int, rounds: int) -> str:
    if rounds > 1:
        return f"Get ready. {exercise.name}, round {_of(round_no, rounds)}."
    return f"Get ready. {exercise.name}."


def hold_text(exercise: Exercise, round_no: int, rounds: int) -> str:
    if rounds > 1:
        return f"{exercise.name}: hold, round {_of(round_no, rounds)}"
    return f"{exercise.name}: hold"


def hold_spoken(exercise: Exercise) -> str:
    return exercise.spoken


def rep_text(exercise: Exercise, rep: int, reps: int) -> str:
    return f"{exercise.name}: rep {_of(rep, reps)}"


def rep_spoken(exercise: Exercise, rep: int) -> str:
    return f"{exercise.spoken} One." if rep == 1 else f"{rep}."


def tempo_cue(tempo: Tempo) -> str:
    parts = [f"out {tempo.out} s"]
    if tempo.pause:
        parts.append(f"hold {tempo.pause} s")
    parts.append(f"back {tempo.back} s")
    return ", ".join(parts)


def rest_text() -> str:
    return "Rest"


def rest_cue(exercise: Exercise, next_round: int, rounds: int) -> str:
    return f"Ease off and breathe. Next: {exercise.name}, round {_of(next_round, rounds)}."


def rest_spoken() -> str:
    return "Rest. Ease off and breathe."


def switch_text(side: Side) -> str:
    return f"Switch sides: {side_phrase(side)}"


def switch_cue() -> str:
    return "Swing both knees over to the other side and sit tall again."


def switch_spoken(side: Side) -> str:
    return f"Switch sides. {side_phrase(side).capitalize()}."


def transition_text(exercise: Exercise) -> str:
    return f"Move into {exercise.name}"


def transition_cue(exercise: Exercise) -> str:
    return exercise.setup[0] if exercise.setup else exercise.purpose


def transition_spoken(exercise: Exercise) -> str:
    return f"Next, {exercise.name}."


def capped_cue(cue: str, cap: int) -> str:
    return f"{cue} Effort: no more than {cap}%."


def capped_spoken(spoken: str, cap: int) -> str:
    return f"{spoken} Keep it under {cap} percent."
