"""factory_boy factories for the rows tests need ready-made: accounts in each role, intakes
(a draft, a submitted one, one with PEG scores, a check-in), screening runs with their flags,
reviews, invitations and appointments.

A factory writes rows directly, as a fixture would; a test about how a row comes to be (the
wizard, the invitation form) goes through the views instead (tests/helpers.py walks them).
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from appointments.models import Appointment
from intake.models import Flag, Intake, Invitation, Review, ScreeningRun
from intake.screening import measures
from intake.services import invitation_create
from portal import roles
from portal.models import User
from tests.helpers import PASSWORD


def days_from_now(days: int):
    return lambda: timezone.now() + timedelta(days=days)


# Accounts --------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """An account with the cast's PASSWORD in one role (`role`, a group name)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = roles.PATIENT

    @classmethod
    def _create(cls, model_class, *args, role: str, **kwargs) -> User:
        user = model_class.objects.create_user(kwargs.pop("email"), PASSWORD, **kwargs)
        user.groups.add(Group.objects.get(name=role))
        return user


class PatientFactory(UserFactory):
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Patient {n}")


class PractitionerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"practitioner{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Dr Practitioner {n}")
    role = roles.PRACTITIONER
    is_staff = True


class AdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Admin {n}")
    role = roles.ADMIN
    is_staff = True


# Intakes and what screening and review make of them ---------------------------------------


class IntakeFactory(DjangoModelFactory):
    """A draft: the patient has started the wizard and saved nothing yet."""

    class Meta:
        model = Intake

    patient = factory.SubFactory(PatientFactory)
    patient_name = factory.SelfAttribute("patient.full_name")
    status = Intake.Status.IN_PROGRESS


class SubmittedIntakeFactory(IntakeFactory):
    """A submitted intake with an appointment in two days and answers as the wizard stores
    them (give `answers` for others)."""

    status = Intake.Status.SUBMITTED
    appointment_at = factory.LazyFunction(days_from_now(2))
    submitted_at = factory.LazyFunction(timezone.now)
    answers = factory.LazyFunction(
        lambda: {"pain": {"regions": ["low_back"], "duration_months": 14}}
    )


def peg_answers(peg: tuple[int, int, int]) -> dict:
    return {"peg_pain": peg[0], "peg_enjoyment": peg[1], "peg_activity": peg[2]}


class ScoredIntakeFactory(SubmittedIntakeFactory):
    """A submitted intake whose pain step holds the PEG items `peg` (pain, enjoyment,
    activity) and whose PEG score is worked out from them as the wizard does: a point of
    the patient's pain trend. Give `submitted_at` to place it in time."""

    class Params:
        peg = (7, 7, 7)

    answers = factory.LazyAttribute(
        lambda o: {"pain": {"regions": ["low_back"], "duration_months": 14} | peg_answers(o.peg)}
    )
    peg_score = factory.LazyAttribute(
        lambda o: measures.peg_score(pain=o.peg[0], enjoyment=o.peg[1], activity=o.peg[2])
    )


class ScoredCheckInFactory(ScoredIntakeFactory):
    """A submitted check-in (after `previous`, the patient's intake by default) with the PEG
    items `peg` on its own PEG step."""

    kind = Intake.Kind.CHECK_IN
    previous = factory.LazyAttribute(
        lambda o: Intake.objects.filter(patient=o.patient, kind=Intake.Kind.INTAKE).first()
    )
    answers = factory.LazyAttribute(lambda o: {"peg": peg_answers(o.peg)})


class ScreeningRunFactory(DjangoModelFactory):
    """The current screening run of `intake` (the one before stops being current), with a
    flag per dict in `flags` (tests/helpers.py flag_data makes them)."""

    class Meta:
        model = ScreeningRun
        skip_postgeneration_save = True

    intake = factory.SubFactory(SubmittedIntakeFactory)
    ruleset = "test-1"
    is_current = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> ScreeningRun:
        if kwargs.get("is_current", True):
            model_class.objects.filter(intake=kwargs["intake"]).update(is_current=False)
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def flags(run, create, extracted, **kwargs) -> None:
        for position, data in enumerate(extracted or []):
            Flag.objects.create(run=run, position=position, **data)


class ReviewFactory(DjangoModelFactory):
    """A signed review of the intake's current run (one is made if it has none)."""

    class Meta:
        model = Review

    intake = factory.SubFactory(SubmittedIntakeFactory)
    run = factory.LazyAttribute(
        lambda o: o.intake.current_run() or ScreeningRunFactory(intake=o.intake)
    )
    version = factory.Sequence(lambda n: n + 1)
    decision = Review.Decision.CLEARED
    reviewer = factory.SubFactory(PractitionerFactory)
    signed_name = factory.SelfAttribute("reviewer.full_name")


# Invitations and appointments ------------------------------------------------------------


class InvitationFactory(factory.Factory):
    """An invitation made the way the practitioner's form makes it (its intake, a link and
    the queued email); the link's path is on the invitation as `test_path`."""

    class Meta:
        model = Invitation

    patient_name = factory.Sequence(lambda n: f"Invited Patient {n}")
    email = factory.Sequence(lambda n: f"invited{n}@example.com")
    appointment_at = factory.LazyFunction(days_from_now(7))
    practitioner = factory.SubFactory(PractitionerFactory)
    created_by = factory.SelfAttribute("practitioner")

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Invitation:
        invitation, _, link = invitation_create(**kwargs)
        invitation.test_path = link.removeprefix("http://127.0.0.1:8000")
        return invitation


class AppointmentFactory(DjangoModelFactory):
    """A booked first visit a week ahead, for a patient who has an account."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    patient_name = factory.SelfAttribute("patient.full_name")
    email = factory.SelfAttribute("patient.email")
    practitioner = factory.SubFactory(PractitionerFactory)
    starts_at = factory.LazyFunction(days_from_now(7))
