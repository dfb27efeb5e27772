"""The patient's urgent-help advice on pages that show it for good (the submitted page),
beside the one-time alert that the context processor gives the next page."""

from __future__ import annotations

from django import template

from intake import urgent_help
from intake.models import Intake

register = template.Library()


@register.simple_tag
def patient_help(intake: Intake) -> urgent_help.PatientHelp | None:
    return urgent_help.help_for(intake)
