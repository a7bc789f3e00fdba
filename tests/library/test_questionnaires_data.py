"""The shipped questionnaires and norms: valid, FHIR-shaped, free to ship, and as DOMAIN.md says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hipcoach.domain.errors import LibraryError
from hipcoach.domain.measurements import ROM_LIMITS, Method, Movement, Position
from hipcoach.domain.norms import BandStatus, normal_range_position
from hipcoach.library.norms import NORMS_FILE, load_norms, load_norms_from
from hipcoach.library.questionnaires import (
    SHIPPED_DIR,
    load_folder,
    load_questionnaires,
    shipped_questionnaires,
)

SHIPPED = ["global-rating", "hip-rotation-inclinometer", "pain-nrs", "psfs", "sit-tall"]
# Instruments that need a licence (or whose terms are unclear): never shipped.
LICENSED = re.compile(r"\b(HOOS|KOOS|iHOT|LEFS|PAR-Q)", re.IGNORECASE)

PSFS_LIKE = """
resourceType = "Questionnaire"
id = "{id}"
title = "A licensed hip score"
version = "2"
status = "active"
publisher = "A clinic"
copyright = "Used under the clinic's licence."
description = "Loaded from the user's folder, never shipped."

[scoring]
method = "sum"
linkId = "q1"
minScore = 0
maxScore = 4
label = "Total"

[[item]]
linkId = "q1"
type = "integer"
text = "Question one"
minValue = 0
maxValue = 4
"""


def test_every_shipped_questionnaire_loads() -> None:
    assert sorted(shipped_questionnaires()) == SHIPPED
    for questionnaire in shipped_questionnaires().values():
        assert questionnaire.resource_type == "Questionnaire"
        assert questionnaire.status == "active"
        assert all(item.link_id for item in questionnaire.walk())


def test_no_licensed_instrument_is_shipped() -> None:
    for path in SHIPPED_DIR.glob("*.toml"):
        assert not LICENSED.search(path.read_text()), path.name


def test_psfs_is_the_persons_own_activities_scored_by_the_mean() -> None:
    psfs = shipped_questionnaires()["psfs"]
    group = psfs.find("activity")
    assert group is not None
    assert group.repeats
    assert group.max_repeats == 5
    score = psfs.find("activity.score")
    assert score is not None
    assert (score.min_value, score.max_value) == (0, 10)
    assert psfs.scoring is not None
    assert psfs.scoring.method == "mean"
    assert psfs.scoring.meaningful_change == 2.0


def test_the_sit_tall_score_is_labelled_as_hipcoachs_own() -> None:
    sit_tall = shipped_questionnaires()["sit-tall"]
    assert sit_tall.own_score
    assert "hipcoach's own" in sit_tall.title
    assert "not been validated" in sit_tall.description
    for side in ("left", "right"):
        item = sit_tall.find(f"sit-tall.{side}")
        assert item is not None
        assert [o.value for o in item.answer_option] == [0, 1, 2, 3, 4]
        assert sit_tall.observation_limits("sit_tall", side) == (0, 4)


def test_the_guide_records_both_sides_both_rotations_within_plausible_limits() -> None:
    guide = shipped_questionnaires()["hip-rotation-inclinometer"]
    observed = {
        (i.observation.side, i.observation.movement): (i.min_value, i.max_value)
        for i in guide.walk()
        if i.observation is not None
    }
    assert set(observed) == {
        (side, move)
        for side in ("left", "right")
        for move in ("internal_rotation", "external_rotation")
    }
    assert set(observed.values()) == {ROM_LIMITS}
    steps = " ".join(i.text for i in guide.walk() if i.type == "display").lower()
    for step in ("feet hang", "shin", "zero", "out to the side", "in, under the other leg"):
        assert step in steps or step in " ".join(guide.instructions).lower(), step


def test_a_broken_file_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    broken = PSFS_LIKE.format(id="clinic-score").replace("maxValue = 4", "maxValue = 0")
    (tmp_path / "clinic-score.toml").write_text(broken)
    with pytest.raises(LibraryError) as caught:
        load_folder(tmp_path)
    assert caught.value.file.endswith("clinic-score.toml")
    assert caught.value.item_id == "clinic-score"
    assert caught.value.field == "item.0"
    assert "minValue must be below maxValue" in str(caught.value)


def test_a_pain_item_may_not_widen_what_the_journal_accepts(tmp_path: Path) -> None:
    (tmp_path / "wide.toml").write_text(
        PSFS_LIKE.format(id="wide").split("[scoring]")[0]
        + '[[item]]\nlinkId = "pain"\ntype = "integer"\ntext = "Pain"\n'
        + 'minValue = 0\nmaxValue = 20\nobservation = { kind = "pain" }\n'
    )
    with pytest.raises(LibraryError, match="pain answer runs 0-10 at most"):
        load_folder(tmp_path)


def test_a_clinicians_licensed_questionnaire_loads_from_the_user_folder(tmp_path: Path) -> None:
    (tmp_path / "clinic-score.toml").write_text(PSFS_LIKE.format(id="clinic-score"))
    found = load_questionnaires(tmp_path)
    assert "clinic-score" in found
    assert set(SHIPPED) <= set(found)


def test_a_user_file_may_not_replace_a_shipped_questionnaire(tmp_path: Path) -> None:
    (tmp_path / "psfs.toml").write_text(PSFS_LIKE.format(id="psfs"))
    with pytest.raises(LibraryError, match="already the id of a questionnaire hipcoach ships"):
        load_questionnaires(tmp_path)


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text(PSFS_LIKE.format(id="clinic-score"))
    with pytest.raises(LibraryError, match="must match the file name 'other'"):
        load_folder(tmp_path)


def test_norms_are_the_figures_in_domain_md() -> None:
    norms = load_norms()
    ir = normal_range_position(35, Movement.INTERNAL_ROTATION, Position.SEATED, norms)
    er = normal_range_position(35, Movement.EXTERNAL_ROTATION, Position.SEATED, norms)
    assert (ir.low, ir.high, ir.typical, ir.status) == (30, 40, 38, BandStatus.WITHIN)
    assert (er.low, er.high, er.status) == (40, 60, BandStatus.BELOW)
    prone = normal_range_position(35, Movement.EXTERNAL_ROTATION, Position.PRONE, norms)
    assert (prone.status, prone.typical) == (BandStatus.NO_RANGE, 42)
    assert (norms.arc_low, norms.arc_high, norms.arc_typical) == (80, 100, 82)
    key = (Movement.INTERNAL_ROTATION, Method.INCLINOMETER, Position.SEATED)
    assert norms.thresholds.default == 8.0
    assert norms.thresholds.published[key] == 5.4
    assert norms.thresholds.for_line(*key) == 8.0  # the rule of thumb unless switched on


def test_a_broken_norms_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "norms.toml"
    path.write_text(NORMS_FILE.read_text().replace("rule_of_thumb = 8.0", "rule_of_thumb = -1"))
    with pytest.raises(LibraryError) as caught:
        load_norms_from(path)
    assert caught.value.field == "detectable_change.rule_of_thumb"
