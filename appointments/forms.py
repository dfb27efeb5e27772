"""The practitioner's appointment forms."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from appointments.models import Appointment
from intake.practice_forms import PractitionerChoiceField
from intake.selectors import practitioners
from portal import roles
from portal.models import User
from portal.text import NeutraliseBidiMixin

WHEN_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _future(when):
    if when <= timezone.now():
        raise forms.ValidationError("The appointment must be in the future.")
    return when


class AppointmentForm(NeutraliseBidiMixin, forms.Form):
    patient_name = forms.CharField(label="Patient's full name", max_length=150)
    email = forms.EmailField(
        label="Patient's email address",
        max_length=254,
        help_text="A first visit's invitation goes here at once. It carries no health information.",
    )
    starts_at = forms.DateTimeField(label="Date and time (clinic time)", widget=WHEN_WIDGET)
    kind = forms.ChoiceField(
        label="Kind of appointment",
        choices=Appointment.Kind.choices,
        initial=Appointment.Kind.FIRST_VISIT,
        widget=forms.RadioSelect,
    )
    practitioner = PractitionerChoiceField(
        label="Practitioner", queryset=User.objects.none(), empty_label=None
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners()
        if roles.is_practitioner(user):
            self.fields["practitioner"].initial = user.pk
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("book", "Book appointment"))

    def clean_patient_name(self) -> str:
        name = " ".join(self.cleaned_data["patient_name"].split())
        if not name:
            raise forms.ValidationError("Enter the patient's name.")
        return name

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(label="New date and time (clinic time)", widget=WHEN_WIDGET)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("move", "Move appointment"))

    def clean_starts_at(self):
        return _future(self.cleaned_data["starts_at"])


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or iCalendar (.ics) file",
        help_text="Exported from Jane, Cliniko or Google Calendar, or made from our CSV template.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_enctype = "multipart/form-data"
        self.helper.add_input(Submit("import", "Check and import"))
