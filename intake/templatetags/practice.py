"""Badge colours for the practitioner's pages (severities' own in intake.screening.severities).

Filters rather than included templates: the dashboard draws a badge for every row, and an
`{% include %}` per badge cost about a third of the page's rendering time. The colour only
repeats what the badge's text says (never colour alone)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from intake.models import Intake
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
def severity_badge(severity: str) -> SafeString:
    """The badge of _severity_badge.html for `severity`, without a count."""
    return _severity_badge(severity)


@register.filter
def status_badge(status: str) -> SafeString:
    """The badge of _status_badge.html for an intake's `status`."""
    return _status_badge(status)


# A badge depends on its severity or status alone, a handful of values: each is drawn from
# its template once per process, where the patient page would include it for every one of
# dozens of rows. What a template renders is already escaped (a SafeString), so it is kept
# as it is.
@lru_cache(maxsize=64)
def _severity_badge(severity: str) -> SafeString:
    context = {"severity": severity, "label": severities.label(severity), "count": None}
    return render_to_string("intake/practice/_severity_badge.html", context)


@lru_cache(maxsize=64)
def _status_badge(status: str) -> SafeString:
    label = Intake.Status(status).label if status in Intake.Status.values else status
    intake = {"status": status, "get_status_display": label}
    return render_to_string("intake/practice/_status_badge.html", {"intake": intake})


@register.filter
def duration(months: int | None) -> str:
    """A pain duration in years and months (intake.screening.measures.duration_text)."""
    return "" if months is None else duration_text(months)
