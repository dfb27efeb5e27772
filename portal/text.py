"""Text that people type, made safe to show to someone else (docs/security.md S22).

Bidi override and isolate characters (U+202A-U+202E, U+2066-U+2069) change the order in
which text is drawn on screen, so a name or a medicine could read differently to the
practitioner than it was stored ("Trojan Source"). Names in any script read correctly
without them, so they are removed from everything a form accepts.
"""

from __future__ import annotations

from django import forms
from django.utils.datastructures import MultiValueDict

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_REMOVE_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))


def neutralise_bidi(value: str) -> str:
    """`value` without bidi override or isolate characters."""
    return value.translate(_REMOVE_BIDI)


class NeutraliseBidiMixin:
    """For every form that takes typed text: the bound data loses its bidi controls before
    any field sees it, so every text field (present or added later) is covered at once.

    Password fields are left exactly as typed: changing a password silently would lock its
    owner out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            return
        keep = {
            self.add_prefix(name)
            for name, field in self.fields.items()
            if isinstance(field.widget, forms.PasswordInput)
        }
        if isinstance(self.data, MultiValueDict):
            data = self.data.copy()  # a mutable copy: request.POST itself stays as sent
            for key, values in self.data.lists():
                if key not in keep:
                    data.setlist(key, [_neutralised(v) for v in values])
        else:
            data = {k: v if k in keep else _neutralised(v) for k, v in self.data.items()}
        self.data = data


def _neutralised(value):
    if isinstance(value, str):
        return neutralise_bidi(value)
    if isinstance(value, list | tuple):
        return [_neutralised(v) for v in value]
    return value
