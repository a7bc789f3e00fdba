"""The FHIR export: a Bundle the library parses back, with the codes and units documented."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from hipcoach.interop import fhir
from hipcoach.interop.fhir_codes import HIPCOACH_CODES, LOINC, PSFS_QUESTIONNAIRE, SNOMED, UCUM
from hipcoach.interop.files import DataExportError
from hipcoach.store import Journal
from hipcoach.store.export import dump_profile
from tests.interop.samples import populate

EXPORTED_AT = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def bundle(journal: Journal) -> dict[str, Any]:
    text = fhir.to_fhir_json(dump_profile(journal.engine, populate(journal)), EXPORTED_AT)
    Bundle.model_validate_json(text)  # the library reads back what it wrote
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def _observation(bundle: dict[str, Any], system: str, code: str, n: int = 0) -> dict[str, Any]:
    found = [o for o in _resources(bundle, "Observation") if (system, code) in _codes(o["code"])]
    return found[n]


def test_the_bundle_is_a_collection_with_one_pseudonymous_patient(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert bundle["timestamp"] == "2025-03-15T09:00:00Z"
    (patient,) = _resources(bundle, "Patient")
    assert patient["name"] == [{"use": "anonymous", "text": "alice"}]
    assert set(patient) == {"resourceType", "id", "identifier", "name"}  # nothing else about them
    patient_url = bundle["entry"][0]["fullUrl"]
    assert patient_url.startswith("urn:uuid:")
    for entry in bundle["entry"][1:]:
        assert entry["resource"]["subject"] == {"reference": patient_url}
    # 5 measurements, 2 check-ins with a pain rating (the third has none), 2 questionnaires.
    assert len(_resources(bundle, "Observation")) == 7
    assert len(_resources(bundle, "QuestionnaireResponse")) == 2


def test_ids_are_stable_between_exports(journal: Journal) -> None:
    dump = dump_profile(journal.engine, populate(journal))
    later = datetime(2025, 4, 1, tzinfo=UTC)
    first = json.loads(fhir.to_fhir_json(dump, EXPORTED_AT))["entry"]
    second = json.loads(fhir.to_fhir_json(dump, later))["entry"]
    assert [e["fullUrl"] for e in first] == [e["fullUrl"] for e in second]


def test_rom_is_degrees_with_hip_site_side_position_and_method(bundle: dict[str, Any]) -> None:
    ir = _observation(bundle, HIPCOACH_CODES, "hip-internal-rotation-rom")
    assert (SNOMED, "364564000") in _codes(ir["code"])
    assert ir["valueQuantity"] == {"value": 38.5, "unit": "deg", "system": UCUM, "code": "deg"}
    assert _codes(ir["bodySite"]) == {(SNOMED, "24136001")}
    (laterality,) = ir["component"]
    assert _codes(laterality["code"]) == {(SNOMED, "272741003")}
    assert _codes(laterality["valueCodeableConcept"]) == {(SNOMED, "7771000")}
    (position,) = ir["extension"]
    assert position["url"] == "http://hl7.org/fhir/StructureDefinition/observation-bodyPosition"
    assert _codes(position["valueCodeableConcept"]) == {(SNOMED, "33586001")}
    assert _codes(ir["method"]) == {(HIPCOACH_CODES, "inclinometer")}
    assert ir["category"][0]["coding"][0]["code"] == "exam"
    assert ir["effectiveDateTime"] == "2025-03-14T07:20:00.123456Z"
    assert ir["note"] == [{"text": "phone zeroed on the shin; stretch, no pinch — ça va"}]
    er = _observation(bundle, HIPCOACH_CODES, "hip-external-rotation-rom")
    assert _codes(er["component"][0]["valueCodeableConcept"]) == {(SNOMED, "24028007")}
    assert _codes(er["extension"][0]["valueCodeableConcept"]) == {(SNOMED, "1240000")}


def test_pain_uses_loinc_72514_3(bundle: dict[str, Any]) -> None:
    measured = _observation(bundle, LOINC, "72514-3", 0)
    assert measured["valueQuantity"] == {
        "value": 3.0,
        "unit": "{score}",
        "system": UCUM,
        "code": "{score}",
    }
    assert measured["category"][0]["coding"][0]["code"] == "survey"
    assert _codes(measured["bodySite"]) == {(SNOMED, "24136001")}
    checkin = _observation(bundle, LOINC, "72514-3", 1)
    assert checkin["valueQuantity"]["value"] == 2
    assert checkin["note"] == [{"text": "Reported before a hipcoach session"}]


def test_global_rating_and_sit_tall_carry_hipcoach_codes(bundle: dict[str, Any]) -> None:
    rating = _observation(bundle, HIPCOACH_CODES, "hip-global-rating")
    assert rating["valueQuantity"] == {"value": 70.0, "unit": "%", "system": UCUM, "code": "%"}
    sit = _observation(bundle, HIPCOACH_CODES, "sit-tall-score")
    assert "hipcoach's own, not a validated test" in sit["code"]["coding"][0]["display"]
    assert sit["valueQuantity"]["code"] == "{score}"
    assert _codes(sit["component"][0]["valueCodeableConcept"]) == {(SNOMED, "24028007")}


def test_psfs_is_a_questionnaire_response_item_per_activity(bundle: dict[str, Any]) -> None:
    psfs = next(
        r
        for r in _resources(bundle, "QuestionnaireResponse")
        if r["questionnaire"] == PSFS_QUESTIONNAIRE
    )
    assert psfs["status"] == "completed"
    assert psfs["authored"] == "2025-03-14T06:00:00.123456Z"
    first, second, score = psfs["item"]
    assert first["linkId"] == "activity-1"
    name, rating = first["item"]
    assert name["answer"] == [{"valueString": "Sitting cross-legged on the floor"}]
    assert rating["answer"] == [{"valueInteger": 4}]
    assert second["item"][0]["answer"] == [{"valueString": "Tying shoes — left foot"}]
    assert score == {
        "linkId": "score",
        "text": "PSFS score (mean)",
        "answer": [{"valueDecimal": 5.5}],
    }


def test_a_questionnaire_hipcoach_does_not_know_keeps_its_answers(bundle: dict[str, Any]) -> None:
    other = next(
        r
        for r in _resources(bundle, "QuestionnaireResponse")
        if r["questionnaire"].endswith("/Questionnaire/clinic-form")
    )
    assert other["item"] == [
        {"linkId": "q1", "answer": [{"valueString": "yes"}]},
        {"linkId": "q2", "answer": [{"valueInteger": 1}, {"valueInteger": 2}]},
    ]


def test_every_resource_validates_as_its_own_type(bundle: dict[str, Any]) -> None:
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


def test_a_resource_the_library_refuses_names_the_record() -> None:
    with pytest.raises(DataExportError) as caught:
        fhir._validated(Observation, {"resourceType": "Observation"}, "measurements", 2)
    assert str(caught.value) == (
        "measurements[2] cannot be written as FHIR Observation: code: Field required"
    )


def test_a_value_fhir_cannot_carry_stops_the_export(journal: Journal) -> None:
    dump = dump_profile(journal.engine, populate(journal))
    dump["records"]["measurements"][3]["value"] = float("nan")
    with pytest.raises(DataExportError, match=r"^measurements\[3\] cannot be written as FHIR"):
        fhir.to_fhir_json(dump, EXPORTED_AT)


def test_an_empty_profile_gives_a_bundle_with_only_the_patient(journal: Journal) -> None:
    empty = dump_profile(journal.engine, journal.ensure_profile("nobody").id)
    parsed = Bundle.model_validate_json(fhir.to_fhir_json(empty, EXPORTED_AT))
    assert [e.resource.get_resource_type() for e in parsed.entry] == ["Patient"]
