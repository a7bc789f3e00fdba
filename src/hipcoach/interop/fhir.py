"""Measurements and questionnaires as a FHIR R4 Bundle (type collection), for a clinician's system.

Models: `fhir.resources` 8.x, sub-package R4B. No release of fhir.resources
that runs on pydantic 2 ships the 4.0.1 (R4) models (6.x has them but needs
pydantic 1), and R4B (4.3.0) left Patient, Observation, QuestionnaireResponse
and Bundle as they were in R4, so what is written here is valid R4 JSON.
Every resource is built through the library's models (their validation runs)
before anything is written; a failure names the record.

What goes in: a pseudonymous Patient (the profile name only), an Observation
per measurement and per check-in pain rating, and a QuestionnaireResponse per
questionnaire (`fhir_questionnaire`). Sessions, plans and screens have no
clinical counterpart worth inventing; they stay in the JSON and CSV exports.
The codes, and where no standard code exists, are listed in `fhir_codes`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from hipcoach.interop.export_json import iso
from hipcoach.interop.fhir_codes import (
    BODY_POSITION,
    CATEGORY,
    HIP_JOINT,
    HIPCOACH_CODES,
    HIPCOACH_FHIR,
    JOINT_ROM,
    LATERALITY,
    MOVEMENTS,
    OWN_CODES,
    PAIN_CODE,
    POSITIONS,
    PROFILE_IDENTIFIER,
    SIDES,
    UCUM,
    UCUM_UNITS,
)
from hipcoach.interop.fhir_questionnaire import questionnaire_response
from hipcoach.interop.files import DataExportError

Resource = dict[str, Any]


def to_fhir_json(dump: dict[str, Any], exported_at: datetime) -> str:
    """A `store.export.dump_profile` dict as a validated FHIR Bundle in JSON."""
    profile = dump["profile"]["name"]
    records = dump["records"]

    def full_url(kind: str, key: object) -> str:
        # Stable per record, so a second export of the same data gives the same ids.
        name = f"{HIPCOACH_FHIR}/{profile}/{kind}/{key}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    patient_url = full_url("profile", profile)
    subject = {"reference": patient_url}
    entries = [_entry(Patient, patient_url, _patient(profile), "profile", 0)]
    builders: list[tuple[str, type[Any], Callable[[Any, Any], Resource | None]]] = [
        ("measurements", Observation, _measurement),
        ("checkins", Observation, _checkin_pain),
        ("questionnaire_responses", QuestionnaireResponse, questionnaire_response),
    ]
    for kind, model, build in builders:
        for index, row in enumerate(records.get(kind, [])):
            resource = build(row, subject)
            if resource is not None:
                entries.append(_entry(model, full_url(kind, row["id"]), resource, kind, index))
    bundle = _validated(
        Bundle,
        {
            "resourceType": "Bundle",
            "id": full_url("bundle", iso(exported_at)).removeprefix("urn:uuid:"),
            "type": "collection",
            "timestamp": iso(exported_at),
            "entry": entries,
        },
        "bundle",
        0,
    )
    text: str = bundle.model_dump_json(indent=2)
    return text + "\n"


def _entry(model: type[Any], url: str, resource: Resource, kind: str, index: int) -> dict[str, Any]:
    resource["id"] = url.removeprefix("urn:uuid:")
    return {"fullUrl": url, "resource": _validated(model, resource, kind, index)}


def _validated(model: type[Any], resource: Resource, kind: str, index: int) -> Any:
    try:
        return model.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        where = f"{field}: " if field else ""  # a rule over several fields has no one path
        raise DataExportError(
            f"{kind}[{index}] cannot be written as FHIR {model.__name__}: {where}{first['msg']}"
        ) from None


def _patient(profile: str) -> Resource:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": PROFILE_IDENTIFIER, "value": profile}],
        # 'anonymous' is R4's use for a pseudonym: the profile name, never a real name.
        "name": [{"use": "anonymous", "text": profile}],
    }


def _coding(code: tuple[str, str, str]) -> dict[str, str]:
    return {"system": code[0], "code": code[1], "display": code[2]}


def _own(code: str, display: str) -> dict[str, str]:
    return {"system": HIPCOACH_CODES, "code": code, "display": display}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code}]}]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    ucum = UCUM_UNITS.get(unit)
    if ucum is None:  # a unit hipcoach does not write: keep it as text, claim no UCUM code
        return {"value": value, "unit": unit}
    return {"value": value, "unit": ucum, "system": UCUM, "code": ucum}


def _observation(row: dict[str, Any], subject: dict[str, str], when: datetime) -> Resource:
    resource: Resource = {"resourceType": "Observation", "status": "final", "subject": subject}
    resource["effectiveDateTime"] = iso(when)
    if row.get("recorded_at") is not None:
        resource["issued"] = iso(row["recorded_at"])
    if row.get("note"):
        resource["note"] = [{"text": row["note"]}]
    return resource


def _hip_site(resource: Resource, side: str | None) -> None:
    resource["bodySite"] = {"coding": [_coding(HIP_JOINT)], "text": f"{side or ''} hip".strip()}
    if side in SIDES:
        resource.setdefault("component", []).append(
            {
                "code": {"coding": [_coding(LATERALITY)]},
                "valueCodeableConcept": {"coding": [_coding(SIDES[side])], "text": side},
            }
        )


def _measurement(row: dict[str, Any], subject: dict[str, str]) -> Resource:
    resource = _observation(row, subject, row["measured_at"])
    resource["valueQuantity"] = _quantity(row["value"], row["unit"])
    kind = row["kind"]
    if kind == "rom":
        movement = row.get("movement") or ""
        code, display = MOVEMENTS.get(
            movement, ("hip-rotation-rom", "Hip rotation range of motion")
        )
        details = ", ".join(
            v for v in (row.get("side"), row.get("position"), row.get("method")) if v
        )
        resource["code"] = {
            "coding": [_own(code, display), _coding(JOINT_ROM)],
            "text": f"{display} ({details})" if details else display,
        }
        resource["category"] = _category("exam")
        _hip_site(resource, row.get("side"))
        if row.get("method"):
            method = row["method"]
            resource["method"] = {"coding": [_own(method, method)], "text": method}
        if row.get("position"):
            position = row["position"]
            concept: dict[str, Any] = {"text": position}
            if position in POSITIONS:
                concept["coding"] = [_coding(POSITIONS[position])]
            resource["extension"] = [{"url": BODY_POSITION, "valueCodeableConcept": concept}]
    elif kind == "pain":
        resource["code"] = {"coding": [_coding(PAIN_CODE)], "text": "Pain, 0-10"}
        resource["category"] = _category("survey")
        if row.get("side"):
            _hip_site(resource, row["side"])
    else:
        code, display = OWN_CODES.get(kind, (kind, kind))
        resource["code"] = {"coding": [_own(code, display)], "text": display}
        resource["category"] = _category("survey" if kind == "global_rating" else "exam")
        if kind == "sit_tall" and row.get("side") in SIDES:
            resource["component"] = [
                {
                    "code": {"coding": [_own("front-leg", "Leg in front in the 90/90 sit")]},
                    "valueCodeableConcept": {"coding": [_coding(SIDES[row["side"]])]},
                }
            ]
    return resource


def _checkin_pain(row: dict[str, Any], subject: dict[str, str]) -> Resource | None:
    """A check-in's pain rating is the same 0-10 scale as a measured one; other fields stay out."""
    if row.get("pain") is None:
        return None
    resource = _observation(row, subject, row["recorded_at"])
    resource["code"] = {"coding": [_coding(PAIN_CODE)], "text": "Pain, 0-10"}
    resource["category"] = _category("survey")
    resource["valueQuantity"] = _quantity(row["pain"], "nrs")
    resource["note"] = [{"text": f"Reported {row['moment']} a hipcoach session"}]
    return resource
