"""`manage.py screen PATH`: screen one intake JSON file (or stdin with `-`) and print the flags.

The same seam the intake views and exports use, so a clinician or a test can replay any
intake through the current ruleset. Bad input exits with status 2 and a one-line message
naming the field; nothing is printed to stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.screening import ScreeningInputError, screen

BAD_INPUT = 2


class Command(BaseCommand):
    # call_command("screen", "-", stdin=StringIO(...)) passes the stream like loaddata does.
    stealth_options = ("stdin",)
    help = "Screen one intake (JSON file, or - for stdin) and print the ruleset version and flags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="intake JSON file, or - to read stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["path"], options.get("stdin") or sys.stdin)
        try:
            answers = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                returncode=BAD_INPUT,
            ) from None
        except RecursionError:
            raise CommandError("invalid JSON: nested too deeply", returncode=BAD_INPUT) from None
        try:
            result = screen(answers)
        except ScreeningInputError as exc:
            raise CommandError(_one_line(str(exc)), returncode=BAD_INPUT) from None
        self.stdout.write(json.dumps(result))

    def _read(self, path: str, stdin: TextIO) -> str:
        if path == "-":
            try:
                return stdin.read()
            except UnicodeDecodeError:
                raise CommandError("stdin: not UTF-8 text", returncode=BAD_INPUT) from None
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file", returncode=BAD_INPUT) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                f"{path}: cannot read ({exc.__class__.__name__})", returncode=BAD_INPUT
            ) from None


def _one_line(message: str) -> str:
    """The message with control characters escaped: it names fields taken from the input,
    and a newline in one would split the promised one-line error in two."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in message)
