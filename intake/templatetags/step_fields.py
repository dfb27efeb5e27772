"""The wizard's fields, drawn as crispy draws them but from cached shells
(intake/field_cache.py says how and why it is safe)."""

from django import template

from intake.field_cache import field_html, form_html, option_html, tick_list_html

register = template.Library()


@register.filter
def as_step_field(bound):
    """`{{ form.field|as_step_field }}`: the same HTML as crispy's `as_crispy_field`."""
    return field_html(bound)


@register.filter
def option_tag(option):
    """`{{ widget|option_tag }}`: the same HTML as `{{ widget.tag }}`."""
    return option_html(option)


@register.simple_tag(takes_context=True)
def step_form(context, form):
    """`{% step_form form %}`: the same HTML as crispy's `{% crispy form %}`."""
    return form_html(form, context.flatten())


@register.simple_tag
def tick_list(bound, template_name):
    """`{% tick_list form.field "template" %}`: the same HTML as the template drawn with
    `field` (its options drawn with `option_tag`)."""
    return tick_list_html(bound, template_name)
