"""Patient forms: account set-up and one form per intake step.

Every step form turns its cleaned data into the JSON stored under the step's identifier
(`to_answers`) and back into initial values (`initial_from`). Messages say what to do, in
plain words, next to the field. Every text field is bounded and refuses NUL bytes, so a
paste of any size or kind ends in a message, never a server error (docs/security.md S15).
Every form drops bidi override characters before its fields see the data (portal.text,
docs/security.md S22).
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms.renderers import Jinja2 as Jinja2Renderer
from django.utils import timezone

from intake.screening.measures import (
    MAX_AGE_YEARS,
    MAX_DURATION_MONTHS,
    SCORE_MAX,
    SCORE_MIN,
    age_on,
    peg_score,
)
from intake.screening.vocabulary import (
    ALLERGIES,
    CONDITIONS,
    HISTORY,
    LIMBS,
    PAIN_REGIONS,
    PREGNANCY,
    PREGNANCY_RED_FLAG,
    PREGNANCY_UNCHANGED,
    PREGNANT_STATES,
    REACTION_TIMING,
    REACTIONS,
    RED_FLAGS,
    SEX_AT_BIRTH,
    asks_about_pregnancy,
)
from portal.models import User
from portal.text import NeutraliseBidiMixin

OTHER_ROWS_MAX = 20
MEDICATION_ROWS_MAX = 30

MONTHS = [
    (1, "January"),
    (2, "February"),
    (3, "March"),
    (4, "April"),
    (5, "May"),
    (6, "June"),
    (7, "July"),
    (8, "August"),
    (9, "September"),
    (10, "October"),
    (11, "November"),
    (12, "December"),
]

YES_NO = [("yes", "Yes"), ("no", "No")]

# Ages at which a "pregnant / possibly / trying" answer is plausible; outside them the
# answer or the birth date is almost certainly a slip.
PREGNANCY_AGES = (10, 65)


def today() -> date:
    return timezone.localdate()


def parse_date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


class Text(forms.CharField):
    """A bounded text answer with messages that say what to do."""

    def __init__(self, *, max_length: int, required_message: str = "", **kwargs) -> None:
        messages = {
            "max_length": (
                "This answer is too long: shorten it to %(limit_value)d characters or fewer "
                "(it has %(show_value)d)."
            ),
            "required": required_message or "Answer this question to carry on.",
        }
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(max_length=max_length, error_messages=messages, **kwargs)
        # Django adds its own NUL validator; replace it with one that explains itself.
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, validators.ProhibitNullCharactersValidator)
        ]
        self.validators.insert(
            0,
            validators.ProhibitNullCharactersValidator(
                message=(
                    "This answer contains a hidden control character (a 'null' character), "
                    "often left by copying and pasting. Delete it and type the answer again."
                )
            ),
        )


class Lines(Text):
    """A text area holding one item per line; cleans to a list of non-empty lines."""

    def __init__(self, *, line_max: int = 200, rows_max: int = OTHER_ROWS_MAX, **kwargs) -> None:
        self.line_max = line_max
        self.rows_max = rows_max
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(max_length=line_max * rows_max, required=False, **kwargs)

    def clean(self, value) -> list[str]:
        text = super().clean(value)
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if len(lines) > self.rows_max:
            raise ValidationError(
                f"List at most {self.rows_max} items here, one per line. Your practitioner "
                "can ask you about the rest."
            )
        for line in lines:
            if len(line) > self.line_max:
                raise ValidationError(
                    f"Each line must be {self.line_max} characters or fewer: shorten "
                    f"“{line[:30]}…”."
                )
        return lines


def score_field(label: str, help_text: str = "") -> forms.IntegerField:
    message = f"Enter a whole number from {SCORE_MIN} to {SCORE_MAX}."
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        error_messages={
            "required": f"Choose a number from {SCORE_MIN} to {SCORE_MAX}.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "score-input"}),
    )


def choice_field(label: str, choices, message: str, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=list(choices),
        widget=kwargs.pop("widget", forms.RadioSelect),
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


def multi_field(label: str, choices, **kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=list(choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only from the options shown."},
        **kwargs,
    )


def phone_field(label: str, required: bool = True, message: str = "") -> Text:
    return Text(
        label=label,
        max_length=30,
        required=required,
        required_message=message,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )


PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")


def check_phone(value: str) -> str:
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            "Enter a phone number using digits, spaces and an optional + at the start, "
            "for example 07700 900123."
        )
    return value


def with_helper(form: forms.Form) -> None:
    # Forms are placed inside the page's own <form> (one CSRF token, one set of buttons).
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.disable_csrf = True


# Accounts -------------------------------------------------------------------------------


class PasswordPairForm(NeutraliseBidiMixin, forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        max_length=128,
        help_text="At least 12 characters. A short sentence you will remember works well.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password of at least 12 characters."},
    )
    password2 = forms.CharField(
        label="Type the same password again",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type your password again, to be sure it is right."},
    )

    def __init__(self, *args, email: str = "", full_name: str = "", **kwargs) -> None:
        self.email = email
        self.full_name = full_name
        super().__init__(*args, **kwargs)
        with_helper(self)

    def clean(self) -> dict:
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords are different: type them again.")
        elif one:
            email = data.get("email", self.email)
            name = data.get("full_name", self.full_name)
            try:
                validate_password(one, user=User(email=email or "", full_name=name or ""))
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class RegisterForm(NeutraliseBidiMixin, forms.Form):
    """The first half of self-registration. The password is chosen after the link emailed
    to the address is opened (intake.patient_views.register), so nobody can make an account
    for an address they cannot read, and this form never says whether an address already
    has an account (docs/security.md S6)."""

    full_name = Text(
        label="Your full name",
        max_length=150,
        required_message="Enter your full name.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will email you a link to choose your password. You will use this "
        "address to log in.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
            "max_length": "This email address is too long.",
        },
    )
    field_order = ["full_name", "email"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with_helper(self)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


# Intake steps ---------------------------------------------------------------------------


# The wizard's widgets are drawn with Django's Jinja2 copies of its widget templates: the
# same markup, compiled to Python, several times faster than the template language on the
# pages patients load most (bench/README.md). Only for the wizard: the admin's widgets have
# no Jinja2 templates, so the project's FORM_RENDERER stays Django's default.
STEP_RENDERER = Jinja2Renderer()


class StepForm(NeutraliseBidiMixin, forms.Form):
    """Base for the wizard's forms. `intake` gives cross-step checks (age) their context."""

    default_renderer = STEP_RENDERER

    def rows_changed(self, action: str) -> dict | None:
        """For a form with rows the patient adds and removes (EditableRowsMixin)."""
        return None

    def __init__(self, data=None, *, intake, **kwargs) -> None:
        self.intake = intake
        super().__init__(data, **kwargs)
        with_helper(self)

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        return dict(answers)

    def to_answers(self) -> dict:
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.cleaned_data.items()
        }

    def birth_date(self) -> date | None:
        return parse_date(self.intake.answers.get("about", {}).get("date_of_birth"))

    def as_typed(self) -> dict:
        """What was posted, as initial values: a form made from them shows the answers
        again exactly as typed, without judging them (a step saved unfinished with "Save
        and finish later" is checked only when the patient moves on)."""
        return {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
        }


class AboutForm(StepForm):
    legal_name = Text(
        label="Full legal name",
        max_length=150,
        required_message="Enter your full name as it appears on official documents.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_name = Text(
        label="What should we call you? (optional)",
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        help_text="Day, month and year, for example 14/03/1961.",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %m %Y"],
        # A plain text box, not type="date": what was typed stays visible even when it is
        # not a real date, and older browsers and screen readers handle it predictably.
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"autocomplete": "bday", "inputmode": "numeric"}
        ),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter a real date, for example 14/03/1961.",
        },
    )
    sex_at_birth = choice_field(
        "Sex recorded at birth", SEX_AT_BIRTH.items(), "Choose one of the options."
    )
    phone = phone_field("Phone number", message="Enter a phone number we can reach you on.")
    emergency_name = Text(
        label="Emergency contact: name",
        max_length=150,
        required_message="Enter the name of someone we can call in an emergency.",
    )
    emergency_phone = phone_field(
        "Emergency contact: phone number", message="Enter your emergency contact's phone number."
    )
    physician = Text(
        label="Your GP or primary care doctor (optional)",
        max_length=200,
        required=False,
        help_text="Name and practice, if you know them.",
    )
    language = Text(
        label="Preferred language (optional)",
        max_length=60,
        required=False,
        initial="English",
        widget=forms.TextInput(attrs={"autocomplete": "language"}),
    )

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        initial = dict(answers)
        initial["date_of_birth"] = parse_date(answers.get("date_of_birth"))
        return initial

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        now = today()
        if born > now:
            raise ValidationError("Your date of birth cannot be in the future: check the year.")
        if age_on(born, now) >= MAX_AGE_YEARS:
            raise ValidationError(
                f"This would make you {MAX_AGE_YEARS} or older: check the year of birth."
            )
        return born

    def clean(self) -> dict:
        data = super().clean()
        # The pregnancy answer, if already given, must still fit the (changed) birth date.
        born, sex = data.get("date_of_birth"), data.get("sex_at_birth")
        status = self.intake.answers.get("pregnancy", {}).get("status")
        if born and asks_about_pregnancy(sex) and status in PREGNANT_STATES:
            age = age_on(born, today())
            if not PREGNANCY_AGES[0] <= age <= PREGNANCY_AGES[1]:
                self.add_error(
                    "date_of_birth",
                    f"This makes you {age}, which does not match your answer about pregnancy. "
                    "Check the date, or change that answer on the Pregnancy step first.",
                )
        return data

    def clean_phone(self) -> str:
        return check_phone(self.cleaned_data["phone"])

    def clean_emergency_phone(self) -> str:
        return check_phone(self.cleaned_data["emergency_phone"])


# The three PEG questions (Krebs et al. 2009), asked on the intake's pain step and again on
# every check-in: one wording, one set of limits, one score.
PEG_QUESTIONS: dict[str, str] = {
    "peg_pain": "What number best describes your pain on average in the past week? (0 to 10)",
    "peg_enjoyment": (
        "How much has pain interfered with your enjoyment of life in the past week? "
        "(0 = not at all, 10 = completely)"
    ),
    "peg_activity": (
        "How much has pain interfered with your general activity in the past week? "
        "(0 = not at all, 10 = completely)"
    ),
}


def peg_field(key: str) -> forms.IntegerField:
    return score_field(PEG_QUESTIONS[key])


class PegScoreMixin:
    """The PEG score of a form that asks the three PEG questions."""

    def peg_score(self) -> Decimal:
        data = self.cleaned_data
        return peg_score(
            pain=data["peg_pain"], enjoyment=data["peg_enjoyment"], activity=data["peg_activity"]
        )


class PainForm(PegScoreMixin, StepForm):
    complaint = Text(
        label="What is the main pain or problem you would like help with?",
        max_length=1000,
        required_message="Tell us in a few words about the pain you want help with.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    regions = multi_field("Where do you feel pain? Tick every area.", PAIN_REGIONS.items())
    started_month = forms.TypedChoiceField(
        label="Month",
        coerce=int,
        choices=[("", "Month")] + MONTHS,
        error_messages={
            "required": "Choose the month the pain started (a guess is fine).",
            "invalid_choice": "Choose a month from the list.",
        },
    )
    started_year = forms.IntegerField(
        label="Year",
        min_value=1890,
        max_value=2200,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter the year the pain started (a guess is fine).",
            "invalid": "Enter the year as four digits, for example 2019.",
            "min_value": "Enter the year as four digits, for example 2019.",
            "max_value": "Enter the year as four digits, for example 2019.",
        },
    )
    intensity_now = score_field("Pain right now (0 = no pain, 10 = worst imaginable)")
    intensity_average = score_field("Average pain over the last week (0 to 10)")
    intensity_worst = score_field("Worst pain over the last week (0 to 10)")
    peg_pain = peg_field("peg_pain")
    peg_enjoyment = peg_field("peg_enjoyment")
    peg_activity = peg_field("peg_activity")
    helps = Text(
        label="What makes it better? (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    worsens = Text(
        label="What makes it worse? (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    treatments = Text(
        label="Treatments you have tried, and how they went (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    goals = Text(
        label="What would you like to be able to do again? (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].widget.attrs["class"] = "form-check-input region-checkbox"

    def clean_regions(self) -> list[str]:
        regions = self.cleaned_data["regions"]
        if not regions:
            raise ValidationError("Tick at least one area where you feel pain.")
        return regions

    def clean(self) -> dict:
        data = super().clean()
        month, year = data.get("started_month"), data.get("started_year")
        if month and year:
            now = today()
            if (year, month) > (now.year, now.month):
                self.add_error("started_year", "The pain cannot have started in the future.")
            else:
                born = self.birth_date()
                if born and (year, month) < (born.year, born.month):
                    self.add_error(
                        "started_year",
                        "This is before your date of birth: check the year.",
                    )
                else:
                    months = (now.year - year) * 12 + (now.month - month)
                    if months > MAX_DURATION_MONTHS:
                        self.add_error(
                            "started_year",
                            f"This is more than {MAX_DURATION_MONTHS // 12} years ago: check "
                            "the year.",
                        )
                    else:
                        data["duration_months"] = months
        return data


class ConditionsForm(StepForm):
    conditions = multi_field(
        "Do you have, or have you had, any of these? Tick all that apply.", CONDITIONS.items()
    )
    lymphoedema_limbs = multi_field(
        "If you ticked lymphoedema or lymph nodes removed: which limb?", LIMBS.items()
    )
    other = Lines(
        label="Any other health conditions (optional)",
        help_text="One per line, for example “asthma” or “hip replacement 2018”.",
    )

    def clean(self) -> dict:
        data = super().clean()
        has_lymph = "lymphoedema" in data.get("conditions", [])
        if has_lymph and not data.get("lymphoedema_limbs"):
            self.add_error(
                "lymphoedema_limbs",
                "Tick the arm or leg affected by lymphoedema or lymph node removal.",
            )
        elif data.get("lymphoedema_limbs") and not has_lymph and "conditions" in data:
            self.add_error(
                "lymphoedema_limbs",
                "You ticked a limb but not lymphoedema: tick lymphoedema above, or untick "
                "the limb.",
            )
        return data

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        initial = dict(answers)
        initial["other"] = "\n".join(answers.get("other", []))
        return initial


class PregnancyForm(StepForm):
    status = choice_field(
        "Are you pregnant, or could you be?",
        [(k, v) for k, v in PREGNANCY.items()],
        "Choose one answer, or “Not applicable to me”.",
    )
    weeks = forms.IntegerField(
        label="If you are pregnant: how many weeks?",
        required=False,
        min_value=1,
        max_value=45,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the number of weeks as a whole number, for example 12.",
            "min_value": "Enter a number of weeks from 1 to 45.",
            "max_value": "Enter a number of weeks from 1 to 45.",
        },
    )

    def clean(self) -> dict:
        data = super().clean()
        status = data.get("status")
        # A number out of range already has its own message; one message for one mistake.
        if status == "yes" and not data.get("weeks") and "weeks" not in self.errors:
            self.add_error("weeks", "Enter how many weeks pregnant you are (a guess is fine).")
        if status and status != "yes":
            data["weeks"] = None
        born = self.birth_date()
        if status in PREGNANT_STATES and born:
            age = age_on(born, today())
            if not PREGNANCY_AGES[0] <= age <= PREGNANCY_AGES[1]:
                self.add_error(
                    "status",
                    f"This answer does not match your date of birth (age {age}). Check this "
                    "answer, or go back and check your date of birth.",
                )
        return data


class MedicationRowForm(NeutraliseBidiMixin, forms.Form):
    name = Text(
        label="Name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"list": "medication-names", "autocomplete": "off"}),
    )
    dose = Text(label="Dose (optional)", max_length=80, required=False)
    frequency = Text(label="How often (optional)", max_length=80, required=False)
    reason = Text(label="What for (optional)", max_length=200, required=False)

    def clean(self) -> dict:
        data = super().clean()
        others = any(data.get(k) for k in ("dose", "frequency", "reason"))
        if others and not data.get("name") and "name" not in self.errors:
            self.add_error("name", "Enter the name of this medicine, or remove the row.")
        return data

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in self.fields)


def medicine_formset(row_form: type[forms.Form]) -> type[forms.BaseFormSet]:
    """A formset of medicine rows, bounded, with messages that say what to do."""
    formset = forms.formset_factory(
        row_form,
        extra=0,
        max_num=MEDICATION_ROWS_MAX,
        absolute_max=MEDICATION_ROWS_MAX + 10,
        validate_max=True,
    )
    formset.default_error_messages = {
        **formset.default_error_messages,
        "too_many_forms": f"List at most {MEDICATION_ROWS_MAX} medicines here.",
        "missing_management_form": "The list of medicines was incomplete. Check it and try again.",
    }
    return formset


MedicationFormSet = medicine_formset(MedicationRowForm)


class EditableRowsMixin:
    """A form with a formset of medicine rows that "Add another" and "Remove" buttons edit
    by posting the page (so they work without JavaScript): the page comes back with what
    was typed and one row more or less, and nothing is saved until the patient moves on."""

    PREFIX = ""
    ROW_FORM: type[forms.Form]
    ROWS_KEY = "items"
    # The index of the row "Add another" made, in the initial values of the page after it.
    NEW_ROW = "_new_row"
    new_row: int | None = None

    def make_rows(self, formset: type[forms.BaseFormSet], data, initial) -> forms.BaseFormSet:
        """The rows' formset; a row just added gets the focus, in its name field, when the
        page loads (`autofocus`, so also without JavaScript)."""
        rows = (initial or {}).get(self.ROWS_KEY) or [{}]
        made = formset(data, prefix=self.PREFIX, initial=None if data is not None else rows)
        new = (initial or {}).get(self.NEW_ROW)
        if data is None and new is not None and 0 <= new < len(made.forms):
            made.forms[new].fields["name"].widget.attrs["autofocus"] = True
            self.new_row = new
        return made

    def rows_from_data(self) -> list[dict]:
        """The rows as typed (raw, unvalidated)."""
        data = self.data
        try:
            total = min(int(data.get(f"{self.PREFIX}-TOTAL_FORMS", 0)), MEDICATION_ROWS_MAX)
        except (TypeError, ValueError):
            total = 0
        names = self.ROW_FORM.base_fields
        return [
            {k: str(data.get(f"{self.PREFIX}-{i}-{k}", ""))[:300] for k in names}
            for i in range(total)
        ]

    def as_typed(self) -> dict:
        return {**super().as_typed(), self.ROWS_KEY: self.rows_from_data()}

    def rows_changed(self, action: str) -> dict | None:
        """The initial values of the page after a row button, or None for any other action."""
        if action != "add_row" and not action.startswith("remove_row:"):
            return None
        typed = self.as_typed()
        rows = typed[self.ROWS_KEY]
        if action == "add_row":
            if len(rows) < MEDICATION_ROWS_MAX:
                rows.append({})
                typed[self.NEW_ROW] = len(rows) - 1
        else:
            with contextlib.suppress(ValueError, IndexError):
                del rows[int(action.removeprefix("remove_row:"))]
        typed[self.ROWS_KEY] = rows or [{}]
        return typed


class MedicationsForm(EditableRowsMixin, StepForm):
    """The 'none' choice plus a formset of rows. The formset is validated as part of the
    form, so one `is_valid()` covers both."""

    PREFIX = "med"
    ROW_FORM = MedicationRowForm

    none = forms.BooleanField(label="I take no medications or supplements", required=False)

    def __init__(self, data=None, *, intake, initial=None, **kwargs) -> None:
        super().__init__(data, intake=intake, initial=initial, **kwargs)
        self.formset = self.make_rows(MedicationFormSet, data, initial)

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        return {"none": answers.get("none", False), "items": answers.get("items", [])}

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        if not self.formset.is_valid():
            return
        rows = [f.cleaned_data for f in self.formset.forms if not f.is_blank()]
        none = self.cleaned_data.get("none")
        if none and rows:
            self.add_error(
                "none",
                "You ticked “I take no medications or supplements” but also listed some: "
                "untick it, or remove the rows.",
            )
        elif not none and not rows:
            self.add_error(
                None,
                "List the medicines and supplements you take, or tick “I take no "
                "medications or supplements”.",
            )
        self.cleaned_data["items"] = rows

    def is_valid(self) -> bool:
        return super().is_valid() and (not self.is_bound or self.formset.is_valid())

    def to_answers(self) -> dict:
        return {"none": bool(self.cleaned_data.get("none")), "items": self.cleaned_data["items"]}


class AllergiesForm(StepForm):
    allergies = multi_field(
        "Are you allergic or sensitive to any of these? Tick all that apply.", ALLERGIES.items()
    )
    other_allergies = Lines(
        label="Other allergies (optional)",
        help_text="One per line, for example “penicillin” or “plasters give me a rash”.",
    )
    history = multi_field("Needles and acupuncture: tick any that apply to you.", HISTORY.items())

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        initial = dict(answers)
        initial["other_allergies"] = "\n".join(answers.get("other_allergies", []))
        return initial


# The "None of these" box on the red-flag step: a control, not an answer (nothing of it is
# stored; the answers it gives are).
NONE_OF_THESE = "none_of_these"


class RedFlagsForm(StepForm):
    """One yes-or-no question per red flag, and "None of these", which answers No to every
    question not answered: with it ticked, only a yes needs a click. It never turns a yes
    into a no, whenever it is ticked: a yes may mean the patient should see a doctor first.
    The question about bleeding in pregnancy is asked only where pregnancy applies
    (`asks_pregnancy`, from the step); the Questionnaire's copy of the form asks it."""

    def __init__(self, data=None, *, asks_pregnancy: bool = True, **kwargs) -> None:
        if data is not None and data.get(NONE_OF_THESE):
            data = data.copy()
            for key in RED_FLAGS:
                if not data.get(key):
                    data[key] = "no"
        super().__init__(data, **kwargs)
        for key, text in RED_FLAGS.items():
            if key == PREGNANCY_RED_FLAG and not asks_pregnancy:
                continue
            self.fields[key] = choice_field(text, YES_NO, "Choose yes or no for this question.")

    @property
    def none_of_these(self) -> bool:
        """Whether the page shows "None of these" ticked."""
        if self.is_bound:
            return bool(self.data.get(NONE_OF_THESE))
        return bool(self.initial.get(NONE_OF_THESE))

    def as_typed(self) -> dict:
        return {**super().as_typed(), NONE_OF_THESE: self.none_of_these}


class ConsentForm(StepForm):
    typed_name = Text(
        label="Type your full name as your signature",
        max_length=150,
        required_message="Type your full name to sign.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label="I have read the consent above and I agree to it.",
        error_messages={"required": "Tick the box to say you agree, so that we can go on."},
    )

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        # A signature is given afresh each time the page is shown.
        return {}

    def to_answers(self) -> dict:
        return {"typed_name": self.cleaned_data["typed_name"], "agree": True}


# Check-ins -----------------------------------------------------------------------------
# A check-in asks only what may have changed since the last visit; what it does not ask is
# carried forward (intake.check_ins).

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %m %Y"]


def reported_date_field(label: str) -> forms.DateField:
    """An optional date as the patient remembers it, typed like the date of birth."""
    return forms.DateField(
        label=label,
        required=False,
        help_text="Day, month and year, for example 03/11/2026. A guess is fine.",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric"}),
        error_messages={"invalid": "Enter a real date, for example 03/11/2026."},
    )


def not_in_future(value: date | None) -> date | None:
    if value and value > today():
        raise ValidationError("This date is in the future: check the day, month and year.")
    return value


class PegForm(PegScoreMixin, StepForm):
    peg_pain = peg_field("peg_pain")
    peg_enjoyment = peg_field("peg_enjoyment")
    peg_activity = peg_field("peg_activity")


class CarriedConditions(forms.MultipleChoiceField):
    """A tick list of the conditions the check-in carries forward, as the patient gave them
    (their choices are set per form, from the picture). The FHIR Questionnaire asks it as
    repeating text, since its options are each patient's own (intake.fhir)."""


class SinceForm(ConditionsForm, PregnancyForm):
    """New conditions or diagnoses, conditions the patient says have cleared up, and (where
    pregnancy applies) a change in pregnancy; the checks of both intake steps apply.
    `before` is the picture the check-in carries forward: the conditions offered as cleared
    up, whether pregnancy is asked, and the age check."""

    conditions = multi_field(
        "Since your last visit, have you been told you have any of these? Tick only what is new.",
        CONDITIONS.items(),
    )
    other = Lines(
        label="Any other new health condition or diagnosis (optional)",
        help_text="One per line, for example “broken wrist” or “started dialysis”.",
    )
    resolved = CarriedConditions(
        label="Has any condition you told us about cleared up or gone since then?",
        help_text="Tick only those that have; leave them all unticked if none has. Your "
        "practitioner will ask you about it.",
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only from the conditions shown."},
    )
    status = choice_field(
        "Has anything changed about pregnancy since your last visit?",
        [(PREGNANCY_UNCHANGED, "No change")]
        + [(k, v) for k, v in PREGNANCY.items() if k != "not_applicable"],
        "Choose “No change”, or the answer that is true now.",
    )
    field_order = ["conditions", "lymphoedema_limbs", "other", "resolved", "status", "weeks"]

    def __init__(self, *args, before: dict | None = None, **kwargs) -> None:
        self.before = before or {}
        super().__init__(*args, **kwargs)
        # Each once, as first given, however often (the picture keeps what was typed).
        carried: dict[str, str] = {}
        for condition in self.before.get("conditions", []):
            if condition:
                carried.setdefault(condition.casefold(), condition)
        if carried:
            self.fields["resolved"].choices = [(c, c) for c in carried.values()]
        else:
            del self.fields["resolved"]
        if not asks_about_pregnancy(self.before.get("sex_at_birth")):
            del self.fields["status"]
            del self.fields["weeks"]

    def birth_date(self) -> date | None:
        return parse_date(self.before.get("date_of_birth"))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("status") == PREGNANCY_UNCHANGED:
            data["weeks"] = None
        new = {phrase.casefold() for phrase in condition_phrases(data)}
        both = [c for c in data.get("resolved", []) if c.casefold() in new]
        if both:
            self.add_error(
                "resolved",
                f"You gave “{both[0]}” as new and as cleared up: untick one of them.",
            )
        return data


def condition_phrases(answers: dict) -> list[str]:
    """The conditions an answer of the conditions step gives (or, of a check-in's "since
    your last visit", adds), as the screening input words them: each ticked one by its
    phrase (lymphoedema with its limb), then those typed."""
    phrases = []
    for key in answers.get("conditions", []):
        if key not in CONDITIONS:
            continue
        if key == "lymphoedema" and answers.get("lymphoedema_limbs"):
            phrases.extend(
                f"{CONDITIONS[key]} ({LIMBS[limb]})"
                for limb in answers["lymphoedema_limbs"]
                if limb in LIMBS
            )
        else:
            phrases.append(CONDITIONS[key])
    phrases.extend(answers.get("other", []))
    return phrases


STILL_TAKING = [("yes", "Still taking it"), ("no", "Stopped")]


class StartedRowForm(MedicationRowForm):
    started_on = reported_date_field("When did you start it? (optional)")

    def clean_started_on(self) -> date | None:
        return not_in_future(self.cleaned_data["started_on"])


StartedFormSet = medicine_formset(StartedRowForm)


class MedicineChangesForm(EditableRowsMixin, StepForm):
    """The patient's current medicines (their medication records), each confirmed as still
    taken or stopped (with when), and rows for medicines started since the last visit.
    `records` are the records the page shows; a posted answer about any other is ignored."""

    PREFIX = "new"
    ROW_FORM = StartedRowForm
    ROWS_KEY = "started"

    def __init__(self, data=None, *, intake, records=(), initial=None, **kwargs) -> None:
        super().__init__(data, intake=intake, initial=initial, **kwargs)
        self.records = list(records)
        for record in self.records:
            self.fields[f"still_{record.pk}"] = choice_field(
                record.name,
                STILL_TAKING,
                f"Say whether you still take {record.name[:60]}.",
            )
            self.fields[f"stopped_{record.pk}"] = reported_date_field(
                f"If you stopped {record.name[:60]}: when? (optional)"
            )
        self.formset = self.make_rows(StartedFormSet, data, initial)

    def record_fields(self):
        """(record, still field, stopped field) for the template, in the list's order."""
        return [(r, self[f"still_{r.pk}"], self[f"stopped_{r.pk}"]) for r in self.records]

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        initial: dict = {"started": answers.get("started", [])}
        for item in answers.get("records", []):
            initial[f"still_{item['id']}"] = "yes" if item.get("still") else "no"
            initial[f"stopped_{item['id']}"] = parse_date(item.get("stopped_on"))
        for row in initial["started"]:
            row["started_on"] = parse_date(row.get("started_on"))
        return initial

    def clean(self) -> dict:
        data = super().clean()
        for record in self.records:
            still, stopped = data.get(f"still_{record.pk}"), f"stopped_{record.pk}"
            if stopped in self.errors:
                continue
            when = data.get(stopped)
            if when and still == "yes":
                self.add_error(
                    stopped,
                    "You said you still take this: clear the date, or choose “Stopped”.",
                )
            elif when and when > today():
                self.add_error(stopped, "This date is in the future: check it.")
            elif when and record.started_on and when < record.started_on:
                self.add_error(
                    stopped,
                    "This is before the date you told us you started it: check the year.",
                )
        return data

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not self.formset.is_valid():
            return
        self.cleaned_data["started"] = [
            f.cleaned_data for f in self.formset.forms if not f.is_blank()
        ]

    def is_valid(self) -> bool:
        return super().is_valid() and (not self.is_bound or self.formset.is_valid())

    def to_answers(self) -> dict:
        data = self.cleaned_data
        records = []
        for record in self.records:
            stopped = data.get(f"stopped_{record.pk}")
            records.append(
                {
                    "id": record.pk,
                    "name": record.name,
                    "still": data[f"still_{record.pk}"] == "yes",
                    "stopped_on": stopped.isoformat() if stopped else None,
                }
            )
        started = [
            {
                **{k: row.get(k, "") for k in ("name", "dose", "frequency", "reason")},
                "started_on": row["started_on"].isoformat() if row.get("started_on") else None,
            }
            for row in data["started"]
        ]
        return {"records": records, "started": started}


class ReactionsForm(StepForm):
    """How the patient was after the last treatment. Each reaction ticked is recorded as an
    adverse event when the check-in is submitted."""

    had_reaction = choice_field(
        "After your last treatment, did you have any reaction, such as bruising, feeling "
        "faint, more pain or signs of infection?",
        YES_NO,
        "Choose yes or no.",
    )
    reactions = multi_field("What happened? Tick all that apply.", REACTIONS.items())
    timing = choice_field(
        "When did it start?",
        REACTION_TIMING.items(),
        "Choose when it started (a guess is fine).",
        required=False,
    )
    detail = Text(
        label="A few words about it (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("had_reaction") == "yes":
            if not data.get("reactions") and "reactions" not in self.errors:
                self.add_error("reactions", "Tick what happened, or answer “No” above.")
            if not data.get("timing") and "timing" not in self.errors:
                self.add_error("timing", "Choose when it started (a guess is fine).")
        elif data.get("had_reaction") == "no":
            # Nothing to record: what was ticked before "No" was chosen is dropped.
            data.update(reactions=[], timing="", detail="")
        return data
