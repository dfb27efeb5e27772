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
from intake.screening import decisions, severities
from intake.screening.vocabulary import LIMBS
from portal import roles
from portal.models import User
from portal.text import NeutraliseBidiMixin

Modification = Review.Modification
# Ticked in the form; OTHER is typed in its own box.
MODIFICATION_CHOICES = [(code, text) for code, text in Modification.choices if code != "other"]
MODIFICATION_LABELS = dict(Modification.choices)

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
        label="Status",
        required=False,
        choices=[("", "Not withdrawn"), *Intake.Status.choices],
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


def override_field_name(flag: Flag) -> str:
    return f"override_{flag.pk}"


def override_reason_field_name(flag: Flag) -> str:
    return f"override_reason_{flag.pk}"


OVERRIDE_REASON_MAX_LENGTH = 1000
DETAIL_MISSING = {
    Modification.AVOID_POINTS: "Name the points to avoid.",
    Modification.AVOID_REGION: "Name the body region to avoid.",
    Modification.AVOID_LIMB: "Choose the limb to avoid.",
}


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
    avoid_region = forms.CharField(
        label="Body region to avoid",
        max_length=200,
        required=False,
        help_text="For example the lower abdomen and lower back.",
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
        for flag in self.flags:
            severity = severities.label(flag.severity).lower()
            # The flag itself is shown once, beside this box (flag_rows), so the label
            # names it by its rule; an error says which flag needs what.
            self.fields[ack_field_name(flag)] = forms.BooleanField(
                label=f"I have read {flag.rule}",
                required=flag.needs_acknowledgement,
                error_messages={
                    "required": (
                        f"{flag.rule} “{flag.title}” ({severity}) needs acknowledging: tick "
                        f"“I have read {flag.rule}” once you have read it."
                    )
                },
            )
            if flag.severity in decisions.STANDING_SEVERITIES:
                # An override answers a refer or contraindicated flag whatever the decision;
                # it is explicit (a tick) and always has a written reason.
                override, reason = override_field_name(flag), override_reason_field_name(flag)
                self.fields[override] = forms.BooleanField(
                    label=f"Override {flag.rule}: I will treat despite this flag",
                    required=False,
                )
                self.fields[reason] = forms.CharField(
                    label=f"Reason for overriding {flag.rule}",
                    max_length=OVERRIDE_REASON_MAX_LENGTH,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    help_text="For example: assessed by GP on 3 March, letter seen.",
                )
        self.helper = FormHelper()
        self.helper.form_method = "post"
        # The template owns the <form> tag and its CSRF token.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The flags' own fields are drawn with each flag (templates/intake/practice/review.html).
        self.helper.layout = Layout(
            Field("decision"),
            Field("modifications"),
            Row(
                Column("avoid_points", css_class="col-12 col-md-4"),
                Column("avoid_region", css_class="col-12 col-md-4"),
                Column("avoid_limb", css_class="col-12 col-md-4"),
            ),
            Field("other_modifications"),
            Field("note"),
            Field("signed_name", autocomplete="name"),
            Field("version"),
            Field("run"),
        )

    def flag_rows(self) -> list[tuple]:
        """(flag, acknowledgement, override, override reason) for each flag, in order; the
        override fields are None for a flag that cannot be overridden."""
        rows = []
        for flag in self.flags:
            standing = flag.severity in decisions.STANDING_SEVERITIES
            rows.append(
                (
                    flag,
                    self[ack_field_name(flag)],
                    self[override_field_name(flag)] if standing else None,
                    self[override_reason_field_name(flag)] if standing else None,
                )
            )
        return rows

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
        # A detail named without ticking its box still counts: the intent is plain.
        for code in (Modification.AVOID_POINTS, Modification.AVOID_REGION, Modification.AVOID_LIMB):
            if code in chosen and not data.get(code):
                self.add_error(code, DETAIL_MISSING[code])
            elif data.get(code) and code not in chosen:
                chosen.append(code)
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
        overridden = self._clean_overrides(data)
        if decision:
            unmet = decisions.unmet_flags(
                decision=decision, flags=self.flags, modifications=chosen, overridden=overridden
            )
            for item in unmet:
                self.add_error("decision", self._unmet_message(decision, item))
        if decision and decision != Review.Decision.CLEARED and not data.get("note", "").strip():
            self.add_error("note", "Add a note explaining the decision.")
        return data

    def _clean_overrides(self, data: dict) -> list[Flag]:
        """The flags overridden with a reason. A tick without a reason, or a reason without
        a tick, is sent back: an override must be deliberate and explained."""
        overridden = []
        for flag in self.flags:
            if flag.severity not in decisions.STANDING_SEVERITIES:
                continue
            ticked = data.get(override_field_name(flag))
            reason = " ".join((data.get(override_reason_field_name(flag)) or "").split())
            if ticked and not reason:
                self.add_error(
                    override_reason_field_name(flag),
                    f"Write why you are overriding {flag.rule} “{flag.title}”.",
                )
            elif reason and not ticked:
                self.add_error(
                    override_field_name(flag),
                    f"Tick “Override {flag.rule}” to use the reason you wrote, or clear it.",
                )
            elif ticked:
                overridden.append(flag)
        return overridden

    @staticmethod
    def _unmet_message(decision: str, item: decisions.Unmet) -> str:
        flag = item.flag
        severity = severities.label(flag.severity).lower()
        named = f"{flag.rule} “{flag.title}” ({severity})"
        refer = Review.Decision.REFER.label
        if flag.severity == "refer":
            return f"{named} stands: choose “{refer}”, or override the flag with a written reason."
        if not item.covering_sets:
            return (
                f"{named} cannot be covered by a modification: choose “{refer}” or "
                "“Not suitable for acupuncture”, or override the flag with a written reason."
            )
        modification = decisions.describe_sets(item.covering_sets, MODIFICATION_LABELS)
        if decision == Review.Decision.CLEARED_WITH_MODIFICATIONS:
            return (
                f"{named} needs a modification that covers it ({modification}), or an "
                "override with a written reason."
            )
        return (
            f"{named} stands: choose “{Review.Decision.CLEARED_WITH_MODIFICATIONS.label}” with "
            f"{modification}, or override the flag with a written reason."
        )

    def overrides(self) -> list[dict]:
        """What Review.overrides stores: the flag, what it said, and the reason given."""
        return [
            {
                "flag": flag.pk,
                "rule": flag.rule,
                "severity": flag.severity,
                "title": flag.title,
                "reason": " ".join(self.cleaned_data[override_reason_field_name(flag)].split()),
            }
            for flag in self.flags
            if flag.severity in decisions.STANDING_SEVERITIES
            and self.cleaned_data.get(override_field_name(flag))
        ]

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
            elif code == Modification.AVOID_REGION:
                text = f"{text}: {data['avoid_region']}"
            elif code == Modification.AVOID_LIMB:
                text = f"{text}: {LIMBS[data['avoid_limb']]}"
            items.append({"code": code, "text": text})
        if data.get("other_modifications"):
            items.append({"code": Modification.OTHER, "text": data["other_modifications"]})
        return items
