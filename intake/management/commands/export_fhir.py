"""`manage.py export_fhir ID` prints one intake (or check-in) as a FHIR R4 Bundle; `manage.py
export_fhir --questionnaire` prints the intake Questionnaire, and `--questionnaire --check-in`
the follow-up check-in's. A bad id or an unknown option exits with
status 2 and a one-line message on stderr, nothing on stdout. Every export of an intake is
written to the audit trail, as the download is."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import fhir
from intake.models import Intake
from portal import audit
from portal.models import AuditEvent

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Print an intake as a FHIR R4 Bundle (JSON), or the intake Questionnaire."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        # argparse prints its usage and the error on two or more lines; one is promised.
        # From the command line a parse error happens before Django handles CommandError.
        def one_line_error(message: str) -> None:
            text = f"export_fhir: {message}"
            if parser.called_from_command_line:
                parser.exit(BAD_INPUT, f"CommandError: {text}\n")
            raise CommandError(text, returncode=BAD_INPUT)

        parser.error = one_line_error
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("intake_id", nargs="?", help="the intake's reference number")
        parser.add_argument(
            "--questionnaire", action="store_true", help="print the Questionnaire instead"
        )
        parser.add_argument(
            "--check-in",
            action="store_true",
            help="with --questionnaire: the follow-up check-in's Questionnaire",
        )

    def handle(
        self,
        *args: Any,
        intake_id: str | None,
        questionnaire: bool,
        check_in: bool = False,
        **options,
    ) -> None:
        if questionnaire == (intake_id is not None):
            raise CommandError(
                "export_fhir: give an intake id or --questionnaire (one of them)",
                returncode=BAD_INPUT,
            )
        if check_in and not questionnaire:
            raise CommandError(
                "export_fhir: --check-in goes with --questionnaire (an id says its own kind)",
                returncode=BAD_INPUT,
            )
        if questionnaire:
            self._print(fhir.questionnaire(check_in=check_in))
            return
        if not intake_id.isascii() or not intake_id.isdigit() or len(intake_id) > 18:
            raise CommandError(
                "export_fhir: the intake id must be a whole number", returncode=BAD_INPUT
            )
        intake = Intake.objects.filter(pk=int(intake_id)).first()
        if intake is None:
            raise CommandError(f"export_fhir: no intake with id {intake_id}", returncode=BAD_INPUT)
        self._print(fhir.bundle(intake))
        audit.record(None, AuditEvent.Action.EXPORT, intake)

    def _print(self, resource: dict) -> None:
        self.stdout.write(json.dumps(resource, indent=2, ensure_ascii=False))
