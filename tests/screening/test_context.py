"""Reading the patient's words as a clinician would: whose, whether, when, and how used.

Each behaviour is tested through `screen()`; the trigger lists are data
(`data/context.json`), so these tests are also the review of that data.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from intake.screening import screen
from intake.screening.context import load_context
from intake.screening.engine import DATA_DIR
from intake.screening.matching import tokenise

TODAY = date(2026, 11, 25)


def result(**answers: Any) -> dict[str, Any]:
    return screen(answers, today=TODAY)


def highest(**answers: Any) -> dict[str, str]:
    """Rule id → highest severity raised (flags come highest first)."""
    out: dict[str, str] = {}
    for flag in result(**answers)["flags"]:
        out.setdefault(flag["rule"], flag["severity"])
    return out


def reasons(**answers: Any) -> list[str]:
    return [item["reason"] for item in result(**answers)["considered"]]


# --- someone else's ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "my sister has diabetes",
        "Mum's diabetes",
        "father diabetic",
        "diabetes runs in the family",
        "diabetes in the family",
        "family history of diabetes",
        "FH: diabetes, heart disease",
        "Family history: heart disease, diabetes",
        "my grandmother and my aunt both have diabetes",
    ],
)
def test_someone_elses_condition_raises_nothing(typed: str) -> None:
    assert highest(conditions=[typed]) == {}
    assert any(reason.startswith("a family member's") for reason in reasons(conditions=[typed]))


def test_the_patients_own_condition_after_a_relatives_is_still_read() -> None:
    assert highest(conditions=["Mum had breast cancer, I have diabetes"]) == {"R19": "caution"}
    assert highest(conditions=["dad has epilepsy and my knee was replaced"]) == {"R38": "caution"}


def test_someone_elses_pregnancy_does_not_outrank_the_patients_answer() -> None:
    answers = {"pregnancy": "no", "conditions": ["my daughter is pregnant"]}
    assert highest(**answers) == {}
    assert reasons(**answers) == ["about someone else's pregnancy ('daughter')"]


def test_someone_elses_medicine_is_not_the_patients() -> None:
    assert highest(medications=["my husband takes warfarin"]) == {}
    assert highest(conditions=["brother on clopidogrel"]) == {}


# --- negation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "no stents or pacemaker",
        "never had fits or seizures",
        "no pacemaker, ICD or stimulator",
        "denies epilepsy, diabetes or cancer",
        "I don't have diabetes",
        "haven't got a pacemaker",
        "pacemaker - ruled out",
    ],
)
def test_a_negation_covers_the_list_it_governs(typed: str) -> None:
    assert highest(conditions=[typed]) == {}
    assert any(reason.startswith("negated") for reason in reasons(conditions=[typed]))


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("no seizures but I have a stimulator fitted", "R12"),
        ("no diabetes; pacemaker since 2019", "R11"),
        ("no problems, pacemaker fitted 2019", "R11"),
        ("never smoked, epilepsy", "R14"),
        ("no allergies although I am diabetic", "R19"),
        ("not sure if I'm pregnant", "R01"),
    ],
)
def test_a_negation_stops_at_a_clause_boundary(typed: str, rule: str) -> None:
    assert rule in highest(conditions=[typed])


# --- time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "stopped warfarin",
        "used to take warfarin",
        "off warfarin since March",
        "came off warfarin years ago",
        "warfarin - stopped 2021",
        "no longer on warfarin",
        "was on warfarin until 2023",
    ],
)
def test_a_stopped_medicine_is_shown_at_info_to_confirm(typed: str) -> None:
    found = result(medications=[typed])
    assert highest(medications=[typed]) == {"R06": "info"}
    (flag,) = found["flags"]
    assert flag["because"][0].endswith("reported as stopped \u2014 confirm")
    assert [c["reason"] for c in found["considered"]] == ["reported as stopped \u2014 confirm"]


def test_a_stopped_medicine_does_not_add_to_the_bleeding_score() -> None:
    flags = highest(medications=["sertraline", "came off aspirin last year", "Eliquis"])
    assert flags["R06"] == "caution"
    assert flags["R07"] == "info"
    # sertraline with Eliquis still stacks (R08); the stopped aspirin adds nothing to it.
    because = next(
        f
        for f in result(medications=["sertraline", "came off aspirin", "Eliquis"])["flags"]
        if f["rule"] == "R08"
    )["because"]
    assert not any("aspirin (antiplatelet)" in line for line in because)


def test_stopped_in_the_frequency_field_applies_to_the_medicine() -> None:
    meds = [{"name": "Xarelto 20mg", "frequency": "stopped in June"}]
    assert highest(medications=meds) == {"R06": "info"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("breast cancer in remission", {"R23": "caution"}),
        ("had a lumpectomy 2015, all clear", {"R23": "caution"}),
        ("epilepsy as a child", {"R14": "caution"}),
        ("knee replacement years ago", {"R38": "caution"}),
        ("had sepsis in 2019", {"R33": "info"}),
        ("eczema as a child, cleared up", {"R27": "info"}),
        ("had chemo in 2020", {"R23": "caution", "R22": "info", "R05": "info"}),
    ],
)
def test_past_history_that_matters_keeps_its_severity(typed: str, expected: dict) -> None:
    assert highest(conditions=[typed]) == expected


# --- planned ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "rule"),
    [
        ({"medications": ["might be starting a blood thinner"]}, "R06"),
        ({"conditions": ["GP wants me to try methotrexate"]}, "R21"),
        ({"conditions": ["waiting for a hip replacement"]}, "R38"),
        ({"conditions": ["pacemaker planned"]}, "R11"),
        ({"medications": [{"name": "apixaban", "frequency": "due to start next week"}]}, "R06"),
    ],
)
def test_a_planned_item_is_info_to_confirm_at_the_visit(answers: dict, rule: str) -> None:
    found = result(**answers)
    flags = [f for f in found["flags"] if f["rule"] == rule]
    assert {f["severity"] for f in flags} == {"info"}
    assert flags[0]["because"][0].endswith("planned \u2014 confirm at the visit")
    assert "planned \u2014 confirm at the visit" in [c["reason"] for c in found["considered"]]


def test_planning_a_pregnancy_counts_as_trying_to_conceive() -> None:
    flags = highest(conditions=["planning a pregnancy"])
    assert flags["R01"] == "caution"
    assert flags["R03"] == "caution"  # trying: caution, not the pregnant contraindication


# --- structured answers win -------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {"pregnancy": "no", "conditions": ["pregnant"]},
        {"pregnancy": "not_applicable", "conditions": ["trying for a baby"]},
        {"sex_at_birth": "male", "conditions": ["pregnancy"]},
    ],
)
def test_the_patients_own_pregnancy_answer_wins_over_free_text(answers: dict) -> None:
    assert highest(**answers) == {}
    assert reasons(**answers)[0].startswith("the ")


def test_a_yes_answer_wins_over_typed_not_pregnant() -> None:
    flags = highest(pregnancy="yes", conditions=["not pregnant"])
    assert flags["R03"] == "contraindicated"


# --- route ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "steroid inhaler",
        "prednisolone inhaler",
        "Clenil Modulite 2 puffs",
        "hydrocortisone cream",
        "Pred Forte eye drops",
        "Nasonex nasal spray",
        "Depo-Medrone injection into my knee",
        "Betnovate ointment",
    ],
)
def test_local_steroids_are_not_systemic(typed: str) -> None:
    flags = highest(medications=[typed])
    assert "R21" not in flags and "R36" not in flags and "MR01" not in flags


@pytest.mark.parametrize("typed", ["prednisolone 40mg for 5 days", "rescue pack of steroids"])
def test_a_short_course_is_not_long_term(typed: str) -> None:
    assert not {"R21", "R36"} & set(highest(medications=[typed]))
    assert any("short course" in r for r in reasons(medications=[typed]))


@pytest.mark.parametrize(
    "typed", ["prednisolone 5mg", "prednisolone 5mg for 10 years", "hydrocortisone tablets"]
)
def test_systemic_steroids_still_raise_r21_and_r36(typed: str) -> None:
    flags = highest(medications=[typed])
    assert flags["R21"] == flags["R36"] == "caution"


def test_a_route_word_is_read_only_beside_its_medicine() -> None:
    flags = highest(medications=["prednisolone tablets, Betnovate cream"])
    assert flags["R36"] == "caution"


# --- patient phrasing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("my knee was replaced in 2019", "R38"),
        ("both hips done", "R38"),
        ("had my hip replaced", "R38"),
        ("replaced my left knee", "R38"),
        ("pins in my ankle", "R38"),
        ("had a device fitted", "R12"),
        ("spinal stimulator", "R12"),
        ("heart device", "R11"),
        ("I'm diabetic", "R19"),
        ("sugar diabetes", "R19"),
        ("high blood sugar", "R19"),
        ("pig valve", "R32"),
        ("my heart valve was replaced", "R32"),
        ("leaky valve", "R32"),
        ("platelets are low", "R05"),
        ("low platelet count", "R05"),
        ("numb feet", "R20"),
        ("can't feel my toes", "R20"),
        ("my feet are numb", "R20"),
        ("lymph nodes were removed", "R24"),
        ("nodes taken out under my arm", "R24"),
        ("spleen taken out", "R21"),
        ("kidney transplant", "R21"),
        ("boob job", "R25"),
        ("faint at the sight of blood", "R15"),
        ("terrified of needles", "R15"),
        ("ulcer on my leg", "R27"),
        ("blood clot in my leg", "R28"),
        ("back op 2018", "R37"),
        ("trying for a baby", "R01"),
    ],
)
def test_everyday_phrasing_of_a_trigger_is_read(typed: str, rule: str) -> None:
    assert rule in highest(conditions=[typed]), typed


@pytest.mark.parametrize(
    "typed",
    [
        "aspirin every other day",
        "aspirin 75mg as and when",
        "ramipril for my heart",
        "water tablet in the morning",
        "paracetamol when needed",
        "metformin with meals for my sugar",
        "Vitamin D as advised",
        "ibuprofen on and off",
    ],
)
def test_dosing_and_purpose_words_are_not_unknown_medicines(typed: str) -> None:
    assert "MR01" not in highest(medications=[typed])


def test_a_truly_unknown_medicine_still_raises_medication_review() -> None:
    assert highest(medications=["Zyntrex 20mg"]) == {"MR01": "info"}
    assert highest(medications=["aspirin and Zyntrex"])["MR01"] == "info"


# --- no invented matches ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "epilepsy as a child",  # "as a" is not ASA
        "high blood pressure as a result of stress",
        "hearing aids",  # not AIDS
        "fit and well",
        "I was a smoker",  # "smoker" is not a smoke sensitivity
        "stomach ulcer",
        "coil fitted",
        "dental implant",
        "TENS machine",
    ],
)
def test_everyday_words_raise_nothing_invented(typed: str) -> None:
    flags = highest(conditions=[typed])
    assert not {"R07", "R44", "R29", "R30", "R27", "R12", "R38", "R31"} & set(flags), flags


def test_a_short_abbreviation_is_read_as_a_medicine_only_in_the_medicines_box() -> None:
    assert highest(medications=["ASA 81mg"]) == {"R07": "info"}
    assert "R07" not in highest(conditions=["ASA"])


def test_a_medicine_in_the_conditions_box_and_a_condition_in_the_medicines_box() -> None:
    assert highest(conditions=["on Eliquis for AF"]) == {"R06": "caution"}
    assert highest(medications=["pacemaker"])["R11"] == "contraindicated"
    assert "MR01" not in highest(medications=["pacemaker"])


# --- the trigger data -------------------------------------------------------------------


def test_the_trigger_data_loads_and_matches_longest_first() -> None:
    rules, doc = load_context(DATA_DIR / "context.json")
    found = rules.find(tokenise("no longer on warfarin"), ())
    assert [(t.category, t.phrase) for _s, _e, t in found] == [("stopped", ("no", "longer", "on"))]
    categories = {group["category"] for group in doc["triggers"]}
    assert categories == {"pseudo", "negated", "family", "stopped", "past", "planned"}


def test_a_trigger_listed_under_two_categories_is_an_error(tmp_path: Path) -> None:
    doc = json.loads((DATA_DIR / "context.json").read_text())
    doc["triggers"].append({"category": "family", "direction": "forward", "phrases": ["no"]})
    path = tmp_path / "context.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="'no' is negated and family"):
        load_context(path)
