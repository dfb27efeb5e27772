"""`{% step_progress %}`: the wizard's "Step 3 of 9" and its list of every step, drawn in
Python from `progress`, `number` and `total` in the context (intake.steps.progress). Every
step page and the review page show it; as an included template looping over the steps it
was a tenth of a step page's rendering. Every value goes through `escape`."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _item(item: dict) -> str:
    title = escape(str(item["title"]), quote=True)
    if item["current"]:
        state, current = "is-current", ' aria-current="step"'
    else:
        state = "is-done" if item["completed"] else "" if item["applicable"] else "is-skipped"
        current = ""
    if item["url"] and not item["current"]:
        label = f'<a href="{escape(str(item["url"]), quote=True)}">{title}</a>'
    else:
        label = f"<span>{title}</span>"
    if not item["applicable"]:
        label += ' <span class="step-state">(does not apply)</span>'
    elif item["completed"]:
        label += ' <span class="step-state">(done)</span>'
    return f'<li class="{state}"{current}>{label}</li>'


@register.simple_tag(takes_context=True)
def step_progress(context) -> SafeString:
    items = "".join(_item(item) for item in context["progress"])
    return mark_safe(  # noqa: S308 - every value in it went through escape
        '<nav class="step-progress-nav mb-3" aria-label="Intake progress">'
        f'<p class="step-count mb-1">Step {int(context["number"])} of {int(context["total"])}</p>'
        '<details class="step-progress-details"><summary>Show all steps</summary>'
        f'<ol class="step-progress">{items}</ol></details></nav>'
    )
