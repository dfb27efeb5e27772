"""`manage.py export_intake ID`: one stored intake in the screening contract's JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from intake.export import screening_input
from intake.models import Intake


class Command(BaseCommand):
    help = "Print an intake's answers as the screening engine's input JSON (docs/screening.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("intake_id", type=int, help="The intake's reference number")

    def handle(self, *args, intake_id: int, **options) -> None:
        intake = Intake.objects.filter(pk=intake_id).first()
        if intake is None:
            raise CommandError(f"No intake with id {intake_id}.", returncode=2)
        self.stdout.write(json.dumps(screening_input(intake), indent=2, ensure_ascii=False))
