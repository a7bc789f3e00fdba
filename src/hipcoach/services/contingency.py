"""What each symptom report would do to the rest of a session, worked out ahead of time.

The browser player may lose the server mid-session (a phone on the floor, a flaky
Wi-Fi). A pinch pressed then must still change the session at once, so every
answer the rules could give is computed here, by the same `plan_symptom` that
serves an online report, and sent with the session. The device only looks the
answer up: for the segment the report came at, which precomputed tail follows.
No rule is evaluated on the device.

Shape, per symptom: the rule ids and message, whether the session ends, a pool
of segments (each distinct one once), and per segment index of the current
timeline the tail that follows the report there, as indices into the pool. The
device keeps the segments before the report, appends that tail, and renumbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hipcoach.domain.rulebook import Symptom
from hipcoach.domain.timeline import Segment, SessionTimeline
from hipcoach.services.adaptation import SymptomSplice, plan_symptom
from hipcoach.services.context import Context

# What the player's buttons report (cannot-sit-tall is a set-up change, not asked mid-play).
PLAYER_SYMPTOMS = (Symptom.PINCH, Symptom.CRAMP, Symptom.KNEE, Symptom.PAIN)


def _key(segment: Segment) -> str:
    """A segment apart from where it sits in its timeline."""
    return repr(replace(segment, index=0, start=0))


def contingencies(
    ctx: Context, plan: dict[str, Any], timeline: SessionTimeline
) -> dict[str, dict[str, Any]]:
    """For each symptom the player can report, the answer at every segment of `timeline`."""
    answers: dict[str, dict[str, Any]] = {}
    for symptom in PLAYER_SYMPTOMS:
        pool: dict[str, int] = {}
        segments: list[dict[str, Any]] = []
        tails: dict[tuple[int, ...], int] = {}
        tail_at: list[int] = []
        first: SymptomSplice | None = None
        for at in range(len(timeline.segments)):
            adapted = first.adapted if first else None
            planned = plan_symptom(ctx, plan, timeline, at, symptom, adapted)
            first = first or planned
            if planned.end_session:
                break  # the rules end the session wherever the report comes
            picked = []
            for segment in planned.timeline.segments[at:]:
                key = _key(segment)
                if key not in pool:
                    pool[key] = len(segments)
                    segments.append(replace(segment, index=0, start=0).to_dict())
                picked.append(pool[key])
            tail_at.append(tails.setdefault(tuple(picked), len(tails)))
        if first is None:
            continue  # an empty timeline: nothing to report against
        answers[symptom.value] = {
            "rule_ids": list(dict.fromkeys([first.rule_id, *first.decision.rule_ids])),
            "message": first.message,
            "end_session": first.end_session,
            "segments": segments,
            "tails": [list(t) for t in tails],
            "tail_at": tail_at,
        }
    return answers
