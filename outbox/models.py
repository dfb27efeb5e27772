"""Every email the portal sends, as a row: what kind, to whom, about which record, and how
its delivery went.

A row holds no message text and no link. The worker writes the message when it delivers
(outbox.kinds), from the records as they are then: a link in a queued message would be a
working link sitting in the database, and a reminder for an appointment that was moved
meanwhile must give the new time.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Email(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (no more retries)"
        DROPPED = "dropped", "Not needed any more"

    kind = models.CharField(max_length=40)
    to = models.EmailField(max_length=254)
    # Further addresses of one message (a notice to a practitioner and the clinic's alert
    # address): one email, so each recipient sees who else was told.
    also_to = models.JSONField(default=list, blank=True)
    # Primary keys the message is written from (never text typed by anyone).
    params = models.JSONField(default=dict, blank=True)
    # The record it is about, by type and primary key, as the audit trail names records.
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Raised each time the row is handed to the queue: a task carries the generation it was
    # queued with, so a task left over from before a retry or a requeue does nothing.
    generation = models.PositiveIntegerField(default=1)
    # The error's type and the mail server's reply code, never the message (it may quote the
    # address or the text).
    last_error = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"Email {self.pk} ({self.kind}, {self.status})"
