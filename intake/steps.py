"""The intake wizard as a list of step objects (after pretix's checkout flow).

A step owns everything that is particular to it: its identifier (also its key in
`Intake.answers` and its URL slug), title and form; whether it applies to this intake and
whether it is complete; the extra context its page needs; what saving it writes besides its
answers; the rows it shows on the review pages (`summary_rows`); and its part of the
screening contract's input (`contract`). Code elsewhere loops over the steps and never asks
which step it holds.

Completion lives in the database (`Intake.completed_steps`), so a patient can carry on from
any device. Steps cannot be skipped: a step opens only when every applicable step before it
is complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from intake import forms
from intake.body_map import body_map_html
from intake.models import ConsentSignature, ConsentText, Intake, MedicationRecord
from intake.screening import medication_names, vocabulary
from intake.screening.measures import duration_text
from portal.models import User

# A summary row: (label, value); intake.summary turns the value into text.
Row = tuple[str, object]


def labels(keys: Iterable[str], vocabulary: dict[str, str]) -> list[str]:
    return [vocabulary[k] for k in keys if k in vocabulary]


def show_date(value) -> object:
    try:
        return date_format(date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return value


@dataclass(frozen=True)
class Step:
    identifier: str
    title: str
    form_class: type[forms.StepForm] | None = None
    intro: str = ""

    def is_applicable(self, intake: Intake) -> bool:
        return True

    def is_completed(self, intake: Intake) -> bool:
        return self.identifier in intake.completed_steps

    def url(self, intake: Intake) -> str:
        return reverse("intake:step", args=[intake.pk, self.identifier])

    def make_form(self, intake: Intake, data=None, initial=None) -> forms.StepForm:
        if initial is None:
            initial = self.form_class.initial_from(intake.answers.get(self.identifier, {}))
        return self.form_class(data, intake=intake, initial=initial)

    def page_context(self, intake: Intake, form: forms.StepForm) -> dict:
        """What the step's page shows besides the form."""
        return {}

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        """Write what saving this step changes besides its answers (already in
        `row.answers`) on the locked row; return the further fields to save."""
        return []

    def summary_rows(self, intake: Intake) -> list[Row] | None:
        """The step's answers as rows for the review pages, or None if not answered."""
        answers = (intake.answers or {}).get(self.identifier)
        return None if answers is None else self.rows(answers)

    def rows(self, answers: dict) -> list[Row]:
        return []

    def contract(self, intake: Intake) -> dict:
        """This step's keys of the screening input (docs/screening.md#input): none when it
        has not been answered."""
        answers = (intake.answers or {}).get(self.identifier)
        return {} if answers is None else self.contract_from(answers)

    def contract_from(self, answers: dict) -> dict:
        return {}

    def apply(self, picture: dict, answers: dict, *, records: list) -> None:
        """On a check-in: change the picture carried forward (in the screening input's
        shape) by what this step's answers report. By default the step's own contract
        replaces what the picture said (the red flags are asked afresh each time)."""
        picture.update(self.contract_from(answers))


@dataclass(frozen=True)
class AboutStep(Step):
    def make_form(self, intake: Intake, data=None, initial=None) -> forms.StepForm:
        if initial is None and self.identifier not in intake.answers:
            # The name given when signing up, or the one the clinic's invitation used: the
            # patient confirms or corrects it rather than typing it again.
            initial = {**self.form_class.initial_from({}), "legal_name": intake.patient_name}
        return super().make_form(intake, data, initial)

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        row.patient_name = row.answers["about"]["legal_name"]
        PregnancyStep.follow_about(row)
        RedFlagsStep.follow_pregnancy(row)
        return ["patient_name"]

    def rows(self, answers: dict) -> list[Row]:
        return [
            ("Full legal name", answers.get("legal_name")),
            ("Preferred name", answers.get("preferred_name")),
            ("Date of birth", show_date(answers.get("date_of_birth"))),
            (
                "Sex recorded at birth",
                vocabulary.SEX_AT_BIRTH.get(answers.get("sex_at_birth", ""), None),
            ),
            ("Phone number", answers.get("phone")),
            ("Emergency contact", answers.get("emergency_name")),
            ("Emergency contact's phone", answers.get("emergency_phone")),
            ("GP or primary care doctor", answers.get("physician")),
            ("Preferred language", answers.get("language")),
        ]

    def contract_from(self, answers: dict) -> dict:
        # Pregnancy, which depends on this step too, is the pregnancy step's to say.
        return {key: answers[key] for key in ("date_of_birth", "sex_at_birth") if answers.get(key)}


def peg_rows(answers: dict) -> list[Row]:
    return [
        ("PEG: average pain (0–10)", answers.get("peg_pain")),
        ("PEG: interference with enjoyment of life (0–10)", answers.get("peg_enjoyment")),
        ("PEG: interference with general activity (0–10)", answers.get("peg_activity")),
    ]


def peg_of(answers: dict) -> dict:
    """The PEG items answered, in the contract's `pain.peg` shape."""
    return {
        part: answers[f"peg_{part}"]
        for part in ("pain", "enjoyment", "activity")
        if answers.get(f"peg_{part}") is not None
    }


@dataclass(frozen=True)
class PainStep(Step):
    def page_context(self, intake: Intake, form: forms.StepForm) -> dict:
        if form.is_bound:
            data = form.data
            chosen = set(data.getlist("regions")) if hasattr(data, "getlist") else set()
        else:
            chosen = set(form.initial.get("regions", []))
        return {"body_map_html": body_map_html(chosen)}

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        row.peg_score = form.peg_score()
        return ["peg_score"]

    def rows(self, answers: dict) -> list[Row]:
        month, year = answers.get("started_month"), answers.get("started_year")
        started = None
        if month and year:
            started = f"{dict(forms.MONTHS).get(month, month)} {year}"
            months = answers.get("duration_months")
            if months is not None:
                started += f" (about {duration_text(months)} ago)"
        return [
            ("Main problem", answers.get("complaint")),
            ("Where it hurts", labels(answers.get("regions", []), vocabulary.PAIN_REGIONS)),
            ("Started", started),
            ("Pain now (0–10)", answers.get("intensity_now")),
            ("Average pain last week (0–10)", answers.get("intensity_average")),
            ("Worst pain last week (0–10)", answers.get("intensity_worst")),
            *peg_rows(answers),
            ("What helps", answers.get("helps")),
            ("What makes it worse", answers.get("worsens")),
            ("Treatments tried", answers.get("treatments")),
            ("Goals", answers.get("goals")),
        ]

    def contract_from(self, answers: dict) -> dict:
        if not answers:
            return {}
        block: dict = {"regions": list(answers.get("regions", []))}
        if answers.get("duration_months") is not None:
            block["duration_months"] = answers["duration_months"]
        peg = peg_of(answers)
        if peg:
            block["peg"] = peg
        return {"pain": block}


@dataclass(frozen=True)
class ConditionsStep(Step):
    def rows(self, answers: dict) -> list[Row]:
        rows: list[Row] = [
            ("Conditions ticked", labels(answers.get("conditions", []), vocabulary.CONDITIONS))
        ]
        if "lymphoedema" in answers.get("conditions", []):
            rows.append(
                (
                    "Lymphoedema: limb",
                    labels(answers.get("lymphoedema_limbs", []), vocabulary.LIMBS),
                )
            )
        rows.append(("Other conditions", answers.get("other", [])))
        return rows

    def contract_from(self, answers: dict) -> dict:
        return {"conditions": forms.condition_phrases(answers)}


@dataclass(frozen=True)
class PregnancyStep(Step):
    """Not asked of anyone whose sex at birth is male: completed as not applicable, with an
    answer filled in automatically."""

    AUTOMATIC = {"status": "not_applicable", "weeks": None, "automatic": True}

    @staticmethod
    def applies_to(answers: dict) -> bool:
        return vocabulary.asks_about_pregnancy((answers.get("about") or {}).get("sex_at_birth"))

    @classmethod
    def follow_about(cls, row: Intake) -> None:
        """After the about step is saved: answer this step automatically when it does not
        apply, and ask it again when an automatic answer no longer fits."""
        answers = row.answers
        if not cls.applies_to(answers):
            answers["pregnancy"] = dict(cls.AUTOMATIC)
        elif (answers.get("pregnancy") or {}).get("automatic"):
            del answers["pregnancy"]
        else:
            return
        row.completed_steps = [s for s in row.completed_steps if s != "pregnancy"]

    def is_applicable(self, intake: Intake) -> bool:
        return self.applies_to(intake.answers)

    def is_completed(self, intake: Intake) -> bool:
        return not self.is_applicable(intake) or super().is_completed(intake)

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        RedFlagsStep.follow_pregnancy(row)
        return []

    def rows(self, answers: dict) -> list[Row]:
        rows: list[Row] = [("Pregnancy", vocabulary.PREGNANCY.get(answers.get("status", ""), None))]
        if answers.get("status") == "yes":
            rows.append(("Weeks pregnant", answers.get("weeks")))
        return rows

    def contract(self, intake: Intake) -> dict:
        if "about" in (intake.answers or {}) and not self.is_applicable(intake):
            return {"pregnancy": "not_applicable"}
        return super().contract(intake)

    def contract_from(self, answers: dict) -> dict:
        return {"pregnancy": answers["status"]} if answers.get("status") else {}


@dataclass(frozen=True)
class MedicationsStep(Step):
    def page_context(self, intake: Intake, form: forms.StepForm) -> dict:
        return {"medication_names": medication_names()}

    def rows(self, answers: dict) -> list[Row]:
        if answers.get("none"):
            return [("Medications and supplements", "None taken")]
        rows: list[Row] = []
        for number, item in enumerate(answers.get("items", []), start=1):
            reason = item.get("reason") and f"for {item['reason']}"
            details = ", ".join(
                part for part in (item.get("dose"), item.get("frequency"), reason) if part
            )
            name = item.get("name", "")
            rows.append((f"Medicine {number}", f"{name}{f' ({details})' if details else ''}"))
        return rows

    def contract_from(self, answers: dict) -> dict:
        items = []
        for row in answers.get("items", []):
            if not row.get("name"):
                continue
            item = {"name": row["name"]}
            for key in ("dose", "frequency", "reason"):
                if row.get(key):
                    item[key] = row[key]
            items.append(item)
        return {"medications": items}


@dataclass(frozen=True)
class AllergiesStep(Step):
    def rows(self, answers: dict) -> list[Row]:
        return [
            ("Allergies ticked", labels(answers.get("allergies", []), vocabulary.ALLERGIES)),
            ("Other allergies", answers.get("other_allergies", [])),
            ("Needles and acupuncture", labels(answers.get("history", []), vocabulary.HISTORY)),
        ]

    def contract_from(self, answers: dict) -> dict:
        ticked = answers.get("allergies", [])
        return {
            "allergies": [k for k in vocabulary.ALLERGIES if k in ticked]
            + list(answers.get("other_allergies", [])),
            "history": [k for k in vocabulary.HISTORY if k in answers.get("history", [])],
        }


def pregnancy_now(intake: Intake) -> str | None:
    """The pregnancy answer that holds for this intake: the pregnancy step's (filled in
    automatically for a male sex at birth), or on a check-in the change reported since the
    last visit, else the last visit's."""
    answers = intake.answers or {}
    if not intake.is_check_in:
        return (answers.get("pregnancy") or {}).get("status")
    since = (answers.get("since") or {}).get("status")
    if since and since != vocabulary.PREGNANCY_UNCHANGED:
        return since
    return starting_picture(intake).get("pregnancy")


@dataclass(frozen=True)
class RedFlagsStep(Step):
    """The question about bleeding in pregnancy is asked only where pregnancy applies; an
    answer to it never outlives a change of the pregnancy answer (`follow_pregnancy`)."""

    @staticmethod
    def asks_pregnancy(intake: Intake) -> bool:
        return vocabulary.asks_about_pregnancy_red_flag(pregnancy_now(intake))

    @classmethod
    def follow_pregnancy(cls, row: Intake) -> None:
        """After a step that changes the pregnancy answer is saved: an answer about bleeding
        in pregnancy that no longer applies is dropped, and the red-flag step is asked
        again if the question now applies and has no answer."""
        flags = row.answers.get("red_flags")
        if flags is None:
            return
        key = vocabulary.PREGNANCY_RED_FLAG
        asked = cls.asks_pregnancy(row)
        if not asked and key in flags:
            row.answers["red_flags"] = {k: v for k, v in flags.items() if k != key}
        elif asked and key not in flags:
            row.completed_steps = [s for s in row.completed_steps if s != "red_flags"]

    def make_form(self, intake: Intake, data=None, initial=None) -> forms.StepForm:
        if initial is None:
            initial = self.form_class.initial_from(intake.answers.get(self.identifier, {}))
        return self.form_class(
            data, intake=intake, initial=initial, asks_pregnancy=self.asks_pregnancy(intake)
        )

    def rows(self, answers: dict) -> list[Row]:
        words = {"yes": "Yes", "no": "No"}
        return [
            (question, words.get(answers.get(key, "")))
            for key, question in vocabulary.RED_FLAGS.items()
            if key in answers or key != vocabulary.PREGNANCY_RED_FLAG
        ]

    def contract_from(self, answers: dict) -> dict:
        return {"red_flags": [k for k in vocabulary.RED_FLAGS if answers.get(k) == "yes"]}


@dataclass(frozen=True)
class ConsentStep(Step):
    """Complete only while the signature is for the current consent wording: when the clinic
    publishes new wording, the patient is asked again."""

    def is_completed(self, intake: Intake) -> bool:
        return super().is_completed(intake) and intake.has_current_consent

    def page_context(self, intake: Intake, form: forms.StepForm) -> dict:
        signature = ConsentSignature.objects.filter(intake=intake).first()
        return {
            "consent_text": ConsentText.current(),
            "asked_again": bool(signature and not self.is_completed(intake)),
        }

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        current = ConsentText.current()
        signed_at = timezone.now()
        ConsentSignature.objects.update_or_create(
            intake=row,
            defaults={
                "consent_text": current,
                "signer": user,
                "typed_name": form.cleaned_data["typed_name"],
                "signed_at": signed_at,
            },
        )
        row.answers["consent"]["version"] = current.version
        row.answers["consent"]["signed_at"] = signed_at.isoformat()
        return []

    def summary_rows(self, intake: Intake) -> list[Row] | None:
        # The signature row, not the answers, is the record of consent. A page that read it
        # with the intake (selectors.practice_intake) asks no query for it.
        if Intake.consent.is_cached(intake):
            signature = getattr(intake, "consent", None)
        else:
            signature = (
                ConsentSignature.objects.filter(intake=intake)
                .select_related("consent_text")
                .first()
            )
        if signature is None:
            return None
        return [
            ("Consent wording", f"Version {signature.consent_text.version}"),
            ("Signed as", signature.typed_name),
            ("Signed on", date_format(signature.signed_at, "j F Y, H:i")),
        ]


@dataclass(frozen=True)
class ReviewStep(Step):
    """The last page: every answer, and the Submit button. Never 'complete' in itself."""

    def is_completed(self, intake: Intake) -> bool:
        return intake.is_locked

    def url(self, intake: Intake) -> str:
        return reverse("intake:review_answers", args=[intake.pk])


# The check-in's own steps -----------------------------------------------------------------


@dataclass(frozen=True)
class PegStep(Step):
    """The PEG's three items again; the pain step's questions and score (forms.PegForm)."""

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        row.peg_score = form.peg_score()
        return ["peg_score"]

    def rows(self, answers: dict) -> list[Row]:
        return peg_rows(answers)

    def apply(self, picture: dict, answers: dict, *, records: list) -> None:
        # Where it hurts and for how long stay as the intake said; the PEG is this week's.
        picture["pain"] = {**picture.get("pain", {}), "peg": peg_of(answers)}


@dataclass(frozen=True)
class SinceStep(Step):
    """New conditions or diagnoses (worded as on the intake's conditions step), conditions
    carried forward that the patient says have cleared up, and, where pregnancy applies, a
    change in pregnancy."""

    def make_form(self, intake: Intake, data=None, initial=None) -> forms.StepForm:
        if initial is None:
            initial = self.form_class.initial_from(intake.answers.get(self.identifier, {}))
        return self.form_class(
            data, intake=intake, initial=initial, before=starting_picture(intake)
        )

    def save(self, row: Intake, form: forms.StepForm, *, user: User) -> list[str]:
        RedFlagsStep.follow_pregnancy(row)
        return []

    def rows(self, answers: dict) -> list[Row]:
        rows = [
            ("New conditions ticked", labels(answers.get("conditions", []), vocabulary.CONDITIONS))
        ]
        if answers.get("lymphoedema_limbs"):
            rows.append(
                ("Lymphoedema: limb", labels(answers["lymphoedema_limbs"], vocabulary.LIMBS))
            )
        rows.append(("Other new conditions", answers.get("other", [])))
        if answers.get("resolved"):
            rows.append(("Cleared up, as reported", answers["resolved"]))
        status = answers.get("status")
        if status:
            changed = vocabulary.PREGNANCY.get(status)
            rows.append(("Pregnancy", "No change" if changed is None else f"Now: {changed}"))
            if status == "yes":
                rows.append(("Weeks pregnant", answers.get("weeks")))
        return rows

    def apply(self, picture: dict, answers: dict, *, records: list) -> None:
        # What the patient says has cleared up leaves the picture (as reported: the
        # practitioner sees it among what changed); then what is new joins it.
        gone = {c.casefold() for c in answers.get("resolved", [])}
        kept = [c for c in picture.get("conditions", []) if c.casefold() not in gone]
        known = {c.casefold() for c in kept}
        new = forms.condition_phrases(answers)
        picture["conditions"] = kept + [c for c in new if c.casefold() not in known]
        status = answers.get("status")
        if status and status != vocabulary.PREGNANCY_UNCHANGED:
            picture["pregnancy"] = status


@dataclass(frozen=True)
class MedicineChangesStep(Step):
    """The living medicine list confirmed or updated: each current record still taken or
    stopped, and the medicines started since."""

    def make_form(self, intake: Intake, data=None, initial=None) -> forms.StepForm:
        if initial is None:
            initial = self.form_class.initial_from(intake.answers.get(self.identifier, {}))
        return self.form_class(
            data, intake=intake, initial=initial, records=current_records(intake)
        )

    def page_context(self, intake: Intake, form: forms.StepForm) -> dict:
        return {"medication_names": medication_names()}

    def rows(self, answers: dict) -> list[Row]:
        rows: list[Row] = []
        for item in answers.get("records", []):
            if item.get("still"):
                rows.append(("Still taking", item["name"]))
            else:
                when = item.get("stopped_on")
                rows.append(
                    ("Stopped", f"{item['name']}{f' on {show_date(when)}' if when else ''}")
                )
        for item in answers.get("started", []):
            when = item.get("started_on")
            rows.append(("Started", f"{item['name']}{f' on {show_date(when)}' if when else ''}"))
        return rows or [("Medicines", "None taken, none started")]

    def apply(self, picture: dict, answers: dict, *, records: list) -> None:
        # The list is the patient's records still current, less those stopped now, plus
        # those started: the living record, not the previous picture, is the medicine list.
        stopped = {item["id"] for item in answers.get("records", []) if not item.get("still")}
        kept = [
            {"name": r.name, "dose": r.dose, "frequency": r.frequency, "reason": r.reason}
            for r in records
            if r.pk not in stopped
        ]
        started = [
            {k: item.get(k, "") for k in ("name", "dose", "frequency", "reason")}
            for item in answers.get("started", [])
        ]
        picture["medications"] = BY_ID["medications"].contract_from({"items": kept + started})[
            "medications"
        ]


@dataclass(frozen=True)
class ReactionsStep(Step):
    """A reaction after the last treatment; kept as adverse events when submitted."""

    def rows(self, answers: dict) -> list[Row]:
        if answers.get("had_reaction") != "yes":
            return [("Reaction after the last treatment", "None")]
        return [
            (
                "Reaction after the last treatment",
                labels(answers.get("reactions", []), vocabulary.REACTIONS),
            ),
            ("When it started", vocabulary.REACTION_TIMING.get(answers.get("timing", ""))),
            ("In the patient's words", answers.get("detail")),
        ]

    def apply(self, picture: dict, answers: dict, *, records: list) -> None:
        """Nothing of the screening input changes: a reaction is an adverse event."""


@dataclass(frozen=True)
class CheckInConsentStep(ConsentStep):
    """Asked on a check-in only when the patient has not signed the wording now in force
    (the clinic changed it since): otherwise their earlier signature stands."""

    def is_applicable(self, intake: Intake) -> bool:
        return not intake.consented_elsewhere

    def is_completed(self, intake: Intake) -> bool:
        return not self.is_applicable(intake) or super().is_completed(intake)


def starting_picture(intake: Intake) -> dict:
    """What a check-in carries forward (intake.check_ins)."""
    from intake.check_ins import picture_before

    return picture_before(intake)


def current_records(intake: Intake) -> list[MedicationRecord]:
    return list(MedicationRecord.objects.current(patient_id=intake.patient_id))


STEPS: tuple[Step, ...] = (
    AboutStep(
        "about",
        "About you",
        forms.AboutForm,
        "We use these details to identify you and to reach you or someone close to you.",
    ),
    PainStep(
        "pain",
        "Your pain",
        forms.PainForm,
        "Tell us about the pain you would like help with. Guesses are fine.",
    ),
    ConditionsStep(
        "conditions",
        "Health conditions",
        forms.ConditionsForm,
        "Some conditions change how acupuncture is given safely. If you are not sure, tick it "
        "and your practitioner will ask you about it.",
    ),
    PregnancyStep(
        "pregnancy",
        "Pregnancy",
        forms.PregnancyForm,
        "Some acupuncture points are avoided in pregnancy, so we ask everyone who could be "
        "pregnant.",
    ),
    MedicationsStep(
        "medications",
        "Medications and supplements",
        forms.MedicationsForm,
        "Include prescribed medicines, medicines you buy yourself, vitamins, herbs and "
        "supplements. Blood thinners are especially important.",
    ),
    AllergiesStep(
        "allergies",
        "Allergies and past experiences",
        forms.AllergiesForm,
        "Needles, tape and gloves can contain metals, adhesives or latex.",
    ),
    RedFlagsStep(
        "red_flags",
        "Symptoms to check",
        forms.RedFlagsForm,
        "In the past few weeks, have you had any of the following? These can be signs that "
        "you need to see a doctor first. Answer yes or no to each.",
    ),
    ConsentStep(
        "consent",
        "Consent",
        forms.ConsentForm,
        "Please read this carefully. You can ask your practitioner about any of it.",
    ),
    ReviewStep("review", "Check and submit"),
)


def _check_in_steps() -> tuple[Step, ...]:
    # Built after the intake's steps so the red-flag step and the review page are the very
    # same objects in both lists: the same form, the same urgent help, the same page.
    return (
        PegStep(
            "peg",
            "Your pain this week",
            forms.PegForm,
            "Three questions about the past week, the same as last time, so that your "
            "practitioner can see how things are changing.",
        ),
        SinceStep(
            "since",
            "Since your last visit",
            forms.SinceForm,
            "Only what is new since your last visit: what you told us before is kept.",
        ),
        MedicineChangesStep(
            "medicines",
            "Your medicines",
            forms.MedicineChangesForm,
            "Check the list we have, and add anything you have started. Blood thinners are "
            "especially important.",
        ),
        ReactionsStep(
            "reactions",
            "After your last treatment",
            forms.ReactionsForm,
            "Most people feel fine after acupuncture. Tell us about anything that bothered you.",
        ),
        BY_ID["red_flags"],
        CheckInConsentStep(
            "consent",
            "Consent",
            forms.ConsentForm,
            "The clinic's consent wording has changed since you last agreed to it. Please read "
            "it and sign again.",
        ),
        REVIEW,
    )


BY_ID: dict[str, Step] = {step.identifier: step for step in STEPS}
FORM_STEPS: tuple[Step, ...] = tuple(s for s in STEPS if s.form_class is not None)
REVIEW = BY_ID["review"]
CHECK_IN_STEPS: tuple[Step, ...] = _check_in_steps()
CHECK_IN_FORM_STEPS: tuple[Step, ...] = tuple(s for s in CHECK_IN_STEPS if s.form_class)
CHECK_IN_BY_ID: dict[str, Step] = {step.identifier: step for step in CHECK_IN_STEPS}
# The step whose answers hold the PEG items, by kind: the pain step of an intake, the PEG
# step of a check-in (the pain trend reads only that step's answers, intake/selectors.py).
PEG_STEP: dict[str, str] = {
    Intake.Kind.INTAKE: next(s.identifier for s in STEPS if isinstance(s, PainStep)),
    Intake.Kind.CHECK_IN: next(s.identifier for s in CHECK_IN_STEPS if isinstance(s, PegStep)),
}


def flow(intake: Intake) -> tuple[Step, ...]:
    """The steps of this intake's kind: the first-visit intake's, or a check-in's."""
    return CHECK_IN_STEPS if intake.is_check_in else STEPS


def form_steps(intake: Intake) -> tuple[Step, ...]:
    return CHECK_IN_FORM_STEPS if intake.is_check_in else FORM_STEPS


def get(intake: Intake, identifier: str) -> Step | None:
    return (CHECK_IN_BY_ID if intake.is_check_in else BY_ID).get(identifier)


def number(intake: Intake, step: Step) -> int:
    return flow(intake).index(step) + 1


def total(intake: Intake) -> int:
    return len(flow(intake))


def first_incomplete(intake: Intake) -> Step:
    """The first applicable step not yet completed; the review page when all are done."""
    for step in form_steps(intake):
        if step.is_applicable(intake) and not step.is_completed(intake):
            return step
    return REVIEW


def is_ready(intake: Intake) -> bool:
    return first_incomplete(intake) is REVIEW


def can_open(intake: Intake, step: Step) -> bool:
    order = flow(intake)
    return order.index(step) <= order.index(first_incomplete(intake))


def next_step(intake: Intake, step: Step) -> Step:
    order = flow(intake)
    for later in order[order.index(step) + 1 :]:
        if later.is_applicable(intake):
            return later
    return REVIEW


def prev_step(intake: Intake, step: Step) -> Step | None:
    order = flow(intake)
    for earlier in reversed(order[: order.index(step)]):
        if earlier.is_applicable(intake):
            return earlier
    return None


def progress(intake: Intake, current: Step) -> list[dict]:
    """What the progress list shows: each step, its state and (if it can open) its link."""
    order = flow(intake)
    reachable = order.index(first_incomplete(intake))
    items = []
    for index, step in enumerate(order):
        applicable = step.is_applicable(intake)
        items.append(
            {
                "number": index + 1,
                "title": step.title,
                "current": step == current,
                "completed": step.is_completed(intake) and step is not REVIEW,
                "applicable": applicable,
                "url": step.url(intake) if applicable and index <= reachable else "",
            }
        )
    return items
