"""Appointments, and the reminders sent while an appointment's intake is unfinished.

Times are stored in UTC and shown and reminded in the clinic's TIME_ZONE. A first visit
has an invitation and an intake from the moment it is booked (appointments.services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from intake.models import Intake, Invitation


class Appointment(models.Model):
    class Kind(models.TextChoices):
        FIRST_VISIT = "first_visit", "First visit"
        FOLLOW_UP = "follow_up", "Follow-up"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"

    class Source(models.TextChoices):
        WORKSPACE = "workspace", "Booked here"
        CSV = "csv", "CSV import"
        ICS = "ics", "iCalendar import"

    # The patient's account when there is one; the name and address are what the invitation
    # goes to either way.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    patient_name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_to_see"
    )
    starts_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FIRST_VISIT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)

    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )
    intake = models.OneToOneField(
        Intake, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )

    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WORKSPACE)
    # The scheduler's own id for an imported appointment (a CSV id column, an iCalendar
    # UID): importing the same file again finds the same row instead of making another.
    external_id = models.CharField(max_length=255, blank=True)
    # Set by the patient's "stop reminders" link.
    reminders_stopped_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "kind", "starts_at"], name="appt_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="appointment_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk}"

    @property
    def is_first_visit(self) -> bool:
        return self.kind == self.Kind.FIRST_VISIT


class Reminder(models.Model):
    """One reminder slot (so many days before) of one appointment, queued once."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    email = models.ForeignKey(
        "outbox.Email", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-queued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "days_before"], name="one_reminder_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder {self.days_before}d for appointment {self.appointment_id}"
