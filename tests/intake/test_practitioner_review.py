"""The signed review: validation, saving, and two practitioners at once (docs/security.md S3,
S14, S17)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from intake.models import Intake, Review, ScreeningRun
from portal import roles
from portal.models import AuditEvent
from tests.factories import ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import flag_data, make_user, sign_in


@pytest.fixture
def intake(patient) -> Intake:
    return SubmittedIntakeFactory(patient=patient, answers={"pain": {"regions": ["low_back"]}})


@pytest.fixture
def run(intake) -> ScreeningRun:
    flags = [
        flag_data(
            rule,
            severity,
            title=title,
            action="Do something careful",
            because=[f"answer behind {rule}"],
            affects=["MN"],
        )
        for rule, severity, title in [
            ("R06", "caution", "Anticoagulant"),
            ("RF04", "refer", "Worsening leg weakness"),
            ("R14", "info", "Diabetes"),
        ]
    ]
    return ScreeningRunFactory(intake=intake, ruleset="2026.11.0", flags=flags)


def url(intake: Intake) -> str:
    return reverse("intake:review", args=[intake.pk])


def acks(run: ScreeningRun, *rules: str) -> dict:
    return {f"ack_{flag.pk}": "on" for flag in run.flags.filter(rule__in=rules)}


def form_data(run: ScreeningRun, **changes) -> dict:
    data = {
        "decision": "refer",
        "note": "Needs a neurological assessment first.",
        "signed_name": "dr lin  WEI",
        "version": "0",
        "run": str(run.pk),
        **acks(run, "R06", "RF04"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def override(
    run: ScreeningRun, rule: str, reason: str = "Assessed by GP on 3 March, letter seen."
) -> dict:
    flag = run.flags.get(rule=rule)
    return {f"override_{flag.pk}": "on", f"override_reason_{flag.pk}": reason}


def errors_of(response, field: str) -> str:
    return " ".join(response.context["form"].errors.get(field, []))


def test_it_shows_the_form_with_every_flag_and_the_version(practitioner_client, intake, run):
    response = practitioner_client.get(url(intake))

    body = response.content.decode()
    assert (
        body.index("Worsening leg weakness") < body.index("Anticoagulant") < body.index("Diabetes")
    )
    assertContains(response, "answer behind RF04")
    assertContains(
        response, '<input type="hidden" name="version" value="0" id="id_version">', html=True
    )
    for flag in run.flags.all():
        assertContains(response, f'name="ack_{flag.pk}"')
    assertContains(response, "Cleared with modifications")


def test_it_saves_a_signed_review(practitioner_client, practitioner, intake, run):
    response = practitioner_client.post(
        url(intake),
        form_data(run, status="submitted", reviewer="1", patient="2", version="0"),
    )

    assertRedirects(
        response, reverse("intake:intake_detail", args=[intake.pk]), fetch_redirect_response=False
    )
    intake.refresh_from_db()
    assert intake.status == Intake.Status.REVIEWED
    assert intake.review_version == 1
    review = Review.objects.get()
    assert review.version == 1
    assert review.run == run
    assert review.reviewer == practitioner
    assert review.decision == Review.Decision.REFER
    assert review.signed_name == "dr lin WEI"
    assert {f.rule for f in review.acknowledged_flags.all()} == {"R06", "RF04"}
    assert AuditEvent.objects.filter(
        actor=practitioner, action="review", object_type="intake.intake", object_id=str(intake.pk)
    ).exists()


def test_it_records_the_optional_info_acknowledgement(practitioner_client, intake, run):
    practitioner_client.post(url(intake), form_data(run, **acks(run, "R14")))

    assert {f.rule for f in Review.objects.get().acknowledged_flags.all()} == {"R06", "RF04", "R14"}


def test_it_requires_each_caution_and_higher_flag_to_be_acknowledged(
    practitioner_client, intake, run
):
    data = form_data(run)
    del data[f"ack_{run.flags.get(rule='RF04').pk}"]

    response = practitioner_client.post(url(intake), data)

    assert response.status_code == 200
    message = (
        "RF04 “Worsening leg weakness” (refer) needs acknowledging: tick “I have read RF04” "
        "once you have read it."
    )
    assertContains(response, message, count=2)  # by the box, and in the summary at the top
    assertContains(response, f'<a href="#id_ack_{run.flags.get(rule="RF04").pk}">')
    assert not Review.objects.exists()
    # What was typed is kept.
    assertContains(response, "Needs a neurological assessment first.")


def one_flag_run(intake: Intake, severity: str) -> ScreeningRun:
    pacemaker = flag_data(
        "R11",
        severity,
        category="electrical_device",
        title="Pacemaker",
        action="No electroacupuncture",
        because=["condition 'pacemaker' mentions an implanted cardiac device"],
        affects=["EA"],
        guide_url="",
    )
    return ScreeningRunFactory(intake=intake, ruleset="2026.11.0", flags=[pacemaker])


@pytest.mark.parametrize(
    ("severity", "label"),
    [
        ("caution", "caution"),
        ("defer", "defer"),
        ("contraindicated", "contraindicated"),
        ("refer", "refer"),
    ],
)
def test_it_requires_the_acknowledgement_of_a_flag_from_caution_up(
    practitioner_client, intake, severity, label
):
    run = one_flag_run(intake, severity)
    flag = run.flags.get()

    response = practitioner_client.post(url(intake), form_data(run))

    assert response.status_code == 200
    assert errors_of(response, f"ack_{flag.pk}") == (
        f"R11 “Pacemaker” ({label}) needs acknowledging: tick “I have read R11” once you "
        "have read it."
    )
    assert not Review.objects.exists()
    intake.refresh_from_db()
    assert (intake.status, intake.review_version) == (Intake.Status.SUBMITTED, 0)

    response = practitioner_client.post(url(intake), form_data(run, **{f"ack_{flag.pk}": "on"}))

    assert response.status_code == 302
    assert list(Review.objects.get().acknowledged_flags.all()) == [flag]


def test_it_leaves_the_acknowledgement_of_an_info_flag_optional(practitioner_client, intake):
    run = one_flag_run(intake, "info")

    response = practitioner_client.post(url(intake), form_data(run))

    assert response.status_code == 302
    review = Review.objects.get()
    assert review.run == run
    assert not review.acknowledged_flags.exists()


def test_it_requires_a_note_unless_cleared(practitioner_client, intake, run):
    response = practitioner_client.post(url(intake), form_data(run, note="  "))
    assert "Add a note" in errors_of(response, "note")

    response = practitioner_client.post(
        url(intake), form_data(run, decision="cleared", note="", **override(run, "RF04"))
    )
    assert response.status_code == 302
    assert Review.objects.get().decision == "cleared"


@pytest.mark.parametrize(
    ("decision", "extra"),
    [("modified", {"modifications": ["no_electro"]}), ("not_suitable", {}), ("refer", {})],
)
def test_it_requires_a_note_for_every_decision_but_cleared(
    practitioner_client, intake, run, decision, extra
):
    if decision == "modified":
        extra |= override(run, "RF04")
    response = practitioner_client.post(
        url(intake), form_data(run, decision=decision, note=" ", **extra)
    )

    assert response.status_code == 200
    assert errors_of(response, "note") == "Add a note explaining the decision."
    assert not Review.objects.exists()

    # The note was the only thing missing.
    response = practitioner_client.post(url(intake), form_data(run, decision=decision, **extra))
    assert response.status_code == 302
    assert Review.objects.get().decision == decision


def test_it_limits_the_note_length(practitioner_client, intake, run):
    response = practitioner_client.post(url(intake), form_data(run, note="x" * 5001))

    assert "at most 5000 characters" in errors_of(response, "note")
    assert not Review.objects.exists()


def test_it_requires_modifications_for_a_modified_clearance(practitioner_client, intake, run):
    response = practitioner_client.post(url(intake), form_data(run, decision="modified"))

    assert "Choose at least one modification" in errors_of(response, "modifications")
    assert not Review.objects.exists()


def test_it_requires_the_details_of_a_chosen_modification(practitioner_client, intake, run):
    response = practitioner_client.post(
        url(intake),
        form_data(run, decision="modified", modifications=["avoid_points", "avoid_limb"]),
    )

    assert "Name the points" in errors_of(response, "avoid_points")
    assert "Choose the limb" in errors_of(response, "avoid_limb")


def test_it_refuses_modifications_with_another_decision(practitioner_client, intake, run):
    response = practitioner_client.post(
        url(intake), form_data(run, decision="cleared", modifications=["no_cupping"])
    )

    assert "Modifications only go with" in errors_of(response, "modifications")


def test_it_stores_the_modifications_in_words(practitioner_client, intake, run):
    response = practitioner_client.post(
        url(intake),
        form_data(
            run,
            decision="modified",
            modifications=["no_electro", "superficial_only", "avoid_points"],
            avoid_points="LI4, SP6",
            avoid_limb="left_arm",
            other_modifications="Short sessions",
            **override(run, "RF04"),
        ),
    )

    assert response.status_code == 302
    assert Review.objects.get().modifications == [
        {"code": "no_electro", "text": "No electroacupuncture"},
        {"code": "superficial_only", "text": "Superficial needling only"},
        {"code": "avoid_points", "text": "Avoid named points: LI4, SP6"},
        {"code": "avoid_limb", "text": "Avoid a limb: left arm"},
        {"code": "other", "text": "Short sessions"},
    ]


@pytest.mark.parametrize("typed", ["Lin Wei", "Dr Lin Wei Jr", "Ada Admin", ""])
def test_it_requires_the_signature_to_match_the_account(practitioner_client, intake, run, typed):
    response = practitioner_client.post(url(intake), form_data(run, signed_name=typed))

    assert errors_of(response, "signed_name")
    assert not Review.objects.exists()


def test_it_records_each_showing_of_the_review_page(practitioner_client, practitioner, intake, run):
    def views() -> int:
        return AuditEvent.objects.filter(
            actor=practitioner,
            action=AuditEvent.Action.VIEW,
            object_type="intake.intake",
            object_id=str(intake.pk),
        ).count()

    assertContains(practitioner_client.get(url(intake)), "Pat Jones")
    assert views() == 1

    # Sent back with an error, the page shows the patient again.
    practitioner_client.post(url(intake), form_data(run, note=""))
    assert views() == 2


def test_it_only_reviews_submitted_intakes(practitioner_client, intake, run):
    Intake.objects.filter(pk=intake.pk).update(status=Intake.Status.IN_PROGRESS)

    response = practitioner_client.post(url(intake), form_data(run), follow=True)

    assertContains(response, "cannot be reviewed")
    assert not Review.objects.exists()
    assert Intake.objects.get().status == Intake.Status.IN_PROGRESS


def test_it_asks_for_a_screening_before_a_review(practitioner_client, intake):
    response = practitioner_client.get(url(intake), follow=True)

    assertContains(response, "no screening yet")


def test_it_detects_a_conflict_between_two_practitioners(
    practitioner_client, practitioner, intake, run
):
    colleague = make_user(
        "col@example.com", role=roles.PRACTITIONER, full_name="Cal Colleague", staff=True
    )
    other_client = sign_in(Client(), colleague)
    # Both open the form at version 0.
    assertContains(other_client.get(url(intake)), 'name="version" value="0"')
    assertContains(practitioner_client.get(url(intake)), 'name="version" value="0"')

    first = other_client.post(
        url(intake),
        form_data(run, decision="not_suitable", note="Not for us", signed_name="Cal Colleague"),
    )
    assert first.status_code == 302

    second = practitioner_client.post(url(intake), form_data(run, note="My careful note"))

    assert second.status_code == 409
    assertContains(second, "Someone else reviewed this intake", status_code=409)
    assertContains(second, "Cal Colleague recorded “Not suitable for acupuncture”", status_code=409)
    assertContains(second, "My careful note", status_code=409)
    assertContains(second, 'value="dr lin  WEI"', status_code=409)
    # Nothing was overwritten.
    review = Review.objects.get()
    assert (review.reviewer, review.decision, review.version) == (colleague, "not_suitable", 1)
    intake.refresh_from_db()
    assert intake.review_version == 1

    # Having read it, the practitioner can sign again on top: a new version, not an overwrite.
    assertContains(second, 'name="version" value="1"', status_code=409)
    third = practitioner_client.post(url(intake), form_data(run, version="1"))
    assert third.status_code == 302
    assert list(Review.objects.values_list("version", "reviewer")) == [
        (2, practitioner.pk),
        (1, colleague.pk),
    ]


def test_it_asks_again_when_the_screening_changed_under_the_form(practitioner_client, intake, run):
    newer = ScreeningRun.objects.create(intake=intake, ruleset="2027.1.0", is_current=False)
    ScreeningRun.objects.filter(pk=run.pk).update(is_current=False)
    ScreeningRun.objects.filter(pk=newer.pk).update(is_current=True)

    response = practitioner_client.post(url(intake), form_data(run))

    assertContains(response, "The screening was run again after you opened this form")
    assertContains(response, f'name="run" value="{newer.pk}"')
    assertContains(response, "Needs a neurological assessment first.")
    assert not Review.objects.exists()
