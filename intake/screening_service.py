"""Running the screening engine over a stored intake and keeping what it said."""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from intake.export import screening_input
from intake.models import Flag, Intake, ScreeningRun
from intake.screening import rule_rationale, rule_sources, screen
from intake.screening.vocabulary import SEVERITIES


def flag_rows(run: ScreeningRun, flags: list[dict]) -> list[Flag]:
    """The engine's flags as unsaved rows of `run`, in the order the engine gave them, each
    with its rule's rationale and sources as the ruleset that raised it words them."""
    return [
        Flag(
            run=run,
            position=position,
            rule=flag["rule"],
            category=flag["category"],
            severity=flag["severity"],
            title=flag["title"],
            action=flag["action"],
            because=flag["because"],
            affects=flag["affects"],
            guide_url=flag.get("guide_url", ""),
            rationale=rule_rationale(flag["rule"]),
            sources=list(rule_sources(flag["rule"])),
        )
        for position, flag in enumerate(flags)
    ]


@transaction.atomic
def run_screening(intake: Intake, *, requested_by=None) -> ScreeningRun:
    """Screen the intake with the current ruleset and store the flags as raised.

    Earlier runs stay in place (no longer current), so the flags a practitioner saw can
    always be shown again, even after the rules change."""
    result = screen(screening_input(intake))
    ScreeningRun.objects.filter(intake=intake, is_current=True).update(is_current=False)
    run = ScreeningRun.objects.create(
        intake=intake, ruleset=result["ruleset"], requested_by=requested_by, is_current=True
    )
    Flag.objects.bulk_create(flag_rows(run, result["flags"]))
    counts = Counter(flag["severity"] for flag in result["flags"])
    intake.flag_counts = {severity: counts[severity] for severity in SEVERITIES if counts[severity]}
    intake.highest_severity = max(counts, key=SEVERITIES.index) if counts else ""
    Intake.objects.filter(pk=intake.pk).update(
        flag_counts=intake.flag_counts, highest_severity=intake.highest_severity
    )
    return run
