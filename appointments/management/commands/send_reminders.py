"""The one entry point for scheduled work: `manage.py send_reminders [--now ISO-8601]`.

Queues every reminder due at that moment (appointments.services.reminders_queue) and
queues again any email or FHIR push whose task was lost (outbox.services.emails_requeue_stranded,
intake.services.fhir_pushes_requeue_stranded).
Idempotent: run twice at the same moment, the second run sends nothing. Run it from cron
every 15 minutes, or as a recurring task; the last line is always `sent N reminders`.
"""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appointments.services import reminders_queue
from intake.services import fhir_pushes_requeue_stranded
from outbox.services import emails_requeue_stranded


class Command(BaseCommand):
    help = "Queue the reminders due now (or at --now) and requeue stranded emails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="the moment to act as of, in ISO 8601 (default: now)")

    def handle(self, *args, now: str | None = None, **options) -> None:
        moment = timezone.now()
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as error:
                raise CommandError(f"--now must be an ISO 8601 date and time: {now!r}") from error
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        requeued = emails_requeue_stranded(now=moment)
        if requeued:
            self.stdout.write(f"queued again {requeued} emails whose delivery was interrupted")
        pushes = fhir_pushes_requeue_stranded(now=moment)
        if pushes:
            self.stdout.write(f"queued again {pushes} FHIR pushes that were interrupted")
        result = reminders_queue(now=moment)
        self.stdout.write(f"sent {result.queued} reminders")
