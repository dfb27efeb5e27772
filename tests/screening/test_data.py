"""The rules and medication reference are versioned data: check them like code."""

from __future__ import annotations

import hashlib

from intake.screening import RULESET_VERSION, SEVERITIES, suggest_medications
from intake.screening.engine import CATEGORIES, DATA_DIR, GRADE_SEVERITY, RULESET
from intake.screening.matching import edit_distance, words

# Any change to rules.json or medications.json must bump RULESET_VERSION (the "version" in
# both files), because stored flags record the version that raised them. Then put the new
# fingerprint here. A change to how the engine reads answers bumps it too (2026.11.1: a
# negation no longer reaches across clauses), so intakes screened before are offered a
# re-screen.
FINGERPRINTS = {
    "2026.11.0": "bf6701fd4be13daaad9406bf466189931e23cd0827dbf9c14555e36f116d18d0",
    "2026.11.1": "1ca3255f744f0ad4f4ed4306d9d7e1c2ce99f694f5107df2550e6af91c200b68",
    # 2026.12.0: context read by ConText triggers (data/context.json), more patient phrasing.
    "2026.12.0": "f63a3dc4e0cf2f4a69776f1392f89f1148e2853b33f17f1737e15937741d2c3d",
}


def test_data_changes_bump_the_version() -> None:
    digest = hashlib.sha256()
    names = ("rules.json", "medications.json")
    if RULESET_VERSION >= "2026.12.0":  # from then on the context triggers count too
        names += ("context.json",)
    for name in names:
        digest.update((DATA_DIR / name).read_bytes())
    assert FINGERPRINTS.get(RULESET_VERSION) == digest.hexdigest(), (
        "data files changed: bump the version in both files and record the new fingerprint"
    )


def test_every_reference_rule_is_present_and_well_formed() -> None:
    ids = set(RULESET.rules)
    assert {f"R{n:02d}" for n in range(1, 46)} <= ids
    assert {f"RF{n:02d}" for n in range(1, 26)} <= ids
    for rule in RULESET.rules.values():
        assert rule.category in CATEGORIES
        assert rule.severity in SEVERITIES
        assert GRADE_SEVERITY[rule.grade] == rule.severity
        assert rule.title and rule.action and rule.rationale and rule.triggered_by
        if rule.id.startswith("RF"):
            assert (rule.category, rule.severity) == ("red_flag", "refer")


def test_reference_only_rules_are_the_plan_and_visit_day_ones() -> None:
    reference_only = {r.id for r in RULESET.rules.values() if r.trigger == "reference"}
    assert reference_only == {
        "R13", "R17", "R18", "R40", "R41", "R42", "R43", "RF08", "RF13", "RF18", "RF19",
    }  # fmt: skip


def test_the_medication_reference_covers_all_80_rows() -> None:
    refs = sorted(m.ref for m in RULESET.medicines if m.ref is not None)
    assert refs == list(range(1, 81))
    assert len(RULESET.medicines) >= 150


def test_suggestions_for_type_ahead() -> None:
    assert suggest_medications("eli") == ["Eliquis"]
    assert suggest_medications("ELI") == ["Eliquis"]
    assert suggest_medications("brili") == ["Brilinta", "Brilique"]
    assert len(suggest_medications("c", limit=3)) == 3
    assert suggest_medications("") == []
    # word-prefix matches come after name-prefix matches
    assert "Tylenol with Codeine" in suggest_medications("codeine")
    assert suggest_medications("codeine")[0] == "codeine"


def test_normalisation() -> None:
    assert words("Eliquis 5mg twice daily (for AFib)") == ["eliquis", "for", "afib"]
    assert words("Haemophilia") == words("hemophilia")
    assert words("lymphoedema") == words("lymphedema")
    assert words("Alzheimer\u2019s") == ["alzheimer"]
    assert words("ferrous sulphate 200 mg tablets") == ["ferrous", "sulfate"]
    # A dash or bullet between words separates them; accents are dropped.
    assert words("epilepsy\u2013cancer \u2022 caf\u00e9") == ["epilepsy", "cancer", "cafe"]


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert edit_distance("pacemkaer", "pacemaker", 2) == 1
    assert edit_distance("elliquis", "eliquis", 1) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # capped at limit + 1
