"""Running the screening engine over a stored intake and keeping what it said."""

from __future__ import annotations

from django.db import transaction

from intake.export import screening_input
from intake.models import Flag, Intake, ScreeningRun
from intake.screening import RULESET_VERSION, rule_rationale, rule_sources, screen
from intake.screening.severities import flag_summary
from portal.models import User


def flag_columns(position: int, flag: dict) -> dict:
    """The columns of a Flag row that come from the engine's flag `flag` (the `position`th
    it raised), as the model names them: everything but the run and the rule's rationale
    and sources. The demo seeder writes its rows with them too (intake/demo_follow_ups.py)."""
    return {
        "position": position,
        "rule": flag["rule"],
        "category": flag["category"],
        "severity": flag["severity"],
        "title": flag["title"],
        "action": flag["action"],
        "because": flag["because"],
        "affects": flag["affects"],
        "guide_url": flag.get("guide_url", ""),
    }


def flag_rows(run: ScreeningRun, flags: list[dict]) -> list[Flag]:
    """The engine's flags as unsaved rows of `run`, in the order the engine gave them, each
    with its rule's rationale and sources as the ruleset that raised it words them."""
    return [
        Flag(
            run=run,
            **flag_columns(position, flag),
            rationale=rule_rationale(flag["rule"]),
            sources=list(rule_sources(flag["rule"])),
        )
        for position, flag in enumerate(flags)
    ]


@transaction.atomic
def screening_run(
    *, intake: Intake, requested_by: User | None = None, unless_current: bool = False
) -> ScreeningRun:
    """Screen the intake with the current ruleset and store the flags as raised.

    Earlier runs stay in place (no longer current), so the flags a practitioner saw can
    always be shown again, even after the rules change. With `unless_current`, an intake
    already screened by the current ruleset keeps that run (a second click on "Re-run
    screening" adds nothing)."""
    # Two runs at once would each retire the other's run and then clash on the one current
    # run allowed per intake; the intake's row lock puts them one after the other.
    list(Intake.objects.select_for_update().filter(pk=intake.pk).values_list("pk", flat=True))
    if unless_current:
        current = ScreeningRun.objects.filter(
            intake=intake, is_current=True, ruleset=RULESET_VERSION
        ).first()
        if current is not None:
            return current
    result = screen(screening_input(intake))
    ScreeningRun.objects.filter(intake=intake, is_current=True).update(is_current=False)
    run = ScreeningRun.objects.create(
        intake=intake,
        ruleset=result["ruleset"],
        requested_by=requested_by,
        is_current=True,
        considered=result["considered"],
    )
    Flag.objects.bulk_create(flag_rows(run, result["flags"]))
    intake.flag_counts, intake.highest_severity = flag_summary(
        flag["severity"] for flag in result["flags"]
    )
    Intake.objects.filter(pk=intake.pk).update(
        flag_counts=intake.flag_counts, highest_severity=intake.highest_severity
    )
    return run
