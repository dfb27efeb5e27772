"""One intake as a practitioner sees it: flags, answers, reviews, print, export, re-screen,
and new invitations."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import (
    assertContains,
    assertInHTML,
    assertNotContains,
    assertRedirects,
)

from intake import practitioner_views, services
from intake.models import Intake, ScreeningRun
from intake.screening import RULESET_VERSION
from intake.screening.engine import RULESET
from intake.services import invitation_create
from portal.models import AuditEvent
from tests.factories import ReviewFactory, ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import INVITE_URL, drawn_form_token, flag_data, invitation_data
from tests.mailqueue import deliver

XSS = "<script>alert(1)</script>"

ANSWERS = {
    "about": {"legal_name": "Pat Jones", "date_of_birth": "1961-03-14", "sex_at_birth": "female"},
    "pain": {
        "complaint": f"Back pain {XSS}",
        "regions": ["low_back", "neck"],
        "duration_months": 14,
        "peg_pain": 7,
        "peg_enjoyment": 6,
        "peg_activity": 8,
    },
    "conditions": {"conditions": ["diabetes"], "other": [XSS]},
}


@pytest.fixture
def intake(patient) -> Intake:
    return SubmittedIntakeFactory(patient=patient, answers=ANSWERS, peg_score=Decimal("7.0"))


def detail_url(intake: Intake) -> str:
    return reverse("intake:intake_detail", args=[intake.pk])


def audited(user, action: str, intake: Intake) -> bool:
    return AuditEvent.objects.filter(
        actor=user, action=action, object_type="intake.intake", object_id=str(intake.pk)
    ).exists()


def source_links(*codes: str) -> str:
    """A flag's sources as the page shows them: each code leads to its entry on the list."""
    sources = reverse("intake:sources")
    links = ", ".join(
        f'<a href="{sources}#{code}" aria-label="Source {code}">{code}</a>' for code in codes
    )
    return f"(sources {links})"


def test_it_shows_flags_grouped_by_severity_highest_first(practitioner_client, intake):
    ScreeningRunFactory(
        intake=intake,
        ruleset="2026.11.0",
        flags=[flag_data("R14", "info"), flag_data("RF01", "refer"), flag_data("R06", "caution")],
    )

    response = practitioner_client.get(detail_url(intake))

    body = response.content.decode()
    assert body.index("Refer (1)") < body.index("Caution (1)") < body.index("Info (1)")
    # Flags come before everything the patient reported, the pain summary included.
    assert body.index("Safety flags") < body.index('id="pain-heading"') < body.index("Answers")
    assertContains(response, "Raised by ruleset <strong>2026.11.0</strong>")
    assertContains(response, "<li>because of R06</li>", html=True)
    assertContains(response, "Action for R06")
    assertContains(response, "manual needling (MN), cupping (CUP)")
    assertContains(
        response, '<a href="/guide/safety/#section-bleeding">Safety guidance: Title of R06</a>'
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "//evil.example/guide/",
        "https://evil.example/guide/",
        # Browsers read a backslash as a slash: this is //evil.example/guide/ to them.
        "/\\evil.example/guide/",
    ],
)
def test_it_links_only_to_guide_paths_on_this_site(practitioner_client, intake, url):
    ScreeningRunFactory(
        intake=intake, ruleset="2026.11.0", flags=[flag_data("R06", "caution", guide_url=url)]
    )

    response = practitioner_client.get(detail_url(intake))

    assertNotContains(response, url)
    assertNotContains(response, "Safety guidance: Title of R06")
    assertContains(response, "Title of R06")


def test_it_offers_a_rescreen_only_when_the_rules_changed(practitioner_client, intake, monkeypatch):
    ScreeningRunFactory(intake=intake, ruleset="2026.11.0", flags=[])
    monkeypatch.setattr(practitioner_views, "RULESET_VERSION", "2026.11.0")
    assertNotContains(practitioner_client.get(detail_url(intake)), "Re-run screening")

    monkeypatch.setattr(practitioner_views, "RULESET_VERSION", "2027.1.0")
    response = practitioner_client.get(detail_url(intake))

    assertContains(response, "Re-run screening with the current rules")
    assertContains(response, f'action="{reverse("intake:rescreen", args=[intake.pk])}"')


def test_it_shows_pain_and_the_answers_as_patient_reported(practitioner_client, intake):
    ScreeningRunFactory(intake=intake, ruleset="2026.11.0", flags=[])

    response = practitioner_client.get(detail_url(intake))

    assertContains(response, '<p class="display-6 mb-1 peg-score">7.0</p>', html=True)
    assertContains(response, "Lower back")
    assertContains(response, "Neck")
    assertContains(response, "For 1 year 2 months")
    assertContains(response, "Patient-reported")
    assertContains(response, "1961")


def test_it_shows_the_latest_review_and_the_history(
    practitioner_client, practitioner, admin_user, intake
):
    run = ScreeningRunFactory(
        intake=intake, ruleset="2026.11.0", flags=[flag_data("R06", "caution")]
    )
    ReviewFactory(
        intake=intake,
        run=run,
        version=1,
        decision="refer",
        note="Ask the GP first",
        reviewer=admin_user,
    )
    ReviewFactory(
        intake=intake,
        run=run,
        version=2,
        decision="modified",
        note="GP agreed",
        modifications=[{"code": "no_cupping", "text": "No cupping"}],
        reviewer=practitioner,
    )
    Intake.objects.filter(pk=intake.pk).update(status="reviewed", review_version=2)

    response = practitioner_client.get(detail_url(intake))

    assertNotContains(response, "patient-reported")
    assertContains(response, "Cleared with modifications")
    assertContains(response, "<li>No cupping</li>", html=True)
    assertContains(response, "GP agreed")
    assertContains(response, "Dr Lin Wei (prac@example.com)")
    assertInHTML('<th scope="row">1</th>', response.content.decode())
    assertContains(response, "Refer to physician first")
    assertContains(response, "Review again")


def test_it_shows_an_invited_intake_without_review(practitioner_client, practitioner):
    _, intake, _ = invitation_create(
        patient_name="Ivy Invited",
        email="ivy@example.com",
        appointment_at=timezone.now() + timedelta(days=5),
        practitioner=practitioner,
        created_by=practitioner,
    )

    response = practitioner_client.get(detail_url(intake))

    assertContains(response, "Invited")
    assertContains(response, "ivy@example.com")
    assertContains(response, "Not opened yet")
    assertNotContains(response, reverse("intake:review", args=[intake.pk]))
    assertNotContains(response, "Safety flags")
    review_page = practitioner_client.get(reverse("intake:review", args=[intake.pk]))
    assertRedirects(review_page, detail_url(intake))


@pytest.mark.parametrize("name", ["intake_detail", "intake_print"])
def test_it_records_each_view_in_the_audit_trail(practitioner_client, practitioner, intake, name):
    practitioner_client.get(reverse(f"intake:{name}", args=[intake.pk]))

    assert audited(practitioner, AuditEvent.Action.VIEW, intake)


def test_it_prints_without_navigation(practitioner_client, intake):
    ScreeningRunFactory(intake=intake, ruleset="2026.11.0", flags=[flag_data("R06", "caution")])

    response = practitioner_client.get(reverse("intake:intake_print", args=[intake.pk]))

    assertContains(response, "Title of R06")
    assertContains(response, "Lower back")
    assertContains(response, "css/print.css")
    assertNotContains(response, 'aria-label="Main"')
    assertNotContains(response, "Re-run screening")
    assert response["Cache-Control"] == "no-store, private"


def test_it_downloads_the_json_export(practitioner_client, practitioner, intake):
    response = practitioner_client.get(reverse("intake:intake_export", args=[intake.pk]))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="intake-{intake.pk}.json"'
    assert "no-store" in response["Cache-Control"]
    # The ANSWERS above in the screening contract's shape (docs/screening.md#input), written out.
    assert json.loads(response.content) == {
        "date_of_birth": "1961-03-14",
        "sex_at_birth": "female",
        "conditions": ["diabetes", XSS],
        "pain": {
            "regions": ["low_back", "neck"],
            "duration_months": 14,
            "peg": {"pain": 7, "enjoyment": 6, "activity": 8},
        },
    }
    assert audited(practitioner, AuditEvent.Action.EXPORT, intake)


@pytest.mark.parametrize("name", ["intake_detail", "intake_print", "review", "dashboard"])
def test_it_escapes_html_from_answers_flags_and_reviews(
    practitioner_client, practitioner, intake, name
):
    Intake.objects.filter(pk=intake.pk).update(patient_name=f"Pat {XSS}")
    run = ScreeningRunFactory(
        intake=intake,
        ruleset="2026.11.0",
        flags=[flag_data("R06", "caution", because=[f"medication '{XSS}' is unknown"], title=XSS)],
    )
    ReviewFactory(
        intake=intake,
        run=run,
        version=1,
        decision="modified",
        note=XSS,
        modifications=[{"code": "other", "text": XSS}],
        reviewer=practitioner,
        signed_name=XSS,
    )
    args = [] if name == "dashboard" else [intake.pk]

    response = practitioner_client.get(reverse(f"intake:{name}", args=args))

    assertNotContains(response, XSS)
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


def test_it_rescreens_and_keeps_the_old_flags_as_stored(
    practitioner_client, practitioner, intake, monkeypatch
):
    old = ScreeningRunFactory(
        intake=intake, ruleset="2025.1.0", flags=[flag_data("R06", "caution", title="Old wording")]
    )
    new_flag = flag_data("R07", "info", title="New rule")
    result = {"ruleset": "2026.11.0", "flags": [new_flag], "considered": []}
    monkeypatch.setattr(services.screening, "screen", lambda data: result)
    monkeypatch.setattr(practitioner_views, "RULESET_VERSION", "2026.11.0")

    response = practitioner_client.post(reverse("intake:rescreen", args=[intake.pk]))

    assertRedirects(response, detail_url(intake), fetch_redirect_response=False)
    old.refresh_from_db()
    assert not old.is_current
    assert [(f.rule, f.title, f.severity) for f in old.flags.all()] == [
        ("R06", "Old wording", "caution")
    ]
    current = intake.current_run()
    assert current.ruleset == "2026.11.0"
    assert current.requested_by == practitioner
    assert [f.rule for f in current.flags.all()] == ["R07"]

    page = practitioner_client.get(detail_url(intake))
    assertContains(page, "Screening re-run with ruleset 2026.11.0: 1 flag.")
    assertContains(page, "Raised by ruleset <strong>2026.11.0</strong>")
    assertContains(page, '<th scope="row">2025.1.0</th>', html=True)
    assertContains(page, "Old wording")
    assertNotContains(page, "Re-run screening with the current rules")


def test_it_rescreens_with_the_real_engine(practitioner_client, intake):
    Intake.objects.filter(pk=intake.pk).update(
        answers=ANSWERS | {"medications": {"items": [{"name": "Eliquis 5mg"}]}}
    )
    old = ScreeningRunFactory(
        intake=intake,
        ruleset="2000.1.0",
        flags=[flag_data("R06", "info", title="As stored in 2000")],
    )
    assertContains(practitioner_client.get(detail_url(intake)), "Re-run screening")

    practitioner_client.post(reverse("intake:rescreen", args=[intake.pk]))

    current = intake.current_run()
    assert current.ruleset == RULESET_VERSION
    assert "R06" in {flag.rule for flag in current.flags.all()}
    assert [(f.title, f.severity) for f in old.flags.all()] == [("As stored in 2000", "info")]
    intake.refresh_from_db()
    assert intake.flag_counts.get("caution", 0) >= 1
    page = practitioner_client.get(detail_url(intake))
    assertContains(page, "apixaban")
    assertContains(page, "As stored in 2000")
    assertNotContains(page, "Re-run screening with the current rules")

    # A second press (a form sent twice, or from a tab opened before the first) adds
    # nothing: the intake is screened by the current rules already.
    practitioner_client.post(reverse("intake:rescreen", args=[intake.pk]))
    assert intake.screening_runs.count() == 2
    assert intake.current_run() == current


def test_it_shows_the_rationale_stored_with_each_flag(practitioner_client, intake, monkeypatch):
    # An earlier run stored before flags kept their rationale, then a real screening.
    ScreeningRunFactory(
        intake=intake,
        ruleset="2025.1.0",
        flags=[flag_data("R07", "info", title="Stored before rationales")],
    )
    Intake.objects.filter(pk=intake.pk).update(
        answers=ANSWERS | {"medications": {"items": [{"name": "Eliquis 5mg"}]}}
    )
    intake.refresh_from_db()
    run = services.screening_run(intake=intake)
    r06 = RULESET.rules["R06"]
    stored = run.flags.get(rule="R06")
    assert (stored.rationale, stored.sources) == (r06.rationale, list(r06.sources))

    # Later the ruleset words both rules differently.
    for rule_id in ("R06", "R07"):
        changed = dataclasses.replace(
            RULESET.rules[rule_id], rationale=f"Reworded {rule_id} reason", sources=("S99",)
        )
        monkeypatch.setitem(RULESET.rules, rule_id, changed)

    response = practitioner_client.get(detail_url(intake))

    # The flag raised by the real run still reads as it did when raised...
    assertContains(response, r06.rationale)
    assertContains(response, source_links(*r06.sources))
    assertNotContains(response, "Reworded R06 reason")
    # ...and only the row stored before rationales were kept falls back to today's words.
    assertContains(response, "Reworded R07 reason", count=1)
    assertContains(response, source_links("S99"), count=1)


def test_it_does_not_screen_an_intake_that_was_not_submitted(practitioner_client, intake):
    Intake.objects.filter(pk=intake.pk).update(status=Intake.Status.IN_PROGRESS)

    response = practitioner_client.post(reverse("intake:rescreen", args=[intake.pk]), follow=True)

    assertContains(response, "Only submitted intakes can be screened.")
    assert not ScreeningRun.objects.filter(intake=intake).exists()


# New invitations -----------------------------------------------------------------------


def test_it_offers_the_invitation_form_with_me_as_practitioner(practitioner_client, practitioner):
    response = practitioner_client.get(INVITE_URL)

    assertContains(response, 'type="datetime-local"')
    assertContains(
        response, f'<option value="{practitioner.pk}" selected>Dr Lin Wei</option>', html=True
    )


def test_it_sends_an_invitation(practitioner_client, practitioner):
    response = practitioner_client.post(
        INVITE_URL, invitation_data(practitioner=practitioner.pk, status="reviewed")
    )

    assertRedirects(response, reverse("intake:dashboard"), fetch_redirect_response=False)
    intake = Intake.objects.get()
    assert intake.status == Intake.Status.INVITED
    assert intake.patient_name == "Mary O'Brien"
    assert intake.practitioner == practitioner
    assert intake.invitation.created_by == practitioner
    deliver()
    assert mail.outbox[0].to == ["mary@example.com"]
    assert audited(practitioner, AuditEvent.Action.CREATE, intake)
    page = practitioner_client.get(response["Location"])
    assertContains(page, "Invitation sent to mary@example.com.")


def test_it_sends_one_invitation_for_a_form_sent_twice(practitioner_client, practitioner):
    data = invitation_data(
        practitioner=practitioner.pk, form_token=drawn_form_token(practitioner_client)
    )

    first = practitioner_client.post(INVITE_URL, data)
    again = practitioner_client.post(INVITE_URL, data, follow=True)  # Back, then Send again

    assert first.status_code == 302
    assertContains(again, "That invitation was sent already; it was not sent twice.")
    assert Intake.objects.count() == 1
    deliver()
    assert len(mail.outbox) == 1


def test_it_draws_a_new_form_for_each_invitation(practitioner_client, practitioner):
    for name in ("Mary O'Brien", "Joe Bloggs"):
        data = invitation_data(
            practitioner=practitioner.pk,
            patient_name=name,
            form_token=drawn_form_token(practitioner_client),
        )
        assert practitioner_client.post(INVITE_URL, data).status_code == 302
    assert sorted(Intake.objects.values_list("patient_name", flat=True)) == [
        "Joe Bloggs",
        "Mary O'Brien",
    ]
    deliver()
    assert len(mail.outbox) == 2


def test_it_emails_a_working_link_and_nothing_about_the_patient(practitioner_client, practitioner):
    practitioner_client.post(INVITE_URL, invitation_data(practitioner=practitioner.pk))

    deliver()
    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}"
    [link] = re.findall(r"https?://\S+", text)
    path = link.removeprefix(settings.SITE_URL)
    assert path.startswith("/invite/")
    patient = Client()
    response = patient.get(path, follow=True)
    assertRedirects(response, reverse("intake:register"))
    assertContains(response, "Choose a password")
    assertContains(response, "mary@example.com")
    # No intake answers exist yet; the email must not carry the name or who treats them.
    for private in ["Mary", "O'Brien", "Brien", practitioner.full_name, "Lin Wei"]:
        assert private.lower() not in text.lower(), private


def test_it_leaves_invitations_to_practitioners(admin_client_verified, practitioner):
    # Admins edit the guide and manage accounts; patients' intakes are not theirs to start.
    response = admin_client_verified.post(INVITE_URL, invitation_data(practitioner=practitioner.pk))

    assert response.status_code == 403
    assert not Intake.objects.exists()
    deliver()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"appointment_at": "2020-01-01T10:00"}, "appointment_at", "must be in the future"),
        ({"appointment_at": "2031-02-31T10:00"}, "appointment_at", "Enter a valid date/time."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"patient_name": "   "}, "patient_name", "This field is required."),
    ],
)
def test_it_explains_bad_invitation_input(
    practitioner_client, practitioner, changes, field, message
):
    response = practitioner_client.post(
        INVITE_URL, invitation_data(practitioner=practitioner.pk, **changes)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assertContains(response, message)
    assertContains(response, 'value="Mary@Example.com"' if field != "email" else "not-an-email")
    assert not Intake.objects.exists()
    deliver()
    assert not mail.outbox


def test_it_only_invites_for_practitioners(practitioner_client, patient, admin_user):
    for someone in (patient, admin_user):
        response = practitioner_client.post(INVITE_URL, invitation_data(practitioner=someone.pk))
        assert "practitioner" in response.context["form"].errors
    assert not Intake.objects.exists()


def test_it_explains_a_flag_stored_without_a_reason_by_the_rules_reason(
    practitioner_client, practitioner, patient
):
    intake = SubmittedIntakeFactory(patient=patient, practitioner=practitioner)
    flag = flag_data("R06", "caution", title="Anticoagulant", action="Superficial needling.")
    ScreeningRunFactory(intake=intake, ruleset="2026.11.0", flags=[flag])
    response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))
    # R06's reason and sources as the ruleset words them (rules.json), written out here so
    # that a lost or swapped rationale shows.
    assertContains(
        response, "A compartment bleed after acupuncture has been reported on anticoagulants"
    )
    assertContains(response, source_links("S4", "S27", "S11", "S30"))
