"""A condition the patient says has cleared up, on the check-in's "since your last visit":
offered from the conditions carried forward, taken out of the picture (as reported), shown
to the practitioner among what changed, with the flag it raised no longer raised."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from intake.changes import compare
from intake.check_ins import carry_forward
from intake.forms import SinceForm
from intake.models import Intake
from tests.helpers import (
    CHECK_IN_VALID,
    VALID,
    book_follow_up,
    post_step,
    step_url,
    submitted_check_in,
    submitted_intake,
)
from tests.mailqueue import deliver

CARRIED = ["diabetes", "lymphoedema or lymph nodes removed (left arm)", "asthma"]


@pytest.fixture
def check_in(client, practitioner) -> Intake:
    """A check-in (its patient signed in on `client`) whose PEG step is done, after an
    intake with diabetes, lymphoedema of the left arm, asthma and a hip replacement."""
    first = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    deliver()
    mail.outbox.clear()
    check_in = book_follow_up(first.patient, practitioner).intake
    assert post_step(client, check_in, "peg", CHECK_IN_VALID["peg"]).status_code == 302
    return check_in


def rules_of(intake: Intake) -> set[str]:
    return {flag.rule for flag in intake.current_run().flags.all()}


def offered(condition: str) -> str:
    return f'name="resolved" value="{condition}"'


def since(**changes) -> dict:
    return dict(CHECK_IN_VALID["since"], **changes)


def test_it_offers_the_conditions_carried_forward(client, check_in):
    page = client.get(step_url(check_in, "since"))
    assertContains(page, "Has any condition you told us about cleared up or gone since then?")
    for condition in CARRIED:
        assertContains(page, offered(condition))


def test_a_patient_with_no_conditions_is_not_asked(client, practitioner):
    answers = {**VALID, "conditions": {"other": ""}}
    first = submitted_intake(client, practitioner, answers, email="ada@example.com")
    check_in = book_follow_up(first.patient, practitioner).intake
    post_step(client, check_in, "peg", CHECK_IN_VALID["peg"])
    page = client.get(step_url(check_in, "since"))
    assertNotContains(page, "cleared up or gone")


def test_what_cleared_up_leaves_the_picture_and_its_flag_goes(
    client, check_in, practitioner_client
):
    lymphoedema = CARRIED[1]
    assert "R24" in rules_of(check_in.previous)
    check_in = submitted_check_in(client, check_in, {"since": since(resolved=[lymphoedema])})

    assert lymphoedema not in check_in.picture["conditions"]
    assert "asthma" in check_in.picture["conditions"]
    assert "R24" not in rules_of(check_in)
    assert check_in.answers["since"]["resolved"] == [lymphoedema]
    page = practitioner_client.get(reverse("intake:intake_detail", args=[check_in.pk]))
    assertContains(page, f"Cleared up, as the patient reports: {lymphoedema}")
    assertContains(page, "No longer raised: Lymphoedema")
    # The patient's own review of their answers says it as they gave it.
    submitted = client.get(reverse("intake:submitted", args=[check_in.pk]))
    assertContains(submitted, "Cleared up, as reported")


def test_the_next_check_in_no_longer_offers_it(client, practitioner, check_in):
    submitted_check_in(client, check_in, {"since": since(resolved=["diabetes"])})
    second = book_follow_up(check_in.patient, practitioner, days=21).intake
    post_step(client, second, "peg", CHECK_IN_VALID["peg"])
    page = client.get(step_url(second, "since"))
    assertNotContains(page, offered("diabetes"))
    assertContains(page, offered("asthma"))


def test_new_and_cleared_up_at_once_is_explained_by_the_field(client, check_in):
    response = post_step(
        client, check_in, "since", since(conditions=["diabetes"], resolved=["diabetes"])
    )
    assert response.status_code == 200
    assertContains(response, "You gave “diabetes” as new and as cleared up: untick one of them.")
    # Nothing lost: what was ticked is still ticked.
    assert re.search(rf"{offered('diabetes')}[^>]*checked", response.content.decode())
    check_in.refresh_from_db()
    assert "since" not in check_in.completed_steps
    assert check_in.answers["_drafts"]["since"]["resolved"] == ["diabetes"]


def test_a_condition_not_offered_is_refused(client, check_in):
    response = post_step(client, check_in, "since", since(resolved=["haemophilia"]))
    assert response.status_code == 200
    assertContains(response, "Choose only from the conditions shown.")


def test_a_condition_given_twice_is_offered_once(check_in):
    form = SinceForm(intake=check_in, before={"conditions": ["Asthma", "asthma", "gout"]})
    assert [value for value, _ in form.fields["resolved"].choices] == ["Asthma", "gout"]


def test_carry_forward_takes_out_what_cleared_up_whatever_its_case():
    before = {"conditions": ["Diabetes", "pacemaker or ICD"]}
    answers = {"since": {"resolved": ["diabetes"], "other": ["Gout"], "status": "unchanged"}}
    picture = carry_forward(before, answers, records=[])
    assert picture["conditions"] == ["pacemaker or ICD", "Gout"]


def test_compare_names_what_cleared_up():
    changed = compare(
        before={"conditions": ["diabetes", "asthma"]},
        after={"conditions": ["asthma"]},
        flags_before=[],
        flags_after=[],
    )
    assert [(c.kind, c.text) for c in changed.changes] == [
        ("resolved", "Cleared up, as the patient reports: diabetes")
    ]
