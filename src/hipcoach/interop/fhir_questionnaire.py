"""The PSFS and other questionnaires as FHIR QuestionnaireResponse resources (plain dicts).

The PSFS is hipcoach's own definition (canonical `fhir_codes.PSFS_QUESTIONNAIRE`): one group
per activity the person named, holding the activity in their words and its
0-10 rating, then the score (the mean). A questionnaire hipcoach does not know
(one a clinician loaded) gets one item per top-level answer, values as given.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hipcoach.interop.export_json import iso
from hipcoach.interop.fhir_codes import HIPCOACH_FHIR

Resource = dict[str, Any]


def questionnaire_response(row: dict[str, Any], subject: dict[str, str]) -> Resource:
    """A `questionnaire_responses` row as a QuestionnaireResponse (not yet validated)."""
    try:
        answers = json.loads(row["answers_json"])
    except json.JSONDecodeError:
        answers = row["answers_json"]  # kept as the text it is rather than dropped
    questionnaire_id = row["questionnaire_id"]
    psfs = questionnaire_id == "psfs" and _psfs_items(answers) is not None
    items = _psfs(answers, row.get("score")) if psfs else _generic_items(answers)
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": canonical(questionnaire_id),
        "status": "completed",
        "subject": subject,
        "authored": iso(row["answered_at"]),
        "item": items or [{"linkId": "answers", "text": "No answers"}],
    }


def canonical(questionnaire_id: str) -> str:
    """The canonical URL of a questionnaire; the PSFS's is PSFS_QUESTIONNAIRE."""
    return f"{HIPCOACH_FHIR}/Questionnaire/{quote(questionnaire_id, safe='')}"


def _psfs_items(answers: object) -> list[dict[str, Any]] | None:
    items = answers.get("items") if isinstance(answers, dict) else None
    if isinstance(items, list) and all(
        isinstance(i, dict) and _text(i.get("activity")) and _number(i.get("score")) for i in items
    ):
        return items
    return None


def _psfs(answers: object, score: float | None) -> list[dict[str, Any]]:
    """One group per activity: the person's own words, and how well they can do it (0-10)."""
    groups: list[dict[str, Any]] = []
    for n, item in enumerate(_psfs_items(answers) or [], start=1):
        groups.append(
            {
                "linkId": f"activity-{n}",
                "text": f"Activity {n}",
                "item": [
                    {
                        "linkId": f"activity-{n}.name",
                        "text": "An activity you find hard because of your hip",
                        "answer": [{"valueString": item["activity"]}],
                    },
                    {
                        "linkId": f"activity-{n}.score",
                        "text": "How well you can do it: 0 = unable, 10 = as before",
                        "answer": [_answer(item["score"])],
                    },
                ],
            }
        )
    if score is not None:
        mean = {"valueDecimal": score}
        groups.append({"linkId": "score", "text": "PSFS score (mean)", "answer": [mean]})
    return groups


def _generic_items(answers: object) -> list[dict[str, Any]]:
    """A questionnaire hipcoach does not know: one item per top-level answer, values as given."""
    if not isinstance(answers, dict):
        return [{"linkId": "answers", "answer": [_answer(answers)]}]
    items = []
    for key, value in answers.items():
        values = value if isinstance(value, list) else [value]
        answer = [_answer(v) for v in values if v is not None]
        items.append({"linkId": str(key) or "answer", **({"answer": answer} if answer else {})})
    return items


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _answer(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        # FHIR integers are 32-bit; a bigger whole number goes as a decimal.
        return {"valueInteger": value} if -(2**31) <= value < 2**31 else {"valueDecimal": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    if isinstance(value, str) and _text(value):
        return {"valueString": value}
    return {"valueString": json.dumps(value, ensure_ascii=False)}
