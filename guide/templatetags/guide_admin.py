from __future__ import annotations

from django import template

from guide import reviews

register = template.Library()


@register.inclusion_tag("admin/guide/_dashboard.html", takes_context=True)
def guide_dashboard(context) -> dict:
    """What needs an admin's attention in the guide, for the admin's landing page."""
    return {
        "overdue": reviews.overdue_pages(),
        "waiting": reviews.waiting_for_review(),
        "scheduled": reviews.scheduled(),
    }
