"""The clinic's contact details and branding in templates. Tags rather than context
variables because the error pages (400, 500) are drawn without the context processors, and
they too tell the patient to call the clinic."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html

from portal.clinic import brand_stylesheet_url, tel_href

register = template.Library()


@register.simple_tag
def clinic_phone() -> str:
    """The clinic's number as a tel: link, then its opening hours: written after "call the
    clinic on" in a sentence."""
    return format_html(
        '<a href="{}" class="clinic-phone">{}</a> ({})',
        tel_href(settings.CLINIC_PHONE),
        settings.CLINIC_PHONE,
        settings.CLINIC_HOURS,
    )


@register.simple_tag
def emergency_number() -> str:
    """The emergency number of the clinic's region (HELP_REGION, HELP_EMERGENCY_NUMBER)."""
    number = settings.PATIENT_HELP["emergency_number"]
    return format_html('<a href="{}">{}</a>', tel_href(number), number)


@register.simple_tag
def brand_stylesheet() -> str:
    return brand_stylesheet_url()
