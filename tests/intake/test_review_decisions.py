"""A decision that matches the flags (issue 12, part 3): "Cleared for treatment" is refused
while a refer or contraindicated flag stands; a contraindicated flag needs a modification
that covers it, a refer flag a referral, either of them an explicit override with a reason."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from intake.models import Flag, Intake, Review, ScreeningRun
from intake.screening import decisions
from intake.services import InconsistentDecision, review_record
from portal.models import AuditEvent
from tests.factories import ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import flag_data

ENGINE_FLAGS = {
    # rule: (severity, title, affects), as the engine raises them
    "R11": ("contraindicated", "Pacemaker or implanted cardiac device", ["EA"]),
    "R04": ("contraindicated", "Severe bleeding disorder", ["MN", "EA", "CUP"]),
    "R24": ("contraindicated", "Lymphoedema or lymph nodes removed", ["MN", "EA", "CUP", "PTS"]),
    "RF01": ("refer", "Saddle numbness", ["ALL"]),
    "R06": ("caution", "Anticoagulant", ["MN", "EA", "CUP", "PTS"]),
}


@pytest.fixture
def intake(patient) -> Intake:
    return SubmittedIntakeFactory(patient=patient, answers={"pain": {"regions": ["low_back"]}})


def make_run(intake: Intake, *rules: str) -> ScreeningRun:
    flags = [
        flag_data(
            rule,
            ENGINE_FLAGS[rule][0],
            category="red_flag" if rule.startswith("RF") else "bleeding",
            title=ENGINE_FLAGS[rule][1],
            action="Act with care",
            because=[f"answer behind {rule}"],
            affects=ENGINE_FLAGS[rule][2],
            guide_url="",
        )
        for rule in rules
    ]
    return ScreeningRunFactory(intake=intake, ruleset="2026.11.1", flags=flags)


def flag_of(run: ScreeningRun, rule: str) -> Flag:
    return run.flags.get(rule=rule)


def post(client, intake: Intake, run: ScreeningRun, **changes):
    data = {
        "decision": "cleared",
        "note": "Seen the patient's letter.",
        "signed_name": "Dr Lin Wei",
        "version": str(intake.review_version),
        "run": str(run.pk),
        **{f"ack_{flag.pk}": "on" for flag in run.flags.all()},
    }
    data.update(changes)
    return client.post(
        reverse("intake:review", args=[intake.pk]),
        {k: v for k, v in data.items() if v is not None},
    )


def override(run: ScreeningRun, rule: str, reason: str) -> dict:
    flag = flag_of(run, rule)
    return {f"override_{flag.pk}": "on", f"override_reason_{flag.pk}": reason}


def decision_errors(response) -> list[str]:
    return list(response.context["form"].errors.get("decision", []))


def test_it_refuses_cleared_while_a_refer_flag_stands(practitioner_client, intake):
    run = make_run(intake, "RF01", "R06")

    response = post(practitioner_client, intake, run, note="Typed note stays")

    assert response.status_code == 200
    assert decision_errors(response) == [
        "RF01 “Saddle numbness” (refer) stands: choose “Refer to physician first”, or override "
        "the flag with a written reason."
    ]
    assert not Review.objects.exists()
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    # Nothing typed is lost, and the message sits by the decision field.
    assertContains(response, "Typed note stays")
    body = response.content.decode()
    decision_block = body[
        body.index('id="div_id_decision"') : body.index('id="div_id_modifications"')
    ]
    assert "RF01 “Saddle numbness” (refer) stands" in decision_block


def test_it_accepts_a_referral_for_refer_and_contraindicated_flags(practitioner_client, intake):
    run = make_run(intake, "RF01", "R11", "R04")

    response = post(practitioner_client, intake, run, decision="refer")

    assert response.status_code == 302
    assert Review.objects.get().decision == "refer"


def test_it_refuses_cleared_while_a_contraindicated_flag_stands(practitioner_client, intake):
    run = make_run(intake, "R11")

    response = post(practitioner_client, intake, run)

    assert decision_errors(response) == [
        "R11 “Pacemaker or implanted cardiac device” (contraindicated) stands: choose “Cleared "
        "with modifications” with No electroacupuncture, or override the flag with a written "
        "reason."
    ]
    assert not Review.objects.exists()


def test_it_refuses_a_modification_that_does_not_cover_the_flag(practitioner_client, intake):
    run = make_run(intake, "R11")

    response = post(
        practitioner_client, intake, run, decision="modified", modifications=["no_cupping"]
    )

    assert decision_errors(response) == [
        "R11 “Pacemaker or implanted cardiac device” (contraindicated) needs a modification "
        "that covers it (No electroacupuncture), or an override with a written reason."
    ]
    # The ticked box is still ticked.
    assert response.context["form"]["modifications"].value() == ["no_cupping"]

    response = post(
        practitioner_client,
        intake,
        run,
        decision="modified",
        modifications=["no_cupping", "no_electro"],
    )
    assert response.status_code == 302
    assert {m["code"] for m in Review.objects.get().modifications} == {"no_electro", "no_cupping"}


def test_it_accepts_the_named_limb_for_lymphoedema(practitioner_client, intake):
    run = make_run(intake, "R24")

    response = post(
        practitioner_client, intake, run, decision="modified", modifications=["superficial_only"]
    )
    assert "Avoid a limb" in decision_errors(response)[0]

    response = post(practitioner_client, intake, run, decision="modified", avoid_limb="left_arm")
    assert response.status_code == 302
    assert Review.objects.get().modifications == [
        {"code": "avoid_limb", "text": "Avoid a limb: left arm"}
    ]


def test_it_says_when_no_modification_covers_a_flag(practitioner_client, intake):
    run = make_run(intake, "R04")

    response = post(
        practitioner_client,
        intake,
        run,
        decision="modified",
        modifications=["superficial_only", "no_electro", "no_cupping"],
    )

    assert decision_errors(response) == [
        "R04 “Severe bleeding disorder” (contraindicated) cannot be covered by a modification: "
        "choose “Refer to physician first” or “Not suitable for acupuncture”, or override the "
        "flag with a written reason."
    ]


def test_it_needs_a_reason_with_an_override_and_a_tick_with_a_reason(practitioner_client, intake):
    run = make_run(intake, "RF01")
    flag = flag_of(run, "RF01")

    response = post(practitioner_client, intake, run, **override(run, "RF01", "   "))
    form = response.context["form"]
    assert form.errors[f"override_reason_{flag.pk}"] == [
        "Write why you are overriding RF01 “Saddle numbness”."
    ]

    response = post(practitioner_client, intake, run, **{f"override_reason_{flag.pk}": "GP saw"})
    form = response.context["form"]
    assert form.errors[f"override_{flag.pk}"] == [
        "Tick “Override RF01” to use the reason you wrote, or clear it."
    ]
    assertContains(response, "GP saw")
    assert not Review.objects.exists()


def test_an_override_with_a_reason_is_recorded_and_shown_everywhere(
    practitioner_client, practitioner, intake
):
    run = make_run(intake, "RF01", "R11", "R06")
    reason = "Assessed by GP on 3 March, letter seen."

    response = post(
        practitioner_client,
        intake,
        run,
        decision="modified",
        modifications=["no_electro"],
        **override(run, "RF01", reason),
    )

    assert response.status_code == 302
    review = Review.objects.get()
    flag = flag_of(run, "RF01")
    assert review.overrides == [
        {
            "flag": flag.pk,
            "rule": "RF01",
            "severity": "refer",
            "title": "Saddle numbness",
            "reason": reason,
        }
    ]
    # The audit trail: the review, and an override event on the flag (ids only).
    assert AuditEvent.objects.filter(
        actor=practitioner, action="override", object_type="intake.flag", object_id=str(flag.pk)
    ).exists()
    assert not AuditEvent.objects.filter(
        action="override", object_id=str(flag_of(run, "R11").pk)
    ).exists()

    shown = f"RF01 Saddle numbness</strong> (refer), treated despite it. Reason: {reason}"
    for name in ("intake_detail", "intake_print"):
        page = practitioner_client.get(reverse(f"intake:{name}", args=[intake.pk]))
        assertContains(page, shown)

    export = practitioner_client.get(reverse("intake:intake_review_export", args=[intake.pk]))
    document = json.loads(export.content)
    assert document["reviews"][0]["overrides"][0]["reason"] == reason
    assert document["reviews"][0]["decision"] == "modified"
    assert export["Content-Disposition"] == (
        f'attachment; filename="intake-{intake.pk}-reviews.json"'
    )


def test_an_override_lets_a_cleared_decision_stand(practitioner_client, intake):
    run = make_run(intake, "R04")

    response = post(
        practitioner_client, intake, run, **override(run, "R04", "Haematologist letter: mild.")
    )

    assert response.status_code == 302
    assert Review.objects.get().decision == "cleared"


def test_the_service_refuses_an_inconsistent_decision(practitioner, intake):
    run = make_run(intake, "R11")

    with pytest.raises(InconsistentDecision):
        review_record(
            intake=intake,
            run=run,
            expected_version=0,
            decision="cleared",
            modifications=[],
            overrides=[],
            note="",
            acknowledged=list(run.flags.all()),
            reviewer=practitioner,
            signed_name="Dr Lin Wei",
        )
    assert not Review.objects.exists()
    intake.refresh_from_db()
    assert intake.review_version == 0


# The data --------------------------------------------------------------------------------


RULES_FILE = decisions.DATA_FILE.parent / "rules.json"


def contraindicated_raises() -> list[tuple[str, list[str]]]:
    """Every (rule, affects) the ruleset can raise at the contraindicated severity, read
    from the rules data itself."""
    found = []
    for rule in json.loads(RULES_FILE.read_text())["rules"]:
        if rule["severity"] == "contraindicated":
            found.append((rule["id"], rule["affects"]))
        for variant in rule.get("variants", {}).values():
            if variant["severity"] == "contraindicated":
                found.append((rule["id"], variant.get("affects", rule["affects"])))
    return found


def test_every_contraindicated_rule_has_an_answer_in_the_data():
    raised = contraindicated_raises()
    assert {"R03", "R04", "R11", "R12", "R24", "R25", "R27", "R33", "R41", "R42"} <= {
        rule for rule, _ in raised
    }
    for rule, affects in raised:
        sets = decisions.RULES.covering_sets(rule, affects)
        # Either named in the data or, for an unlisted rule, derived from what it affects.
        assert rule in decisions.RULES.covered_by or sets, rule


def test_an_unlisted_contraindicated_rule_is_covered_by_excluding_its_modalities():
    rules = decisions.RULES
    assert rules.covering_sets("R99", ["EA", "MOX"]) == (
        frozenset({"no_electro", "no_moxibustion"}),
    )
    assert rules.covering_sets("R99", ["EA", "MN"]) == ()
    assert rules.covering_sets("R14.uncontrolled", ["EA"]) == (frozenset({"no_electro"}),)


def test_the_data_names_only_modifications_a_practitioner_can_tick():
    assert decisions.named_codes(decisions.RULES) <= set(Review.Modification.values)
    assert "avoid_region" in decisions.named_codes(decisions.RULES)
