"""Badge colours for the practitioner's pages (severities' own in intake.screening.severities).

Filters rather than included templates: the dashboard draws a badge for every row, and an
`{% include %}` per badge cost about a third of the page's rendering time. The colour only
repeats what the badge's text says (never colour alone)."""

from __future__ import annotations

from django import template

from intake.screening import severities
from intake.screening.measures import duration_text

register = template.Library()

STATUS_BADGE_CLASSES: dict[str, str] = {
    "reviewed": "text-bg-success",
    "submitted": "text-bg-primary",
}


@register.filter
def severity_badge_class(severity: str) -> str:
    return severities.badge_class(severity)


@register.filter
def status_badge_class(status: str) -> str:
    return STATUS_BADGE_CLASSES.get(status, "text-bg-light border")


@register.filter
def severity_label(severity: str) -> str:
    return severities.label(severity)


@register.filter
def duration(months: int | None) -> str:
    """A pain duration in years and months (intake.screening.measures.duration_text)."""
    return "" if months is None else duration_text(months)
