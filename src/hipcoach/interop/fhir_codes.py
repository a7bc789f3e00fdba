"""The codes and systems the FHIR export uses, each checked against the published terminology.

- pain 0-10: LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] -
  Reported".
- hip internal / external rotation angle: LOINC has no such code (only CMS
  assessment items on range of motion), so `code` is hipcoach's own
  `hip-internal-rotation-rom` / `hip-external-rotation-rom`, with the broader
  SNOMED CT 364564000 "Range of joint movement" beside it.
- the joint (bodySite): SNOMED CT 24136001 "Hip joint structure".
- the side: a component SNOMED CT 272741003 "Laterality" = 7771000 Left or
  24028007 Right (R4 has no laterality element).
- the posture: the R4 core extension observation-bodyPosition, SNOMED CT
  33586001 sitting, 40199007 supine, 1240000 prone.
- the device (method): hipcoach codes `inclinometer`, `goniometer`, `camera`, `estimate`.
- global rating 0-100: no standard code; hipcoach's `hip-global-rating`.
- sit-tall score: hipcoach's own score with no validated test behind it;
  hipcoach's `sit-tall-score`, labelled so in its display.
- units (UCUM): `deg` for angles, `{score}` for ratings, `%` for the global rating.
"""

from __future__ import annotations

# hipcoach has no web home yet: '.example' (RFC 2606) marks the base as a placeholder.
# Receivers treat these as opaque identifiers; change the base here when one exists.
HIPCOACH_FHIR = "https://hipcoach.example/fhir"
HIPCOACH_CODES = f"{HIPCOACH_FHIR}/CodeSystem/hipcoach"
PROFILE_IDENTIFIER = f"{HIPCOACH_FHIR}/profile"
PSFS_QUESTIONNAIRE = f"{HIPCOACH_FHIR}/Questionnaire/psfs"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
BODY_POSITION = "http://hl7.org/fhir/StructureDefinition/observation-bodyPosition"

PAIN_CODE = (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
JOINT_ROM = (SNOMED, "364564000", "Range of joint movement (observable entity)")
HIP_JOINT = (SNOMED, "24136001", "Hip joint structure (body structure)")
LATERALITY = (SNOMED, "272741003", "Laterality (attribute)")
SIDES = {
    "left": (SNOMED, "7771000", "Left (qualifier value)"),
    "right": (SNOMED, "24028007", "Right (qualifier value)"),
}
POSITIONS = {
    "seated": (SNOMED, "33586001", "Sitting position (finding)"),
    "supine": (SNOMED, "40199007", "Supine body position (finding)"),
    "prone": (SNOMED, "1240000", "Prone body position (finding)"),
}
MOVEMENTS = {
    "internal_rotation": ("hip-internal-rotation-rom", "Hip internal rotation range of motion"),
    "external_rotation": ("hip-external-rotation-rom", "Hip external rotation range of motion"),
}
OWN_CODES = {
    "global_rating": ("hip-global-rating", "Global rating of the hip: how normal it feels, 0-100"),
    "sit_tall": ("sit-tall-score", "90/90 sit-tall score (hipcoach's own, not a validated test)"),
}
# The journal's unit strings (domain.measurements.UNITS) as UCUM codes.
UCUM_UNITS = {"deg": "deg", "nrs": "{score}", "score": "{score}", "percent": "%"}
