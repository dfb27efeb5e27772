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
- A text, number or date box and a text area draw the patient's value in one place, as
  the escaped text of the widget's `format_value`. For those the widget is drawn once per
  definition too, with a second marker in place of the value (and once with no value), so
  a page view escapes the value and joins three strings: no template runs at all.
- A drop-down list, radio buttons or tick boxes differ from one patient to the next only in
  which options are marked. Such a field is drawn by crispy once per definition with
  nothing marked and once with each option alone marked; where the two differ is that
  option's mark, and a page view puts in the marks of the options the patient chose.
- `form_html(form)` is `{% crispy form %}`: crispy's whole-form templates run once per form
  definition with a marker in place of each field, and each page view puts the fields,
  drawn by `field_html`, between the pieces and lets crispy's own space-removal run over
  the whole (markers hold no space or tag characters, so it treats them as it treats
  fields' text). A form with errors of its own (not a field's) goes through crispy.
- `tick_list_html(field, template)` draws a template that lists a tick list's options
  (each with `option_html`) once per definition with nothing ticked, and each page view
  swaps in the ticked tag of each option the patient ticked: iterating a bound field
  builds every option's data afresh, most of the cost of a 25-option list.
- `option_html(widget)` draws one option of a tick list or radio group (`{{ widget.tag }}`)
  from a cache keyed by everything the option's template reads: name, value, label, id,
  attributes and whether it is ticked. Those are the step's own choices plus one bit.

Why this is safe: only fields as their form class defines them are kept (label, help
text and choices as declared: never a field made from what a patient wrote before); a
shell is made with markers, not values, and the key of a shell holds
every property of the field that crispy's template reads, so the same key always means the
same markup; a patient's answer is only ever drawn by Django into their own response. The
option cache holds no typed text, only the fixed options in their two states.
tests/intake/test_field_cache.py compares the output with crispy's field by field, for every
step, and checks that two patients' pages show their own answers.
"""

from __future__ import annotations

import copy
from os.path import commonprefix

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from crispy_forms.templatetags.crispy_forms_utils import remove_spaces
from crispy_forms.utils import render_crispy_form
from django.forms import (
    CheckboxSelectMultiple,
    DateInput,
    EmailInput,
    Form,
    NumberInput,
    RadioSelect,
    Select,
    SelectMultiple,
    Textarea,
    TextInput,
)
from django.forms.boundfield import BoundField, BoundWidget
from django.forms.renderers import Jinja2
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from markupsafe import escape as jinja_escape

# A definition cannot collide with a marker: it is not something a form could draw (forms
# escape what they draw, and NUL is no character of HTML).
MARKER = "\x00crispy-widget\x00"
VALUE_MARKER = "\x00crispy-value\x00"
FIELD_MARKER = "\x00crispy-field:{}\x00"
# Caps, so definitions made per request (a label with a number in it) cannot grow memory
# without limit: past the cap the cache starts again.
MAX_SHELLS = 2048
MAX_OPTIONS = 8192

# Widgets whose Jinja2 template draws the value once, as `{{ widget.value }}` (escaped by
# Jinja2) under `{% if widget.value != None %}` or `{% if widget.value %}`; exact types,
# so a subclass that draws more than its value is drawn by its template every time.
VALUE_WIDGETS = frozenset({TextInput, NumberInput, EmailInput, DateInput, Textarea})
# Widgets whose options are marked as chosen from `format_value`'s list of values, as text
# (by Django's optgroups and crispy's `optgroups` filter alike); exact types again.
CHOICE_WIDGETS = frozenset({Select, SelectMultiple, RadioSelect, CheckboxSelectMultiple})

_shells: dict[tuple, tuple[str, str, dict] | None] = {}
_drawn: dict[tuple, tuple[str, ...] | None] = {}
_forms: dict[tuple, tuple[str, list[str], list[str], str] | None] = {}
_lists: dict[tuple, tuple[str, dict[str, tuple[str, str]]] | None] = {}
_choices: dict[tuple, tuple[str, dict[str, tuple[int, int, str]]] | None] = {}
_options: dict[tuple, str] = {}


def _remember(cache: dict, key, value, cap: int = MAX_SHELLS):
    if len(cache) >= cap:
        cache.clear()
    cache[key] = value
    return value


def _frozen(value):
    """A hashable copy of a widget attribute value, or a TypeError."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    hash(value)
    return value


def _helper_key(form: Form):
    """The form's crispy settings as a hashable value, worked out once per form: every
    field of a page asks, and a form's helper does not change while it is drawn."""
    try:
        return form.__dict__["_field_cache_helper_key"]
    except KeyError:
        pass
    helper = getattr(form, "helper", None)
    key = None if helper is None else _frozen(helper.get_attributes())
    form.__dict__["_field_cache_helper_key"] = key
    return key


def _as_defined(bound: BoundField) -> bool:
    """Whether the field is as its form class defines it: the same label, help text and
    choices. A field a form makes or changes for one patient (the conditions a check-in
    carries forward, offered as "cleared up") could hold what they wrote, so it is never
    kept: it goes through crispy every time."""
    defined = type(bound.form).base_fields.get(bound.name)
    field = bound.field
    return (
        defined is not None
        and field.label == defined.label
        and field.help_text == defined.help_text
        and getattr(field, "choices", None) == getattr(defined, "choices", None)
    )


def _shell_key(bound: BoundField) -> tuple | None:
    form, field, widget = bound.form, bound.field, bound.field.widget
    if not _as_defined(bound):
        return None
    try:
        return (
            type(form),
            form.prefix,
            form.use_required_attribute,
            type(form.renderer),
            bound.name,
            bound.auto_id,
            str(bound.label),
            str(bound.help_text),
            field.required,
            field.disabled,
            bound.css_classes(),
            type(widget),
            widget.template_name,
            getattr(widget, "input_type", None),
            widget.is_hidden,
            _frozen(widget.attrs),
            _helper_key(form),
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


def _make_drawn(bound: BoundField, before: str, after: str, empty: bool) -> tuple[str, ...] | None:
    """The whole field with the value marker in place of the value, split around it: two
    pieces; or, with no value, the whole field as one piece."""
    widget = bound.field.widget

    def marker(value) -> str | None:
        return None if empty else VALUE_MARKER

    # As in _make_shell: this form's own copy of the widget, put back straight after.
    widget.format_value = marker
    try:
        html = str(bound)
    finally:
        del widget.format_value
    if html.count(VALUE_MARKER) != (0 if empty else 1):
        return None
    head, _, tail = html.partition(VALUE_MARKER)
    return (before + html + after,) if empty else (before + head, tail + after)


def _marked(html: str, marks) -> str:
    """`html` with each (start, length, text) of `marks` in place, in order."""
    parts, at = [], 0
    for start, length, text in sorted(marks):
        parts += [html[at:start], text]
        at = start + length
    parts.append(html[at:])
    return "".join(parts)


def _make_choice_shell(bound: BoundField):
    """crispy's field with nothing chosen, and for each option value where the field
    drawn with that value alone chosen differs: (start, length, text instead)."""
    widget = bound.field.widget

    def drawn(chosen: list[str]) -> str:
        # As in _make_shell: this form's own copy of the widget, put back straight after.
        widget.format_value = lambda value: list(chosen)
        try:
            return str(as_crispy_field(bound))
        finally:
            del widget.format_value

    groups = widget.optgroups(bound.html_name, [], {})
    values = list(dict.fromkeys(str(o["value"]) for _, options, _ in groups for o in options))
    plain = drawn([])
    marks = {}
    for value in values:
        html = drawn([value])
        start = len(commonprefix([plain, html]))
        end = min(len(commonprefix([plain[::-1], html[::-1]])), min(len(plain), len(html)) - start)
        marks[value] = (start, len(plain) - end - start, html[start : len(html) - end])
    spans = sorted(marks.values())
    for (start, length, _), (following, _, _) in zip(spans, spans[1:], strict=False):
        if following <= start or following < start + length:
            return None  # marks that touch cannot be told apart
    if widget.allow_multiple_selected and _marked(plain, spans) != drawn(values):
        return None
    return plain, marks


def _choice_html(bound: BoundField) -> SafeString:
    widget = bound.field.widget
    key = _shell_key(bound)
    try:
        key = None if key is None else (key, _frozen(list(widget.choices)))
    except TypeError:
        key = None
    drawn = None if key is None else _choices.get(key, False)
    if drawn is False:
        drawn = _remember(_choices, key, _make_choice_shell(bound))
    if drawn is None:
        return as_crispy_field(bound)
    plain, marks = drawn
    chosen = set(widget.format_value(bound.value()))
    if widget.allow_multiple_selected:
        picked = [marks[value] for value in marks if value in chosen]
    else:
        # A single choice marks only the first option (in order) among the values.
        picked = [marks[value] for value in marks if value in chosen][:1]
    return mark_safe(_marked(plain, picked))  # noqa: S308 (drawn by crispy, options only)


def field_html(bound: BoundField) -> SafeString:
    """The field as crispy draws it (`{{ field|as_crispy_field }}`)."""
    widget = bound.field.widget
    if bound.errors:
        return as_crispy_field(bound)
    if type(widget) in CHOICE_WIDGETS:
        return _choice_html(bound)
    key = _shell_key(bound)
    if key is None:
        return as_crispy_field(bound)
    shell = _shells.get(key, False)
    if shell is False:
        # The crispy render that makes the shell also sets the widget's classes on this
        # form, so the widget drawn below is crispy's.
        shell = _remember(_shells, key, _make_shell(bound))
    if shell is None:
        return as_crispy_field(bound)
    before, after, attrs = shell
    if type(widget) not in VALUE_WIDGETS or not isinstance(bound.form.renderer, Jinja2):
        widget.attrs = dict(attrs)
        return mark_safe(before + str(bound) + after)  # noqa: S308 (both halves from crispy)
    value = widget.format_value(bound.value())
    drawn_key = (key, value is None)
    drawn = _drawn.get(drawn_key, False)
    if drawn is False:
        widget.attrs = dict(attrs)
        drawn = _remember(_drawn, drawn_key, _make_drawn(bound, before, after, value is None))
    if drawn is None:
        widget.attrs = dict(attrs)
        return mark_safe(before + str(bound) + after)  # noqa: S308 (both halves from crispy)
    if value is None:
        return mark_safe(drawn[0])  # noqa: S308 (drawn by crispy and the widget, no value)
    # The value escaped as the widget's Jinja2 template escapes `{{ widget.value }}`; str()
    # because Markup + str would escape the str (markupsafe's __radd__).
    head, tail = drawn
    return mark_safe(head + str(jinja_escape(value)) + tail)  # noqa: S308


class _FieldMarker:
    """Stands in for crispy's field template while a form's pieces are drawn: `{% include
    field_template %}` renders whatever has a `render` method."""

    def render(self, context) -> str:
        return FIELD_MARKER.format(context["field"].name)


def _form_key(form: Form) -> tuple | None:
    try:
        return (type(form), form.prefix, tuple(form.fields), str(form.media), _helper_key(form))
    except TypeError:
        return None


def _make_form_shell(form: Form) -> tuple[str, list[str], list[str], str] | None:
    """crispy's whole form with a marker for each field: the space before its
    {% specialspaceless %} block, the pieces between the fields, the fields' names in
    order, and the space after the block."""
    helper = copy.copy(form.helper)
    helper.field_template = _FieldMarker()
    html = str(render_crispy_form(form, helper))
    pieces, names = [], []
    rest = html
    for name in form.fields:
        marker = FIELD_MARKER.format(name)
        if rest.count(marker) != 1:
            return None
        piece, _, rest = rest.partition(marker)
        pieces.append(piece)
        names.append(name)
    pieces.append(rest)
    if "\x00" in "".join(pieces):
        return None
    # The block's own output is stripped, so the space around it is the templates'.
    lead = pieces[0][: len(pieces[0]) - len(pieces[0].lstrip())]
    pieces[0] = pieces[0][len(lead) :]
    trail = pieces[-1][len(pieces[-1].rstrip()) :]
    pieces[-1] = pieces[-1][: len(pieces[-1]) - len(trail)]
    return lead, pieces, names, trail


def form_html(form: Form, context=None) -> SafeString:
    """The form as crispy's `{% crispy form %}` draws it, for a form with a helper and no
    layout (every wizard form); anything else is drawn by crispy."""
    helper = getattr(form, "helper", None)
    plain = helper is not None and helper.layout is None and not helper.inputs
    key = _form_key(form) if plain and not form.non_field_errors() else None
    shell = None if key is None else _forms.get(key, False)
    if shell is False:
        shell = _remember(_forms, key, _make_form_shell(form))
    if shell is None:
        return render_crispy_form(form, helper, context)
    lead, pieces, names, trail = shell
    parts = [pieces[0]]
    for name, piece in zip(names, pieces[1:], strict=True):
        parts.append(field_html(form[name]))
        parts.append(piece)
    # crispy's {% specialspaceless %}: strip, then its space-removal over the whole block.
    block = remove_spaces("".join(parts).strip())
    return mark_safe(lead + block + trail)  # noqa: S308 (crispy's pieces and fields)


def _showing(bound: BoundField, ticked: list[str]) -> BoundField:
    """A copy of the bound field that shows `ticked` as its value (the same field, form
    and widget: only what is ticked differs)."""
    shown = copy.copy(bound)
    shown.__dict__.pop("subwidgets", None)  # a cached_property: the copy builds its own
    shown.value = lambda: ticked
    return shown


def _make_tick_list(bound: BoundField, template_name: str):
    """The list drawn with nothing ticked, and each option's tag unticked and ticked."""
    values = [str(option.data["value"]) for option in _showing(bound, [])]
    html = render_to_string(template_name, {"field": _showing(bound, [])})
    tags = {}
    off = _showing(bound, []).subwidgets
    on = _showing(bound, values).subwidgets
    for value, unticked, ticked in zip(values, off, on, strict=True):
        tag_off, tag_on = str(option_html(unticked)), str(option_html(ticked))
        if html.count(tag_off) != 1 or tag_off == tag_on:
            return None
        tags[value] = (tag_off, tag_on)
    return html, tags


def tick_list_html(bound: BoundField, template_name: str) -> SafeString:
    """`render_to_string(template_name, {"field": bound})`, for a template that draws the
    options of a tick list with `option_tag`."""
    widget = bound.field.widget
    key = None
    if not bound.errors and type(widget) is CheckboxSelectMultiple:
        try:
            key = (template_name, _shell_key(bound), _frozen(list(bound.field.choices)))
        except TypeError:
            key = None
    drawn = None if key is None or key[1] is None else _lists.get(key, False)
    if drawn is False:
        drawn = _remember(_lists, key, _make_tick_list(bound, template_name))
    if drawn is None:
        return render_to_string(template_name, {"field": bound})
    html, tags = drawn
    # What the widget ticks: each option whose value, as text, is among the field's.
    for value in set(widget.format_value(bound.value())):
        if value in tags:
            html = html.replace(*tags[value], 1)
    return mark_safe(html)  # noqa: S308 (the template's output and the widget's tags)


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
