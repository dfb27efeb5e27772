"""Badge colours for the practitioner's pages, in one place.

Filters rather than included templates: the dashboard draws a badge for every row, and an
`{% include %}` per badge cost about a third of the page's rendering time. The colour only
repeats what the badge's text says (never colour alone)."""

from __future__ import annotations

from django import template

register = template.Library()

SEVERITY_BADGE_CLASSES: dict[str, str] = {
    "refer": "text-bg-danger",
    "contraindicated": "text-bg-danger",
    "defer": "text-bg-warning",
    "caution": "text-bg-warning",
}

STATUS_BADGE_CLASSES: dict[str, str] = {
    "reviewed": "text-bg-success",
    "submitted": "text-bg-primary",
}


@register.filter
def severity_badge_class(severity: str) -> str:
    return SEVERITY_BADGE_CLASSES.get(severity, "text-bg-secondary")


@register.filter
def status_badge_class(status: str) -> str:
    return STATUS_BADGE_CLASSES.get(status, "text-bg-light border")
