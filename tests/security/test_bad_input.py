"""Hostile and absurd input through the real views: a message or a friendly 400, never a
500 and never half a save (docs/security.md S15, S16).

Hypothesis throws arbitrary text, numbers and dates (NUL bytes, 10,000-character strings,
negative and huge numbers, impossible and future dates, unknown field names) at every
wizard step, registration, the set-password pages, sign-in, the second-factor pages, the
invitation form, the dashboard filter, the review form, password reset and the guide
search. The database is set up once per test; each example compares against the state just
before it.
A 500 surfaces as an exception, because the test client re-raises errors from views.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pytest_django.asserts import assertContains

from intake import forms, steps
from intake.models import ConsentSignature, Intake, Invitation, Review
from intake.practice_forms import DashboardFilterForm
from outbox.models import Email
from portal.models import AuditEvent, PendingRegistration, User
from tests.factories import IntakeFactory
from tests.helpers import (
    VALID,
    invite,
    registration_link,
    review_data,
    sign_in,
    step_url,
    submitted_intake,
)
from tests.mailqueue import deliver

FUZZ = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TODAY = timezone.localdate()
HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 10_001,
    "-1",
    "-999999999999",
    "9" * 30,
    "9" * 5000,
    "1e309",
    "NaN",
    "0x10",
    "31/02/1961",
    "1961-02-31",
    "29/02/2023",
    "2999-01-01",
    (TODAY + timedelta(days=1)).isoformat(),
    (TODAY - timedelta(days=6 * 366)).isoformat(),
    "1880-01-01",
    "0001-01-01",
    "\u202eevil",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "on",
    "yes",
    "male",
    "female",
    "low_back",
]

values = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(date.isoformat),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
)
field_values = st.one_of(values, st.lists(values, min_size=0, max_size=4))
odd_names = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(["status", "patient", "med-TOTAL_FORMS", "med-999-name", "a\x00b", "x" * 200]),
)


def posts(field_names) -> st.SearchStrategy[dict]:
    """Some of the form's own fields and some strange ones, each with a hostile value."""
    own = st.dictionaries(st.sampled_from(sorted(field_names)), field_values, max_size=12)
    extra = st.dictionaries(odd_names, field_values, max_size=4)
    return st.tuples(own, extra).map(lambda pair: {**pair[1], **pair[0]})


def saved_state(intake: Intake, step: str) -> tuple:
    intake.refresh_from_db()
    return (intake.answers.get(step), list(intake.completed_steps), intake.status)


# The wizard -------------------------------------------------------------------------------


@pytest.fixture
def open_intake(db, patient_client, patient) -> tuple[Client, Intake]:
    """An intake whose every step has been answered once, so every step can open."""
    intake = IntakeFactory(patient=patient)
    for step in steps.FORM_STEPS:
        response = patient_client.post(
            step_url(intake, step.identifier), {**VALID[step.identifier], "action": "next"}
        )
        assert response.status_code == 302
    return patient_client, intake


STEP_FIELDS = {
    "about": list(forms.AboutForm.base_fields),
    "pain": list(forms.PainForm.base_fields),
    "conditions": list(forms.ConditionsForm.base_fields),
    "pregnancy": list(forms.PregnancyForm.base_fields),
    "medications": ["none", "med-TOTAL_FORMS", "med-INITIAL_FORMS", "med-MAX_NUM_FORMS"]
    + [f"med-{i}-{k}" for i in range(3) for k in forms.MedicationRowForm.base_fields],
    "allergies": list(forms.AllergiesForm.base_fields),
    "red_flags": ["night_pain", "saddle_numbness", "leg_weakness"],
    "consent": list(forms.ConsentForm.base_fields),
}
ACTIONS = st.sampled_from(
    ["next", "save", "back", "add_row", "remove_row:0", "remove_row:-3", "remove_row:" + "9" * 30]
) | st.text(max_size=20)


@pytest.mark.parametrize("step", list(STEP_FIELDS))
@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_a_wizard_step(open_intake, step, data):
    client, intake = open_intake
    post = data.draw(posts(STEP_FIELDS[step]))
    # Half the time, start from valid answers and spoil some of them.
    if data.draw(st.booleans()):
        post = {**VALID[step], **post}
    post["action"] = data.draw(ACTIONS)
    before = saved_state(intake, step)

    response = client.post(step_url(intake, step), post)

    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code != 302:
        # Errors shown (or the request refused): the saved answers are untouched.
        assert saved_state(intake, step) == before


# Accounts, invitations, reviews, search ----------------------------------------------------


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_registration(db, data):
    post = data.draw(posts(["full_name", "email"]))
    deliver()
    before = (User.objects.count(), PendingRegistration.objects.count(), len(mail.outbox))
    response = Client().post(reverse("intake:register"), post)
    assert response.status_code in (200, 302, 400)
    # The first step never makes an account; at most it sends one email.
    users, pending, sent = before
    assert User.objects.count() == users
    if response.status_code == 302:
        deliver()
        assert len(mail.outbox) == sent + 1
        assert PendingRegistration.objects.count() in (pending, pending + 1)
    else:
        deliver()
        assert (PendingRegistration.objects.count(), len(mail.outbox)) == (pending, sent)


@pytest.fixture(params=["invitation", "registration"])
def choosing_a_password(request, db, practitioner) -> Client:
    """A browser on the set-password page: from an invitation link, or from the link of a
    self-registration."""
    client = Client()
    if request.param == "invitation":
        _, path = invite(practitioner, email="setpw@example.com")
        client.get(path)
    else:
        client.post(
            reverse("intake:register"), {"full_name": "Set Pw", "email": "setpw@example.com"}
        )
        client.get(registration_link("setpw@example.com"))
    return client


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_as_a_new_password(choosing_a_password, data):
    post = data.draw(posts(["password1", "password2"]))
    if data.draw(st.booleans()):
        same = data.draw(values)
        post.update(password1=same, password2=same)
    accounts = User.objects.filter(email="setpw@example.com")
    before = accounts.values_list("password", flat=True).first()
    response = choosing_a_password.post(reverse("intake:register"), post)
    assert response.status_code in (200, 302, 400)
    after = accounts.first()
    if before is not None:
        # An earlier example made the account: nothing posted now may change it.
        assert after.password == before
    elif response.status_code == 302:
        assert after.check_password(post["password1"])
    else:
        assert after is None


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_the_login_form(patient, data):
    post = data.draw(posts(["username", "password", "next"]))
    if data.draw(st.booleans()):
        post["username"] = patient.email
    # Start each example unlocked, so that the form (not the lockout page) is what is tried.
    AccessAttempt.objects.all().delete()
    client = Client()
    response = client.post(reverse("login"), post)
    assert response.status_code in (200, 400, 429)
    assert "_auth_user_id" not in client.session


@pytest.fixture
def half_signed_in(practitioner) -> tuple[Client, TOTPDevice]:
    """A practitioner past the password, with an enrolled device, before the code."""
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    client = Client()
    client.force_login(practitioner)
    return client, device


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_as_a_second_factor_code(half_signed_in, data):
    client, device = half_signed_in
    post = data.draw(posts(["token", "next"]))
    response = client.post(reverse("otp_verify"), post)
    assert response.status_code in (200, 302, 400)
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("intake:dashboard"))["Location"].startswith(reverse("otp_verify"))
    # Failures slow the device down; each example starts afresh.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_when_enrolling_a_device(practitioner, data):
    client = Client()
    client.force_login(practitioner)
    client.get(reverse("otp_setup"))
    post = data.draw(posts(["token", "next"]))
    response = client.post(reverse("otp_setup"), post)
    assert response.status_code in (200, 400)
    assert not TOTPDevice.objects.filter(user=practitioner, confirmed=True).exists()
    assert DEVICE_ID_SESSION_KEY not in client.session


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_the_dashboard_filter(practitioner, data):
    staff = sign_in(Client(), practitioner)
    fields = list(DashboardFilterForm.base_fields) + ["reset", "apply"]
    response = staff.post(reverse("intake:dashboard"), data.draw(posts(fields)))
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        # The filters land in the address bar and the name search in the session: the
        # page they lead to must open too.
        assert staff.get(response["Location"]).status_code == 200


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_the_password_reset_form(patient, data):
    post = data.draw(posts(["email"]))
    if data.draw(st.booleans()):
        post["email"] = data.draw(st.sampled_from([patient.email, patient.email.upper()]))
    deliver()
    sent = len(mail.outbox)
    response = Client().post(reverse("password_reset"), post)
    assert response.status_code in (200, 302, 400)
    # Mail goes to the account's own address or nowhere, whatever was typed.
    deliver()
    assert all(message.to == [patient.email] for message in mail.outbox[sent:])


@pytest.fixture
def reset_page(patient) -> tuple[Client, str]:
    """A browser on the set-a-new-password page reached from a real reset link."""
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(patient.pk))
    token = default_token_generator.make_token(patient)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302
    return client, response["Location"]


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_as_a_reset_password(reset_page, patient, data):
    client, page = reset_page
    post = data.draw(posts(["new_password1", "new_password2"]))
    # Compared with the password just before this example, not the first one: a draw of two
    # matching, acceptable passwords is a real reset, and the examples share the database.
    patient.refresh_from_db()
    before = patient.password
    response = client.post(page, post)
    assert response.status_code in (200, 302, 400)
    patient.refresh_from_db()
    if response.status_code != 302:
        assert patient.password == before


segments = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=300
)


@FUZZ
@given(uid=segments, token=segments)
def test_it_survives_any_reset_link(patient, uid, token):
    client = Client()
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code in (200, 302, 400, 404)
    if response.status_code == 302:
        # Only a real link is taken to the set-password page; a forged one says so.
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert 'name="new_password1"' not in page.content.decode()


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_the_invitation_form(practitioner, data):
    staff = sign_in(Client(), practitioner)
    post = data.draw(posts(["patient_name", "email", "appointment_at", "practitioner"]))
    if data.draw(st.booleans()):
        post.setdefault("practitioner", str(practitioner.pk))
    deliver()
    counts = (Invitation.objects.count(), Intake.objects.count(), len(mail.outbox))
    response = staff.post(reverse("intake:new_invitation"), post)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        deliver()
        assert (Invitation.objects.count(), Intake.objects.count(), len(mail.outbox)) == counts


@pytest.fixture
def reviewable(db, practitioner) -> tuple[Client, Intake]:
    intake = submitted_intake(Client(), practitioner, VALID, "fuzzreview@example.com")
    return sign_in(Client(), practitioner), intake


@FUZZ
@given(data=st.data())
def test_it_survives_anything_posted_to_the_review_form(reviewable, data):
    staff, intake = reviewable
    intake.refresh_from_db()
    fields = [
        "decision",
        "modifications",
        "avoid_points",
        "avoid_limb",
        "other_modifications",
        "note",
        "signed_name",
        "version",
        "run",
    ]
    post = data.draw(posts(fields))
    if data.draw(st.booleans()):
        post = {**review_data(intake), **post}
    before = (Review.objects.count(), intake.review_version)
    response = staff.post(reverse("intake:review", args=[intake.pk]), post)
    assert response.status_code in (200, 302, 400, 409)
    if response.status_code != 302:
        intake.refresh_from_db()
        assert (Review.objects.count(), intake.review_version) == before


@FUZZ
@given(query=values)
@example(query="a\x00b")  # a 500 on PostgreSQL once; twenty random draws may not find it
def test_it_survives_any_guide_search(db, query):
    response = Client().get(reverse("guide:search"), {"q": query})
    assert response.status_code in (200, 400)


def test_it_audits_a_refusal_at_an_address_holding_nul(patient):
    # A refused POST (no CSRF token) by a signed-in user is written to the audit trail with
    # its path; PostgreSQL refuses NUL in text, so the path is stored without it.
    client = sign_in(Client(enforce_csrf_checks=True), patient)
    response = client.post("/invite/a%00b/")
    assert response.status_code == 403
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED, actor=patient)
    assert denied.path == "/invite/ab/"


# The bad-input table ---------------------------------------------------------------------

SIX_YEARS_AGO = (TODAY - timedelta(days=6 * 366)).strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    ("step", "changes", "message"),
    [
        ("about", {"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        # Tomorrow is worked out when the test runs, not when it is collected: a run that
        # crosses midnight would otherwise post today's date and expect it refused.
        ("about", {"date_of_birth": "tomorrow"}, "in the future"),
        ("about", {"date_of_birth": "1880-01-01"}, "130 or older"),
        ("about", {"date_of_birth": "31/02/1961"}, "Enter a real date"),
        ("about", {"legal_name": "x" * 10_000}, "shorten it to 150 characters"),
        ("pain", {"complaint": "x" * 10_000}, "shorten it to 1000 characters"),
        ("about", {"legal_name": "Pat\x00Jones"}, "hidden control character"),
        ("pain", {"helps": "walking\x00"}, "hidden control character"),
        ("pain", {"peg_pain": "-1"}, "whole number from 0 to 10"),
        ("pain", {"peg_pain": "9" * 5000}, "whole number from 0 to 10"),
        ("pregnancy", {"weeks": "-4", "status": "yes"}, "from 1 to 45"),
    ],
)
def test_it_answers_bad_input_with_a_message(open_intake, step, changes, message):
    client, intake = open_intake
    before = saved_state(intake, step)
    if changes.get("date_of_birth") == "tomorrow":
        tomorrow = timezone.localdate() + timedelta(days=1)
        changes = {**changes, "date_of_birth": tomorrow.isoformat()}
    response = client.post(step_url(intake, step), {**VALID[step], **changes, "action": "next"})
    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, 'id="error-summary"')
    assert saved_state(intake, step) == before


def test_it_refuses_pregnancy_at_age_six(open_intake):
    client, intake = open_intake
    about = {**VALID["about"], "date_of_birth": SIX_YEARS_AGO, "action": "next"}
    # The birth date is checked against the pregnancy answer already given ("no": fine).
    assert client.post(step_url(intake, "about"), about).status_code == 302
    before = saved_state(intake, "pregnancy")
    response = client.post(step_url(intake, "pregnancy"), {"status": "yes", "weeks": "12"})
    assertContains(response, "does not match your date of birth (age 6)")
    assert saved_state(intake, "pregnancy") == before


def test_it_refuses_a_flood_of_fields_with_a_friendly_page(open_intake):
    client, intake = open_intake
    before = saved_state(intake, "about")
    flood = {**VALID["about"], **{f"field{i}": "x" for i in range(1001)}}
    response = client.post(step_url(intake, "about"), flood)
    assert response.status_code == 400
    assertContains(response, "We could not read that request", status_code=400)
    assertContains(response, "Go back, reload the page and try again", status_code=400)
    assertContains(response, "Riverside Acupuncture", status_code=400)
    assert saved_state(intake, "about") == before


# All or nothing ---------------------------------------------------------------------------


class Boom(Exception):
    pass


def boom(*args, **kwargs):
    raise Boom


def test_it_saves_nothing_of_a_step_that_fails_half_way(open_intake, monkeypatch):
    client, intake = open_intake
    ConsentSignature.objects.filter(intake=intake).delete()
    Intake.objects.filter(pk=intake.pk).update(
        completed_steps=[s.identifier for s in steps.FORM_STEPS if s.identifier != "consent"]
    )
    before = saved_state(intake, "consent")
    # The consent step writes the answers and a signature row; the signature fails.
    monkeypatch.setattr(ConsentSignature.objects, "update_or_create", boom)
    with pytest.raises(Boom):
        client.post(step_url(intake, "consent"), {**VALID["consent"], "action": "next"})
    assert saved_state(intake, "consent") == before
    assert not ConsentSignature.objects.filter(intake=intake).exists()


def test_it_saves_nothing_of_a_pain_step_whose_score_fails(open_intake, monkeypatch):
    client, intake = open_intake
    before = (saved_state(intake, "pain"), intake.peg_score)
    monkeypatch.setattr(forms.PainForm, "peg_score", boom)
    changed = {**VALID["pain"], "complaint": "Changed", "action": "next"}
    with pytest.raises(Boom):
        client.post(step_url(intake, "pain"), changed)
    intake.refresh_from_db()
    assert (saved_state(intake, "pain"), intake.peg_score) == before


def test_it_saves_nothing_of_a_review_that_fails_half_way(reviewable, monkeypatch):
    staff, intake = reviewable
    # The review row is written, then its acknowledged flags: those fail.
    monkeypatch.setattr("intake.practice_forms.ReviewForm.acknowledged_flags", boom)
    with pytest.raises(Boom):
        staff.post(reverse("intake:review", args=[intake.pk]), review_data(intake))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.review_version == 0
    assert not Review.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVIEW).exists()


def test_it_creates_no_invitation_when_the_email_cannot_be_queued(practitioner, monkeypatch):
    # The email is queued in the invitation's transaction: if queueing fails, nothing stays.
    staff = sign_in(Client(), practitioner)
    monkeypatch.setattr("outbox.services.deliver_emails", SimpleNamespace(enqueue=boom))
    post = {
        "patient_name": "New Patient",
        "email": "new@example.com",
        "appointment_at": (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "practitioner": str(practitioner.pk),
    }
    with pytest.raises(Boom):
        staff.post(reverse("intake:new_invitation"), post)
    assert not Invitation.objects.exists()
    assert not Intake.objects.exists()
    assert not Email.objects.exists()


def test_it_does_not_let_steps_be_skipped(patient_client, patient):
    intake = IntakeFactory(patient=patient)
    for step in ("pain", "medications", "red_flags", "consent"):
        data = {**VALID[step], "action": "next", "from_review": "1"}
        response = patient_client.post(step_url(intake, step), data)
        assert response.status_code == 302
        assert response["Location"] == step_url(intake, "about")
    response = patient_client.post(reverse("intake:submit", args=[intake.pk]))
    assert response["Location"] == step_url(intake, "about")
    # Completing the first step with "from review" set still leads to the second.
    data = {**VALID["about"], "action": "next", "from_review": "1"}
    assert patient_client.post(step_url(intake, "about"), data)["Location"] == step_url(
        intake, "pain"
    )
    intake.refresh_from_db()
    assert intake.completed_steps == ["about"]
    assert intake.status == Intake.Status.IN_PROGRESS
    assert not steps.is_ready(intake)


def test_it_keeps_a_draft_when_a_field_name_holds_a_nul(open_intake):
    """Found by the fuzzing above: PostgreSQL cannot store NUL in JSON, keys included."""
    client, intake = open_intake
    before = saved_state(intake, "conditions")
    post = {"conditions": "not-a-condition", "a\x00b": "x", "action": "save"}
    response = client.post(step_url(intake, "conditions"), post)
    assert response.status_code == 302
    assert saved_state(intake, "conditions") == before
    intake.refresh_from_db()
    draft = intake.answers["_drafts"]["conditions"]
    assert draft == {"conditions": ["not-a-condition"], "action": ["save"]}
    # Shown again as typed: an option that does not exist is simply not ticked.
    assert client.get(step_url(intake, "conditions")).status_code == 200
