"""`{% error_summary form "#form-id" ["title"] %}`: the summary of a bound form's errors at
the top of its page, each a link to its field (templates/_error_summary.html);
error-summary.js moves focus to it when the page loads."""

from __future__ import annotations

from django import forms, template

from portal.forms import error_summary as summary_of

register = template.Library()


@register.inclusion_tag("_error_summary.html")
def error_summary(form: forms.Form, whole_form: str, title: str = "") -> dict:
    """`title` heads the summary in place of "There are N answers to check"."""
    errors = summary_of(form, whole_form=whole_form) if form.is_bound else []
    return {"errors": errors, "title": title}
