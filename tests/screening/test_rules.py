"""Rule families of the screening engine, tested through the public `screen()` function."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from intake.screening import RULESET_VERSION, SEVERITIES, screen
from intake.screening.engine import RULESET

TODAY = date(2026, 11, 25)


def flags(**answers: Any) -> list[dict[str, Any]]:
    return screen(answers, today=TODAY)["flags"]


def by_rule(**answers: Any) -> dict[str, dict[str, Any]]:
    """Highest-severity flag per rule id (flags come sorted highest first)."""
    out: dict[str, dict[str, Any]] = {}
    for flag in flags(**answers):
        out.setdefault(flag["rule"], flag)
    return out


def meds(*names: str) -> dict[str, dict[str, Any]]:
    return by_rule(medications=list(names))


# One minimal intake per rule the intake can raise, with the severity and category its
# highest flag must have: every such rule must be reachable, at the grade the clinical
# reference gives it (ABSOLUTE → contraindicated, RELATIVE → caution, INFO → info).
RULE_EXAMPLES: dict[str, tuple[dict[str, Any], str, str]] = {
    "R01": ({"pregnancy": "possible"}, "caution", "pregnancy"),
    "R02": ({"pregnancy": "yes"}, "caution", "pregnancy"),
    "R03": ({"pregnancy": "yes"}, "contraindicated", "pregnancy"),
    "R04": ({"conditions": ["bleeding disorder"]}, "contraindicated", "bleeding"),
    "R05": ({"conditions": ["ITP (low platelets)"]}, "caution", "bleeding"),
    "R06": ({"medications": ["Xarelto 20mg"]}, "caution", "bleeding"),
    "R07": ({"medications": ["clopidogrel 75mg"]}, "info", "bleeding"),
    "R08": ({"medications": ["sertraline", "ibuprofen"]}, "caution", "bleeding"),
    "R09": ({"medications": ["Voltarol"]}, "info", "bleeding"),
    "R10": ({"medications": ["ginkgo biloba"]}, "info", "bleeding"),
    "R11": ({"conditions": ["pacemaker or ICD"]}, "contraindicated", "electrical_device"),
    "R12": (
        {"conditions": ["other implanted electrical device (stimulator or pump)"]},
        "contraindicated",
        "electrical_device",
    ),
    "R14": ({"conditions": ["epilepsy or seizures"]}, "caution", "seizure"),
    "R15": ({"history": ["needle_phobia"]}, "caution", "fainting"),
    "R16": ({"history": ["first_acupuncture"]}, "info", "fainting"),
    "R19": ({"conditions": ["diabetes"]}, "caution", "diabetes"),
    "R20": ({"conditions": ["peripheral neuropathy"]}, "caution", "sensation"),
    "R21": (
        {"conditions": ["weakened immune system (immunosuppression)"]},
        "caution",
        "infection",
    ),
    "R22": ({"conditions": ["neutropenia"]}, "caution", "infection"),
    "R23": ({"conditions": ["cancer (current)"]}, "caution", "cancer"),
    "R24": (
        {"conditions": ["lymphoedema or lymph nodes removed"]},
        "contraindicated",
        "lymphoedema",
    ),
    "R25": ({"conditions": ["breast implant or other implant"]}, "contraindicated", "implant"),
    "R26": ({"conditions": ["emphysema"]}, "caution", "thorax"),
    "R27": ({"conditions": ["skin condition or broken skin"]}, "contraindicated", "skin"),
    "R28": ({"conditions": ["varicose veins"]}, "caution", "skin"),
    "R29": ({"allergies": ["metal"]}, "caution", "allergy"),
    "R30": ({"allergies": ["mugwort"]}, "caution", "allergy"),
    "R31": ({"allergies": ["latex"]}, "info", "allergy"),
    "R32": (
        {"conditions": ["heart valve disease or replacement valve"]},
        "caution",
        "cardiac_valve",
    ),
    "R33": ({"conditions": ["unstable angina"]}, "contraindicated", "unstable"),
    "R34": ({"conditions": ["dizzy spells, undiagnosed"]}, "caution", "unstable"),
    "R35": ({"conditions": ["early dementia"]}, "caution", "capacity"),
    "R36": ({"medications": ["prednisolone 5mg"]}, "caution", "infection"),
    "R37": ({"conditions": ["spinal fusion L4-L5"]}, "caution", "unstable"),
    "R38": ({"conditions": ["hip replacement"]}, "caution", "implant"),
    "R39": ({"date_of_birth": "1940-01-01"}, "caution", "unstable"),
    "R44": (
        {"conditions": ["blood-borne infection (hepatitis B or C, HIV)"]},
        "info",
        "infection",
    ),
    "R45": ({"medications": ["tramadol 50mg"]}, "info", "medication_review"),
    "MR01": ({"medications": ["Zyntrex"]}, "info", "medication_review"),
    "RF05": (
        {"conditions": ["cancer (in the past)"], "pain": {"regions": ["neck"]}},
        "refer",
        "red_flag",
    ),
    "RF06": ({"red_flags": ["unexplained_weight_loss"]}, "refer", "red_flag"),
    "RF07": (
        {"date_of_birth": "1960-01-01", "pain": {"duration_months": 1}},
        "refer",
        "red_flag",
    ),
    "RF12": (
        {"pain": {"regions": ["upper_back"], "duration_months": 2}},
        "refer",
        "red_flag",
    ),
    "RF14": (
        {"pain": {"regions": ["head"]}, "red_flags": ["fever_or_infection"]},
        "refer",
        "red_flag",
    ),
    "RF17": (
        {"date_of_birth": "1960-01-01", "pain": {"regions": ["head"], "duration_months": 0}},
        "refer",
        "red_flag",
    ),
    "RF25": ({"conditions": ["new lump in breast"]}, "refer", "red_flag"),
}


def test_every_intake_rule_has_an_example() -> None:
    intake_rules = {r.id for r in RULESET.rules.values() if r.trigger == "intake"}
    red_flag_rules = set(RULESET.red_flag_rules.values())
    assert intake_rules - red_flag_rules == set(RULE_EXAMPLES) - red_flag_rules


@pytest.mark.parametrize("rule", sorted(RULE_EXAMPLES))
def test_it_raises_each_intake_rule_at_its_severity_and_category(rule: str) -> None:
    answers, severity, category = RULE_EXAMPLES[rule]

    flag = by_rule(**answers)[rule]

    assert (flag["severity"], flag["category"]) == (severity, category)
    assert flag["guide_url"] == f"/guide/safety/#{category}"


@pytest.mark.parametrize(("key", "rule"), sorted(RULESET.red_flag_rules.items()))
def test_each_red_flag_answer_raises_its_rule(key: str, rule: str) -> None:
    flag = by_rule(red_flags=[key])[rule]
    assert flag["severity"] == "refer"
    assert flag["category"] == "red_flag"
    assert flag["guide_url"] == "/guide/safety/#red_flag"


def test_red_flag_mapping_matches_the_brief() -> None:
    assert RULESET.red_flag_rules["saddle_numbness"] == "RF01"
    assert RULESET.red_flag_rules["night_pain"] == "RF11"
    assert RULESET.red_flag_rules["thunderclap_headache"] == "RF16"
    assert RULESET.red_flag_rules["new_neuro_symptoms"] == "RF15"
    assert RULESET.red_flag_rules["pregnancy_bleeding"] == "RF24"


def test_flag_shape_matches_the_contract() -> None:
    result = screen({"medications": ["Eliquis 5mg"]}, today=TODAY)
    assert result["ruleset"] == RULESET_VERSION
    assert result["flags"] == [
        {
            "rule": "R06",
            "category": "bleeding",
            "severity": "caution",
            "title": RULESET.rules["R06"].title,
            "action": RULESET.rules["R06"].action,
            "because": ["medication 'Eliquis 5mg' is apixaban, an anticoagulant"],
            "affects": ["MN", "EA", "CUP", "PTS"],
            "guide_url": "/guide/safety/#bleeding",
        }
    ]


def test_flags_are_sorted_by_severity_then_rule() -> None:
    result = flags(
        conditions=["pacemaker", "diabetes", "asthma"],
        medications=["aspirin 75mg", "Zyntrex"],
        red_flags=["night_pain", "bladder_change"],
        history=["first_acupuncture"],
    )
    keys = [(-SEVERITIES.index(f["severity"]), f["rule"]) for f in result]
    assert [f["rule"] for f in result][:2] == ["RF02", "RF11"]
    assert keys == sorted(keys)
    assert result[-1]["severity"] == "info"


def test_empty_answers_raise_nothing() -> None:
    assert screen({}, today=TODAY) == {"ruleset": RULESET_VERSION, "flags": [], "considered": []}


# --- spelling and brand variants ---------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["Eliquis 5mg twice daily", "apixaban (for AFib)", "ELIQUIS", "Elliquis", "eliquis 2.5 mg bd"],
)
def test_apixaban_is_recognised_however_typed(typed: str) -> None:
    flag = meds(typed)["R06"]
    assert flag["severity"] == "caution"
    assert f"medication '{typed}'" in flag["because"][0]
    assert "apixaban, an anticoagulant" in flag["because"][0]


def test_a_misspelling_says_what_it_was_read_as() -> None:
    assert meds("Elliquis")["R06"]["because"] == [
        "medication 'Elliquis' reads as Eliquis, which is apixaban, an anticoagulant"
    ]


@pytest.mark.parametrize("typed", ["haemophilia A", "hemophilia", "Haemophillia", "HEMOPHILIA B"])
def test_haemophilia_spellings_are_a_hard_stop(typed: str) -> None:
    assert by_rule(conditions=[typed])["R04"]["severity"] == "contraindicated"


def test_mild_or_von_willebrand_bleeding_disorders_are_cautions() -> None:
    assert by_rule(conditions=["mild haemophilia"])["R04"]["severity"] == "caution"
    assert by_rule(conditions=["von Willebrand disease"])["R04"]["severity"] == "caution"
    assert by_rule(conditions=["von Willebrand type 3"])["R04"]["severity"] == "contraindicated"


@pytest.mark.parametrize("typed", ["lymphoedema", "Lymphedema right arm", "lymphodema"])
def test_lymphoedema_spellings(typed: str) -> None:
    flag = by_rule(conditions=[typed])["R24"]
    assert flag["severity"] == "contraindicated"
    assert flag["category"] == "lymphoedema"


@pytest.mark.parametrize("typed", ["pace maker", "Pacemaker fitted 2019", "ICD", "pacemkaer"])
def test_pacemaker_bars_ea_and_cautions_needling_near_it(typed: str) -> None:
    result = [f for f in flags(conditions=[typed]) if f["rule"] == "R11"]
    assert [(f["severity"], f["affects"]) for f in result] == [
        ("contraindicated", ["EA"]),
        ("caution", ["MN", "PTS"]),
    ]
    assert result[0]["category"] == "electrical_device"
    assert result[0]["guide_url"] == "/guide/safety/#electrical_device"


def test_atrial_fibrillation_alone_raises_nothing() -> None:
    assert flags(conditions=["atrial fibrillation"]) == []


@pytest.mark.parametrize(
    ("typed", "generic"),
    [("Brilique", "ticagrelor"), ("Brilinta 90mg", "ticagrelor"), ("Plavix", "clopidogrel")],
)
def test_antiplatelet_brands(typed: str, generic: str) -> None:
    flag = meds(typed)["R07"]
    assert flag["severity"] == "info"
    assert f"is {generic}, an antiplatelet" in flag["because"][0]


# (answer, what the patient typed, rule, severity of its highest flag)
TYPED_VARIANTS = [
    ("conditions", "HAEMOPHILIA", "R04", "contraindicated"),
    ("conditions", "hemophiliac", "R04", "contraindicated"),
    ("conditions", "LYMPHEDEMA left arm", "R24", "contraindicated"),
    ("conditions", "Lymphoedema", "R24", "contraindicated"),
    ("conditions", "Pace Maker", "R11", "contraindicated"),
    ("conditions", "pacemakr", "R11", "contraindicated"),
    ("conditions", "spinal cord stimulater", "R12", "contraindicated"),
    ("conditions", "EPILEPSY", "R14", "caution"),
    ("conditions", "epileptic fits", "R14", "caution"),
    ("conditions", "Type 2 Diabetes", "R19", "caution"),
    ("conditions", "diabetis", "R19", "caution"),
    ("conditions", "immunosupressed", "R21", "caution"),
    ("conditions", "Neutropaenia", "R22", "caution"),
    ("conditions", "thrombocytopaenia", "R05", "caution"),
    ("conditions", "TUMOR", "R23", "caution"),
    ("conditions", "leukemia", "R23", "caution"),
    ("conditions", "cellulites", "R27", "contraindicated"),
    ("conditions", "Alzheimer\u2019s", "R35", "caution"),
    ("medications", "warfarine", "R06", "caution"),
    ("medications", "Coumadin 5mg", "R06", "caution"),
    ("medications", "eliqus", "R06", "caution"),
    ("medications", "XARELTO", "R06", "caution"),
    ("medications", "Pradaxa", "R06", "caution"),
    ("medications", "asprin", "R07", "info"),
    ("medications", "Advil", "R09", "info"),
    ("medications", "Prednisone", "R36", "caution"),
    ("medications", "Tegretol", "R14", "info"),
    ("medications", "Ozempic", "R19", "info"),
    ("medications", "Humira pen", "R21", "caution"),
    ("medications", "Methotrexate 10mg weekly", "R21", "caution"),
    ("medications", "OxyContin", "R45", "info"),
    ("medications", "Tamoxifen", "R23", "caution"),
    ("allergies", "NICKEL", "R29", "caution"),
    ("allergies", "Moxa smoke", "R30", "caution"),
    ("allergies", "elastoplast", "R31", "info"),
]


@pytest.mark.parametrize(
    ("answer", "typed", "rule", "severity"), TYPED_VARIANTS, ids=[v[1] for v in TYPED_VARIANTS]
)
def test_case_spelling_and_brand_variants(answer: str, typed: str, rule: str, severity: str):
    result = by_rule(**{answer: [typed]})

    assert result[rule]["severity"] == severity
    assert result[rule]["category"] == RULESET.rules[rule].category
    assert "MR01" not in result


def test_uk_ssri_brand_counts_in_combination() -> None:
    assert "R08" in meds("Cipralex 10mg", "naproxen")
    assert meds("Cipralex 10mg") == {}


@pytest.mark.parametrize(
    ("typed", "because"),
    [
        ("co-codamol 30/500", "medication 'co-codamol 30/500' is codeine, an opioid"),
        ("Co codamol", "medication 'Co codamol' is codeine, an opioid"),
        ("cocodamol", "medication 'cocodamol' is codeine, an opioid"),
        # A misspelling is matched, and the reason says what it was read as.
        ("co-codomol", "medication 'co-codomol' reads as co-codamol, which is codeine, an opioid"),
    ],
)
def test_co_codamol_is_an_opioid(typed: str, because: str) -> None:
    flag = meds(typed)["R45"]
    assert flag["severity"] == "info"
    assert flag["because"] == [because]


def test_british_and_american_drug_names() -> None:
    assert "R21" in meds("ciclosporin") and "R21" in meds("cyclosporine 100mg")
    assert meds("paracetamol 1g qds", "acetaminophen", "Tylenol", "Panadol") == {}
    assert meds("salbutamol inhaler", "albuterol") == {}


# --- bleeding factors stack (docs/clinical-reference.md#bleeding-score) --------------------


def test_a_single_antiplatelet_is_information_only() -> None:
    flag = meds("aspirin 75mg")["R07"]
    assert flag["severity"] == "info"
    assert flag["because"] == ["medication 'aspirin 75mg' is aspirin, an antiplatelet"]


def test_dual_antiplatelets_are_a_caution_with_the_score() -> None:
    flag = meds("aspirin 75mg", "clopidogrel 75mg")["R07"]

    assert flag["severity"] == "caution"
    assert flag["because"][-1] == (
        "bleeding factors add up to a score of 2: "
        "aspirin (antiplatelet) +1, clopidogrel (antiplatelet) +1"
    )


def test_a_supplement_with_an_anticoagulant_is_a_caution() -> None:
    assert meds("fish oil")["R10"]["severity"] == "info"

    result = meds("warfarin", "fish oil")

    assert result["R10"]["severity"] == "caution"
    assert result["R06"]["severity"] == "caution"
    score = (
        "bleeding factors add up to a score of 3: "
        "warfarin (anticoagulant) +2, fish oil (omega-3) (supplement) +1"
    )
    assert score in result["R10"]["because"]
    assert score in result["R06"]["because"]


def test_an_ssri_with_an_nsaid_raises_the_combination_rule() -> None:
    assert meds("sertraline") == {}

    result = meds("sertraline 50mg", "naproxen")

    assert result["R08"]["severity"] == "caution"
    assert "R09" not in result  # the NSAID is counted in the combination instead
    assert result["R08"]["because"][-1] == (
        "bleeding factors add up to a score of 2: sertraline (SSRI/SNRI) +1, naproxen (NSAID) +1"
    )


# --- medicines implying conditions -------------------------------------------------------


def test_an_antiepileptic_implies_a_seizure_disorder() -> None:
    flag = meds("Keppra 500mg")["R14"]
    assert flag["severity"] == "info"
    assert flag["because"] == [
        "medication 'Keppra 500mg' is levetiracetam, an antiepileptic, "
        "which suggests a seizure disorder"
    ]


def test_a_gabapentinoid_for_nerve_pain_raises_nothing_unless_the_reason_is_seizures() -> None:
    assert meds("pregabalin 75mg", "gabapentin") == {}
    flag = by_rule(medications=[{"name": "gabapentin", "reason": "seizures"}])["R14"]
    assert flag["severity"] == "caution"
    assert "the reason 'seizures' given for medication 'gabapentin'" in flag["because"][0]


@pytest.mark.parametrize("typed", ["insulin", "Lantus", "metformin 500mg", "Forxiga"])
def test_diabetes_medicines_imply_diabetes(typed: str) -> None:
    flag = meds(typed)["R19"]
    assert flag["severity"] == "caution"
    assert flag["because"][0].endswith("which suggests diabetes")


def test_chemotherapy_implies_low_counts_and_cancer() -> None:
    result = meds("paclitaxel")
    assert {"R05", "R20", "R22", "R23"} <= set(result)
    assert result["R22"]["severity"] == "caution"


@pytest.mark.parametrize("typed", ["Humira", "azathioprine", "Xeljanz", "tacrolimus"])
def test_immune_suppressing_medicines(typed: str) -> None:
    assert meds(typed)["R21"]["severity"] == "caution"


def test_oral_steroids_raise_steroid_and_immune_cautions() -> None:
    assert {"R21", "R36"} <= set(meds("prednisolone 5mg daily"))
    assert by_rule(conditions=["steroid injection in knee"]) == {}


def test_valproate_in_pregnancy_is_noted() -> None:
    flag = by_rule(pregnancy="yes", medications=["Epilim 200mg"])["R01"]
    assert any("can harm an unborn baby" in b for b in flag["because"])


# --- conditions and allergies ------------------------------------------------------------


def test_epilepsy_control_sets_the_severity() -> None:
    assert by_rule(conditions=["epilepsy"])["R14"]["severity"] == "caution"
    assert by_rule(conditions=["epilepsy, well controlled"])["R14"]["severity"] == "info"
    bad = [f for f in flags(conditions=["uncontrolled seizures"]) if f["rule"] == "R14"]
    assert [(f["severity"], f["affects"]) for f in bad][0] == ("contraindicated", ["EA"])


def test_hep_c_is_information_only() -> None:
    flag = by_rule(conditions=["hep C"])["R44"]
    assert flag["severity"] == "info"
    assert flag["category"] == "infection"


def test_allergies() -> None:
    assert by_rule(allergies=["Nickel (earrings)"])["R29"]["severity"] == "caution"
    assert by_rule(allergies=["mugwort"])["R30"]["affects"] == ["MOX"]
    assert by_rule(allergies=["sticking plasters"])["R31"]["severity"] == "info"
    assert by_rule(allergies=["penicillin", "no latex allergy"]) == {}


def test_copd_raises_thorax_and_smoke_cautions() -> None:
    result = by_rule(conditions=["COPD"])
    assert result["R26"]["category"] == "thorax"
    assert "R30" in result


def test_negation_and_longer_harmless_phrases() -> None:
    assert by_rule(conditions=["no history of cancer", "never had epilepsy"]) == {}
    assert by_rule(conditions=["diabetes insipidus", "pre-diabetes"]) == {}
    assert "R21" in by_rule(conditions=["no spleen (splenectomy 2010)"])


def test_negation_does_not_cross_clauses() -> None:
    assert by_rule(conditions=["never smoked, epilepsy"])["R14"]["severity"] == "caution"
    result = by_rule(conditions=["diabetes - no complications, pacemaker"])
    assert result["R11"]["severity"] == "contraindicated"
    assert "R19" in result
    assert by_rule(conditions=["no problems but haemophilia"])["R04"]["severity"] == (
        "contraindicated"
    )


@pytest.mark.parametrize(
    ("typed", "rule", "severity"),
    [
        ("no history of cancer; pacemaker", "R11", "contraindicated"),
        ("no issues \u2013 haemophilia", "R04", "contraindicated"),
        ("not well controlled epilepsy", "R14", "contraindicated"),
        ("no problems with epilepsy", "R14", "caution"),
        ("nil else. Lymphoedema right arm", "R24", "contraindicated"),
    ],
)
def test_a_negation_reaches_only_across_words_that_introduce_a_condition(
    typed: str, rule: str, severity: str
) -> None:
    assert by_rule(conditions=[typed])[rule]["severity"] == severity


@pytest.mark.parametrize(
    "typed",
    ["no history of cancer", "never had epilepsy", "No known bleeding disorder", "not diabetic"],
)
def test_a_plain_negation_still_counts(typed: str) -> None:
    assert by_rule(conditions=[typed]) == {}


def test_a_softening_word_applies_only_when_the_answer_names_one_condition() -> None:
    assert by_rule(conditions=["haemophilia A (mild)"])["R04"]["severity"] == "caution"
    assert by_rule(conditions=["mild asthma, haemophilia"])["R04"]["severity"] == (
        "contraindicated"
    )
    assert by_rule(conditions=["epilepsy - no recent seizures"])["R14"]["severity"] == "info"
    assert by_rule(conditions=["diabetes well controlled, epilepsy"])["R14"]["severity"] == (
        "caution"
    )


def test_medicine_named_in_conditions_counts() -> None:
    assert "R06" in by_rule(conditions=["on warfarin for AF"])


def test_pregnancy_answers() -> None:
    assert by_rule(pregnancy="no") == {}
    assert by_rule(pregnancy="not_applicable") == {}
    possible = by_rule(pregnancy="possible")
    assert possible["R01"]["severity"] == "caution"
    assert possible["R03"]["severity"] == "contraindicated"
    assert possible["R03"]["affects"] == ["MOX", "CUP", "PTS"]
    trying = by_rule(pregnancy="trying")
    assert trying["R02"]["severity"] == "info" and trying["R03"]["severity"] == "caution"


# --- derived red flags -------------------------------------------------------------------


def test_cancer_with_back_pain_is_a_red_flag_but_not_with_knee_pain() -> None:
    back = by_rule(conditions=["breast cancer 2015"], pain={"regions": ["low_back"]})
    assert back["RF05"]["because"] == [
        "condition 'breast cancer 2015' mentions cancer",
        "pain region: Lower back",
    ]
    assert "RF05" not in by_rule(conditions=["breast cancer 2015"], pain={"regions": ["left_knee"]})
    assert "RF05" in by_rule(medications=["anastrozole"], pain={"regions": ["neck"]})


def test_new_pain_over_fifty_uses_today() -> None:
    answers = {"date_of_birth": "1976-01-01", "pain": {"duration_months": 2}}
    assert "RF07" not in {f["rule"] for f in screen(answers, today=date(2026, 1, 1))["flags"]}
    assert "RF07" in {f["rule"] for f in screen(answers, today=date(2027, 1, 2))["flags"]}
    assert "RF07" not in by_rule(date_of_birth="1950-01-01", pain={"duration_months": 3})


# --- medication review -------------------------------------------------------------------


def test_each_unrecognised_medicine_is_named_in_one_review_flag() -> None:
    result = flags(medications=["Zyntrex 20mg", "", "metformin", "Blorbicane"])
    review = [f for f in result if f["rule"] == "MR01"]
    assert len(review) == 1
    assert review[0]["severity"] == "info"
    assert review[0]["category"] == "medication_review"
    assert review[0]["guide_url"] == "/guide/safety/#medication_review"
    assert review[0]["because"] == [
        "medication 'Zyntrex 20mg' is not in the medication reference",
        "medication 'Blorbicane' is not in the medication reference",
    ]


def test_a_clean_list_of_everyday_medicines_raises_nothing() -> None:
    everyday = [
        "Paracetamol 500mg",
        "Tylenol",
        "Panadol Extra",
        "vitamin D 1000iu",
        "levothyroxine 50mcg",
        "atorvastatin 20mg",
        "Lipitor",
        "simvastatin",
        "rosuvastatin",
        "Crestor 10mg",
        "amlodipine",
        "ramipril",
        "lisinopril",
        "losartan",
        "bisoprolol 2.5mg",
        "metoprolol",
        "bendroflumethiazide",
        "omeprazole 20mg",
        "lansoprazole",
        "cetirizine",
        "loratadine",
        "salbutamol inhaler",
        "albuterol",
        "multivitamin",
        "magnesium",
        "calcium",
        "iron tablets",
        "glucosamine",
        "melatonin 2mg",
        "contraceptive pill",
        "HRT patch",
        {"name": "Ventolin", "dose": "2 puffs", "frequency": "as needed", "reason": "asthma"},
    ]
    result = flags(medications=everyday[:-1])
    assert result == []
    # The reason given for the inhaler is read too: asthma affects moxa smoke only.
    assert [f["rule"] for f in flags(medications=everyday[-1:])] == ["R30"]


def test_empty_and_none_entries_are_ignored() -> None:
    assert flags(medications=["", "  ", "none"], conditions=[""], allergies=[]) == []


@pytest.mark.parametrize(
    ("typed", "known", "unknown"),
    [("metformin, Zyntrex", "R19", "zyntrex"), ("aspirin + Blorbicane 20mg", "R07", "blorbicane")],
)
def test_an_unknown_medicine_beside_a_known_one_goes_to_review(
    typed: str, known: str, unknown: str
) -> None:
    result = meds(typed)

    assert known in result
    assert result["MR01"]["because"] == [
        f"medication '{typed}' also names '{unknown}', which the medication reference does not know"
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "Eliquis 5mg twice daily",
        "apixaban (for AFib)",
        "Humira pen",
        "Ventolin inhaler 2 puffs as needed",
        "paracetamol for back pain",
        "metformin for diabetes",
        "Warfarin (INR 2-3)",
        "co-codamol 30/500 when bad",
        "gabapentin 300mg three times a day",
    ],
)
def test_doses_forms_and_reasons_are_not_taken_for_unknown_medicines(typed: str) -> None:
    assert "MR01" not in meds(typed)


def test_a_condition_named_beside_a_medicine_counts() -> None:
    assert "R28" in meds("warfarin for DVT")
    assert meds("Ventolin (asthma)")["R30"]["because"] == [
        "medication 'Ventolin (asthma)' mentions asthma (smoke sensitivity)"
    ]


@pytest.mark.parametrize(
    "typed",
    ["None.", "nothing at the moment", "n/a", "N / A", "no regular medication", "not on any", "-"],
)
def test_no_medication_said_in_words_raises_nothing(typed: str) -> None:
    assert flags(medications=[typed]) == []


@pytest.mark.parametrize("typed", ["not sure", "5mg", "the little white pill for my heart"])
def test_an_answer_that_names_no_known_medicine_goes_to_review(typed: str) -> None:
    assert meds(typed)["MR01"]["because"] == [
        f"medication '{typed}' is not in the medication reference"
    ]
