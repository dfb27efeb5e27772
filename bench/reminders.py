"""Reminder pass benchmark: 10,000 upcoming first visits with unfinished intakes, every one
with a reminder due; the pass finds and queues them (one email row and one queue task per
batch of 500). Prints the time, the reminders queued, and the queries per batch.

It uses a scratch SQLite database of its own (or DATABASE_URL if set, which must be a
database made for benchmarks), migrated on the way. Run with
`.venv/bin/python bench/reminders.py [--appointments N]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0


def setup_django(scratch: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(count: int) -> None:
    """`count` first visits 2 days ahead, booked a week ago, intakes not started."""
    from django.db import transaction
    from django.utils import timezone

    from appointments.models import Appointment
    from intake.management.commands.seed_demo import demo_practitioner
    from intake.models import Intake, Invitation

    now = timezone.now()
    with transaction.atomic():
        practitioner = demo_practitioner()
        invitations = Invitation.objects.bulk_create(
            Invitation(
                patient_name=f"Bench Patient {n}",
                email=f"bench{n}@example.com",
                appointment_at=now + timedelta(days=2, minutes=n % 600),
                practitioner=practitioner,
                created_by=practitioner,
                expires_at=now + timedelta(days=2, minutes=n % 600),
                nonce_hash=f"{n:064x}",
                created_at=now - timedelta(days=7),
            )
            for n in range(count)
        )
        intakes = Intake.objects.bulk_create(
            Intake(
                invitation=invitation,
                practitioner=practitioner,
                appointment_at=invitation.appointment_at,
                patient_name=invitation.patient_name,
                status=Intake.Status.INVITED,
            )
            for invitation in invitations
        )
        Appointment.objects.bulk_create(
            Appointment(
                patient_name=invitation.patient_name,
                email=invitation.email,
                practitioner=practitioner,
                starts_at=invitation.appointment_at,
                invitation=invitation,
                intake=intake,
                created_at=invitation.created_at,
            )
            for invitation, intake in zip(invitations, intakes, strict=True)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench-reminders.sqlite3")
        from django.conf import settings
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from appointments.schedule import Schedule
        from appointments.services import reminders_queue
        from outbox.models import Email

        if Email.objects.exists():
            sys.exit("DATABASE_URL names a database that already has email in it: use a fresh one")
        seed(options.appointments)
        # Today at 10:30 clinic time: every appointment is two or three local days ahead,
        # so its 3-day slot is due and its 1-day slot is not yet.
        schedule = Schedule.from_settings()
        local = timezone.localtime(timezone.now(), schedule.zone)
        now = local.replace(hour=10, minute=30, second=0, microsecond=0)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = reminders_queue(now=now)
            elapsed = time.perf_counter() - started
        again = reminders_queue(now=now)
        per_batch = len(queries.captured_queries) / max(result.batches, 1)
        print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        print(f"appointments: {options.appointments:,}")
        print(f"reminders queued: {result.queued:,} in {result.batches} batches")
        print(f"time: {elapsed:.2f} s (target under {TARGET_SECONDS:.0f} s)")
        print(f"queries: {len(queries.captured_queries)} in all, {per_batch:.1f} per batch")
        print(f"second pass at the same moment: {again.queued} queued")


if __name__ == "__main__":
    main()
