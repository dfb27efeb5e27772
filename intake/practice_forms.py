"""Forms of the practitioner workspace: dashboard filters, new invitation, signed review.

None of them is a ModelForm: each names exactly the fields a practitioner may send, so
extra POST fields (status, patient, reviewer) have nowhere to go (docs/security.md S3).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.utils import timezone

from intake import selectors
from intake.models import Flag, Intake, Review
from intake.screening import severities
from intake.screening.vocabulary import LIMBS
from portal import roles
from portal.models import User
from portal.text import NeutraliseBidiMixin

Modification = Review.Modification
# Ticked in the form; OTHER is typed in its own box.
MODIFICATION_CHOICES = [(code, text) for code, text in Modification.choices if code != "other"]

# The modality codes of a flag's `affects`, in words
# (docs/clinical-reference.md#grades-severities-and-modalities).
MODALITY_LABELS: dict[str, str] = {
    "MN": "manual needling",
    "EA": "electroacupuncture",
    "MOX": "moxibustion",
    "CUP": "cupping",
    "PTS": "named points or body regions",
    "ALL": "every modality",
}

NOTE_MAX_LENGTH = 5000


class DashboardFilterForm(NeutraliseBidiMixin, forms.Form):
    """Filters for the intake list. The name search travels by POST and is kept in the
    session, so a patient's name never lands in a URL or an access log
    (docs/security.md S13).
    Drawn by hand in templates/intake/practice/_filters.html, which says why."""

    q = forms.CharField(label="Patient name", max_length=150, required=False, strip=True)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Intake.Status.choices]
    )
    severity = forms.ChoiceField(
        label="Highest flag",
        required=False,
        choices=[
            ("", "Any"),
            *((s, severities.LABELS[s]) for s in severities.HIGHEST_FIRST),
            ("none", "No flags"),
        ],
    )
    mine = forms.BooleanField(label="Assigned to me", required=False)

    # Filters that are safe to show in the address bar (and so in pagination links).
    url_fields = ("status", "severity", "mine")


class PractitionerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class InvitationForm(NeutraliseBidiMixin, forms.Form):
    patient_name = forms.CharField(label="Patient's full name", max_length=150)
    email = forms.EmailField(
        label="Patient's email address",
        max_length=254,
        help_text="The invitation link is sent here. It carries no health information.",
    )
    appointment_at = forms.DateTimeField(
        label="Appointment date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    practitioner = PractitionerChoiceField(
        label="Practitioner", queryset=User.objects.none(), empty_label=None
    )
    # A fresh random value each time the form is drawn; see Invitation.form_token.
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["form_token"].initial = secrets.token_urlsafe(24)
        self.fields["practitioner"].queryset = selectors.practitioners()
        if roles.is_practitioner(user):
            self.fields["practitioner"].initial = user.pk
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("send", "Send invitation"))

    def clean_patient_name(self) -> str:
        name = " ".join(self.cleaned_data["patient_name"].split())
        if not name:
            raise forms.ValidationError("Enter the patient's name.")
        return name

    def clean_form_token(self) -> str:
        # A form drawn before the token existed still sends, just without the protection.
        return self.cleaned_data["form_token"] or secrets.token_urlsafe(24)

    def clean_appointment_at(self):
        when = self.cleaned_data["appointment_at"]
        if when <= timezone.now():
            raise forms.ValidationError("The appointment must be in the future.")
        return when


def ack_field_name(flag: Flag) -> str:
    return f"ack_{flag.pk}"


def _normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


class ReviewForm(NeutraliseBidiMixin, forms.Form):
    """A signed decision on one intake, made against the flags of one screening run and one
    review version (both carried in hidden fields and checked when saving)."""

    decision = forms.ChoiceField(
        label="Decision", choices=Review.Decision.choices, widget=forms.RadioSelect
    )
    modifications = forms.MultipleChoiceField(
        label="Modifications",
        required=False,
        choices=MODIFICATION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Required when the decision is “Cleared with modifications”.",
    )
    avoid_points = forms.CharField(
        label="Points to avoid", max_length=200, required=False, help_text="For example LI4, SP6."
    )
    avoid_limb = forms.ChoiceField(
        label="Limb to avoid", required=False, choices=[("", "—"), *LIMBS.items()]
    )
    other_modifications = forms.CharField(
        label="Other modifications",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Required unless the patient is cleared. Up to {NOTE_MAX_LENGTH} characters.",
    )
    signed_name = forms.CharField(
        label="Signature: type your full name",
        max_length=150,
        help_text="Must match the name on your account.",
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    run = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, flags: Iterable[Flag], user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.flags = list(flags)
        ack_names = []
        for flag in self.flags:
            severity = severities.label(flag.severity)
            name = ack_field_name(flag)
            self.fields[name] = forms.BooleanField(
                label=f"I have read {flag.rule} “{flag.title}” ({severity})",
                required=flag.needs_acknowledgement,
                error_messages={
                    "required": (
                        f"Acknowledge the {severity.lower()} flag “{flag.title}” before signing."
                    )
                },
            )
            ack_names.append(name)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        # The template owns the <form> tag and its CSRF token.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *(Field(name) for name in ack_names),
            Field("decision"),
            Field("modifications"),
            Row(
                Column("avoid_points", css_class="col-12 col-md-6"),
                Column("avoid_limb", css_class="col-12 col-md-6"),
            ),
            Field("other_modifications"),
            Field("note"),
            Field("signed_name", autocomplete="name"),
            Field("version"),
            Field("run"),
        )

    def clean_signed_name(self) -> str:
        typed = " ".join(self.cleaned_data["signed_name"].split())
        expected = self.user.full_name
        if not expected.strip():
            raise forms.ValidationError(
                "Your account has no full name to sign with; ask an admin to add it."
            )
        if _normalise_name(typed) != _normalise_name(expected):
            raise forms.ValidationError(
                "The signature must be your full name as it appears on your account."
            )
        return typed

    def clean(self) -> dict:
        data = super().clean()
        decision = data.get("decision")
        chosen = data.get("modifications") or []
        if Modification.AVOID_POINTS in chosen and not data.get("avoid_points"):
            self.add_error("avoid_points", "Name the points to avoid.")
        if Modification.AVOID_LIMB in chosen and not data.get("avoid_limb"):
            self.add_error("avoid_limb", "Choose the limb to avoid.")
        # Details typed without ticking their box still count: the intent is plain.
        if data.get("avoid_points") and Modification.AVOID_POINTS not in chosen:
            chosen.append(Modification.AVOID_POINTS)
        if data.get("avoid_limb") and Modification.AVOID_LIMB not in chosen:
            chosen.append(Modification.AVOID_LIMB)
        data["modifications"] = chosen
        has_modifications = bool(chosen or data.get("other_modifications"))
        modified = Review.Decision.CLEARED_WITH_MODIFICATIONS
        if decision == modified and not has_modifications:
            self.add_error(
                "modifications",
                "Choose at least one modification, or describe it under “Other modifications”.",
            )
        elif decision and has_modifications and decision != modified:
            self.add_error(
                "modifications",
                "Modifications only go with “Cleared with modifications”: choose that "
                "decision or remove them.",
            )
        if decision and decision != Review.Decision.CLEARED and not data.get("note", "").strip():
            self.add_error("note", "Add a note explaining the decision.")
        return data

    def acknowledged_flags(self) -> list[Flag]:
        return [flag for flag in self.flags if self.cleaned_data.get(ack_field_name(flag))]

    def modification_list(self) -> list[dict]:
        """What Review.modifications stores: a code and the words a reader sees."""
        data = self.cleaned_data
        items = []
        for code in data["modifications"]:
            text = Modification(code).label
            if code == Modification.AVOID_POINTS:
                text = f"{text}: {data['avoid_points']}"
            elif code == Modification.AVOID_LIMB:
                text = f"{text}: {LIMBS[data['avoid_limb']]}"
            items.append({"code": code, "text": text})
        if data.get("other_modifications"):
            items.append({"code": Modification.OTHER, "text": data["other_modifications"]})
        return items
