"""What changed since the last visit, at the top of a check-in's page (intake/changes.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.urls import reverse

from intake.changes import compare
from tests.helpers import (
    CHECK_IN_VALID,
    VALID,
    book_follow_up,
    medicine_changes,
    submitted_check_in,
    submitted_intake,
)


@dataclass
class F:
    rule: str
    severity: str
    title: str
    category: str = "other"
    because: list = field(default_factory=list)


BEFORE = {
    "pregnancy": "no",
    "conditions": ["diabetes"],
    "medications": [{"name": "naproxen"}, {"name": "metformin"}],
    "red_flags": ["night_pain"],
}
FLAGS_BEFORE = [
    F("R19", "caution", "Diabetes", "diabetes", ["condition 'diabetes' mentions diabetes"]),
    F("RF08", "refer", "Severe night pain", "red_flag"),
]


def test_a_started_medicine_is_shown_with_the_flag_it_raised():
    after = BEFORE | {"medications": [{"name": "metformin"}, {"name": "Eliquis 5mg"}]}
    anticoagulant = F(
        "R06",
        "caution",
        "Taking an anticoagulant",
        "bleeding",
        ["medication 'Eliquis 5mg' is apixaban, an anticoagulant"],
    )
    result = compare(
        before=BEFORE,
        after=after,
        flags_before=FLAGS_BEFORE,
        flags_after=[*FLAGS_BEFORE, anticoagulant],
        since=date(2026, 11, 3),
    )
    started, stopped = result.changes
    assert (started.kind, started.text, started.flags) == (
        "started",
        "Started Eliquis 5mg",
        [anticoagulant],
    )
    assert (stopped.kind, stopped.text, stopped.flags) == ("stopped", "Stopped naproxen", [])
    # The anticoagulant flag is explained by the medicine, so not listed again as new.
    assert result.new_flags == []
    assert [f.rule for f in result.unchanged] == ["RF08", "R19"]  # highest first
    assert result.no_longer == [] and result.anything and result.since == date(2026, 11, 3)


def test_a_new_red_flag_and_one_no_longer_raised():
    weight = F("RF06", "refer", "Unexplained weight loss", "red_flag")
    result = compare(
        before=BEFORE,
        after=BEFORE | {"red_flags": ["unexplained_weight_loss"]},
        flags_before=FLAGS_BEFORE,
        flags_after=[FLAGS_BEFORE[0], weight],
    )
    assert result.changes == []
    assert result.new_flags == [weight]
    assert result.no_longer == [FLAGS_BEFORE[1]]
    assert result.unchanged == [FLAGS_BEFORE[0]]


def test_a_new_condition_and_a_pregnancy_change_carry_their_flags():
    epilepsy = F(
        "R14",
        "caution",
        "Epilepsy",
        "seizure",
        ["condition 'epilepsy or seizures' mentions epilepsy"],
    )
    pregnant = F("R01", "caution", "Pregnant", "pregnancy", ["pregnancy answer is 'yes'"])
    moxa = F("R03", "contraindicated", "No moxa", "pregnancy", ["pregnancy answer is 'yes'"])
    after = BEFORE | {"conditions": ["diabetes", "epilepsy or seizures"], "pregnancy": "yes"}
    result = compare(
        before=BEFORE,
        after=after,
        flags_before=FLAGS_BEFORE,
        flags_after=[*FLAGS_BEFORE, epilepsy, pregnant, moxa],
    )
    condition, pregnancy = result.changes
    assert condition.text == "New condition: epilepsy or seizures" and condition.flags == [epilepsy]
    assert pregnancy.text == "Pregnancy now: Yes" and pregnancy.flags == [moxa, pregnant]
    assert result.new_flags == []


def test_nothing_changed():
    result = compare(
        before=BEFORE, after=dict(BEFORE), flags_before=FLAGS_BEFORE, flags_after=FLAGS_BEFORE
    )
    assert not result.anything and result.changes == [] and len(result.unchanged) == 2


@pytest.mark.django_db
def test_the_check_in_page_shows_what_changed_first(client, practitioner, practitioner_client):
    first = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    check_in = book_follow_up(first.patient, practitioner).intake
    data = medicine_changes(first.patient, stop={"metformin": ""}, start=[("apixaban", "")])
    red_flags = dict(CHECK_IN_VALID["red_flags"], unexplained_weight_loss="yes")
    check_in = submitted_check_in(client, check_in, {"medicines": data, "red_flags": red_flags})
    page = practitioner_client.get(
        reverse("intake:intake_detail", args=[check_in.pk])
    ).content.decode()
    changed = page.index("What changed since")
    assert changed < page.index("Safety flags")
    section = page[changed : page.index("Safety flags")]
    assert "Started apixaban" in section
    assert "Taking an anticoagulant" in section.split("Started apixaban", 1)[1].split("</li>")[0]
    assert "Stopped metformin" in section
    assert "New red flag: Unexplained weight loss" in section
    assert "Raised as before" in section and "Diabetes" in section
    # The intake's night pain was answered no this time.
    night_pain = first.current_run().flags.get(category="red_flag")
    assert f"No longer raised: {night_pain.title}" in section
    # The intake's own page has no such section.
    page = practitioner_client.get(
        reverse("intake:intake_detail", args=[first.pk])
    ).content.decode()
    assert "What changed" not in page
