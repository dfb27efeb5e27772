"""Drawing the wizard's fields with crispy-forms at a fraction of its cost, same HTML.

crispy's `bootstrap5/field.html` is a long template with a dozen includes and tests, run
again for every field of every page view: on the pain step it was most of the page's time
(bench/README.md). Yet around the widget itself, what it draws depends only on how the
field is defined (label, help text, required, widget type and attributes, id), never on what
the patient typed, unless the field has an error. So:

- `field_html(bound)` renders a field through crispy once per definition with a marker in
  place of the widget, keeps the two halves around the marker (the "shell") and the widget
  attributes crispy set, and from then on draws the widget alone (Django's own rendering,
  with the patient's value) between the two halves. A field with errors, or one whose
  widget crispy draws option by option (radio buttons, tick lists), goes through crispy
  every time.
- `option_html(widget)` draws one option of a tick list or radio group (`{{ widget.tag }}`)
  from a cache keyed by everything the option's template reads: name, value, label, id,
  attributes and whether it is ticked. Those are the step's own choices plus one bit.

Why this is safe: a shell is made with the marker, not a value, and the key of a shell holds
every property of the field that crispy's template reads, so the same key always means the
same markup; a patient's answer is only ever drawn by Django into their own response. The
option cache holds no typed text, only the fixed options in their two states.
tests/intake/test_field_cache.py compares the output with crispy's field by field, for every
step, and checks that two patients' pages show their own answers.
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.forms import CheckboxSelectMultiple, RadioSelect
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.safestring import SafeString, mark_safe

# A definition cannot collide with a marker: it is not something a form could draw.
MARKER = "\x00crispy-widget\x00"
# Caps, so definitions made per request (a label with a number in it) cannot grow memory
# without limit: past the cap the cache starts again.
MAX_SHELLS = 2048
MAX_OPTIONS = 8192

_shells: dict[tuple, tuple[str, str, dict] | None] = {}
_options: dict[tuple, str] = {}


def _frozen(value):
    """A hashable copy of a widget attribute value, or a TypeError."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    hash(value)
    return value


def _shell_key(bound: BoundField) -> tuple | None:
    field, widget = bound.field, bound.field.widget
    helper = getattr(bound.form, "helper", None)
    try:
        return (
            type(bound.form),
            bound.form.prefix,
            bound.name,
            bound.auto_id,
            str(bound.label),
            str(bound.help_text),
            field.required,
            field.disabled,
            bound.css_classes(),
            type(widget),
            widget.is_hidden,
            _frozen(widget.attrs),
            None if helper is None else _frozen(helper.get_attributes()),
        )
    except TypeError:
        return None


def _make_shell(bound: BoundField) -> tuple[str, str, dict] | None:
    """Render the field through crispy with the widget replaced by the marker."""
    widget = bound.field.widget
    captured: list[dict] = []

    def marker(*args, **kwargs) -> str:
        captured.append(dict(widget.attrs))
        return MARKER

    # An attribute on this form's own copy of the widget (forms deep-copy their fields), so
    # no other request sees it; removed straight after.
    widget.render = marker
    try:
        html = str(as_crispy_field(bound))
    finally:
        del widget.render
    if html.count(MARKER) != 1 or len(captured) != 1:
        return None
    before, after = html.split(MARKER)
    return before, after, captured[0]


def field_html(bound: BoundField) -> SafeString:
    """The field as crispy draws it (`{{ field|as_crispy_field }}`)."""
    widget = bound.field.widget
    if bound.errors or isinstance(widget, RadioSelect | CheckboxSelectMultiple):
        return as_crispy_field(bound)
    key = _shell_key(bound)
    if key is None:
        return as_crispy_field(bound)
    shell = _shells.get(key, False)
    if shell is False:
        # The crispy render that makes the shell also sets the widget's classes on this
        # form, so the widget drawn below is crispy's.
        shell = _make_shell(bound)
        if len(_shells) >= MAX_SHELLS:
            _shells.clear()
        _shells[key] = shell
    if shell is None:
        return as_crispy_field(bound)
    before, after, attrs = shell
    widget.attrs = dict(attrs)
    return mark_safe(before + str(bound) + after)  # noqa: S308 (both halves came from crispy)


def option_html(option: BoundWidget) -> SafeString:
    """One option of a tick list or radio group, as `{{ widget.tag }}` draws it."""
    data = option.data
    try:
        key = (
            option.template_name,
            data["name"],
            _frozen(data["value"]),
            str(data["label"]),
            data["selected"],
            data.get("wrap_label"),
            data["type"],
            _frozen(data["attrs"]),
        )
    except (KeyError, TypeError):
        return option.tag()
    html = _options.get(key)
    if html is None:
        html = str(option.tag())
        if len(_options) >= MAX_OPTIONS:
            _options.clear()
        _options[key] = html
    return mark_safe(html)  # noqa: S308 (drawn by the widget's own template)
