"""The intake in HL7 FHIR R4: the questionnaires themselves, and one intake as a transaction Bundle.

There are two Questionnaires: the first visit's intake (`Questionnaire/intake`) and the short
check-in before a follow-up visit (`Questionnaire/check-in`, its own steps in
intake/steps.py). A check-in's response names the check-in questionnaire and its bundle
carries it.

The Questionnaire is read off the wizard's own forms, so it cannot drift from what patients
are asked: one group per step (linkId = the step's identifier) holding one item per field
(linkId = "step.field", the key the answer is stored under). Its version is the portal's
version plus a digest of the items, so any change to a question, an option or a limit gives
a new version without anyone remembering to bump it; a submitted intake keeps the version it
was answered against (`Intake.questionnaire_version`).

An intake's Bundle is a `transaction` of conditional updates (`PUT Type?identifier=…`): sent
twice to a FHIR server, it updates the same resources instead of making copies, and a
retried push is harmless. Each resource carries an identifier in the clinic's namespace
(`<SITE_URL>/fhir/identifier/...`) built from record numbers only. Entries are addressed by
`urn:uuid:` fullUrls derived from those identifiers, so the same intake always exports to the
same references.

What the patient typed stays marked as patient-reported: the QuestionnaireResponse's source
is the Patient, conditions and allergies are `unconfirmed`, medicines are the patient's own
statements. A check-in's bundle carries, besides its response, what it reports as changed:
each medicine started (`active`, from the day given) or stopped (`stopped`, to the day
given), each new condition, and each condition the patient says has cleared up (`resolved`),
still unconfirmed. Codes come from FHIR's own code systems where the meaning matches exactly; no
LOINC or SNOMED code is used, because none could be verified here (the PEG score in
particular has a text-only code). Everything else is coded in the clinic's namespace.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.conf import settings
from django.utils import timezone

from intake import forms, steps
from intake.models import Flag, Intake, Review, ScreeningRun
from intake.practice_forms import MODALITY_LABELS
from intake.screening import identify_medication, vocabulary
from intake.screening.vocabulary import ALLERGIES, CONDITIONS, LIMBS
from portal.models import User

QUESTIONNAIRE_NAME = "PracticeIntake"
CHECK_IN_QUESTIONNAIRE_NAME = "PracticeCheckIn"
MODIFICATIONS = dict(Review.Modification.choices)
PORTAL_VERSION = tomllib.loads(
    (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
)["project"]["version"]

# Extensions defined by FHIR itself or by the SDC implementation guide.
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
# FHIR's own terminology.
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
UCUM = "http://unitsofmeasure.org"

BIRTH_SEX_CODES = {"female": "F", "male": "M"}  # anything else is UNK
# The portal's five severities on FHIR's three (DetectedIssue.severity).
ISSUE_SEVERITY = {
    "refer": "high",
    "contraindicated": "high",
    "defer": "moderate",
    "caution": "moderate",
    "info": "low",
}
# Fields a form's clean() insists on although the field itself is optional.
REQUIRED_BY_CLEAN = {
    "pain.regions",
    "conditions.lymphoedema_limbs",
    "pregnancy.weeks",
    "since.lymphoedema_limbs",
    "since.weeks",
    "reactions.reactions",
    "reactions.timing",
}
# Questions asked only after a given answer: (question, answer code) by linkId.
ENABLE_WHEN = {
    "conditions.lymphoedema_limbs": ("conditions.conditions", "=", "lymphoedema"),
    "pregnancy.weeks": ("pregnancy.status", "=", "yes"),
    # The check-in's own (intake/forms.py SinceForm, ReactionsForm).
    "since.lymphoedema_limbs": ("since.conditions", "=", "lymphoedema"),
    "since.weeks": ("since.status", "=", "yes"),
    "reactions.reactions": ("reactions.had_reaction", "=", "yes"),
    "reactions.timing": ("reactions.had_reaction", "=", "yes"),
    "reactions.detail": ("reactions.had_reaction", "=", "yes"),
}
# The pregnancy step is not asked of anyone whose sex at birth is male (steps.PregnancyStep).
STEP_ENABLE_WHEN = {"pregnancy": ("about.sex_at_birth", "!=", "male")}
# Asked after any one of several answers (enableBehavior "any"), on the intake's
# questionnaire: the red flag about a pregnancy, of a patient who is or may be pregnant
# (steps.RedFlagsStep). A check-in asks it when the pregnancy carried forward from the last
# visit applies, which no answer of the check-in's own says, so there it has no condition.
ENABLE_WHEN_ANY = {
    f"red_flags.{vocabulary.PREGNANCY_RED_FLAG}": [
        ("pregnancy.status", "=", status) for status in sorted(vocabulary.PREGNANT_STATES)
    ]
}
PEG_FIELDS = ("peg_pain", "peg_enjoyment", "peg_activity")
# The step that asks the PEG questions: the pain step of an intake, a check-in's first step.
PEG_STEP = {False: "pain", True: "peg"}
PEG_TEXT = "PEG score (pain, enjoyment of life, general activity): mean of three 0-10 items"
PEG_LABELS = {
    "peg_pain": "PEG: average pain in the past week (0-10)",
    "peg_enjoyment": "PEG: interference with enjoyment of life in the past week (0-10)",
    "peg_activity": "PEG: interference with general activity in the past week (0-10)",
}


def base_url() -> str:
    """The clinic's namespace for canonical URLs, code systems and identifiers."""
    return f"{settings.SITE_URL}/fhir"


def questionnaire_url(*, check_in: bool = False) -> str:
    return f"{base_url()}/Questionnaire/{'check-in' if check_in else 'intake'}"


def code_system(name: str) -> str:
    return f"{base_url()}/CodeSystem/{name}"


def identifier_system(kind: str) -> str:
    return f"{base_url()}/identifier/{kind}"


def extension_url(name: str) -> str:
    return f"{base_url()}/StructureDefinition/{name}"


def fhir_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


# The Questionnaire ------------------------------------------------------------------------


def _step_fields(step: steps.Step) -> dict[str, django_forms.Field]:
    """The fields of a step's form as patients get them (the red-flag questions and the
    medication rows are added when the form is made)."""
    if step.form_class is forms.MedicationsForm:
        return {"none": forms.MedicationsForm.base_fields["none"]}
    if step.form_class is forms.MedicineChangesForm:
        return {}  # one question per medicine on the patient's list: a repeating group
    if step.form_class is forms.SinceForm:
        # Asked of an earlier picture with a condition and no sex at birth, so that every
        # question is in: the conditions cleared up (asked only of a patient who has some)
        # and pregnancy (not asked where the sex at birth is male).
        before = {"conditions": ["a condition"]}
        return dict(step.form_class(intake=Intake(answers={}), before=before).fields)
    return dict(step.form_class(intake=Intake(answers={})).fields)


def _options(link_id: str, field: django_forms.ChoiceField) -> list[dict]:
    return [
        {"valueCoding": {"system": code_system(link_id), "code": str(code), "display": label}}
        for code, label in field.choices
        if code != ""
    ]


def _question(link_id: str, field: django_forms.Field) -> dict:
    item: dict[str, Any] = {"linkId": link_id, "text": str(field.label)}
    if isinstance(field, forms.Lines):
        # One answer per line typed.
        item |= {"type": "string", "repeats": True, "maxLength": field.line_max}
    elif isinstance(field, forms.CarriedConditions):
        # Its options are the patient's own conditions: answered as their text.
        item |= {"type": "string", "repeats": True}
    elif isinstance(field, django_forms.CharField):
        long = isinstance(field.widget, django_forms.Textarea)
        item |= {"type": "text" if long else "string", "maxLength": field.max_length}
    elif isinstance(field, django_forms.DateField):
        item["type"] = "date"
    elif isinstance(field, django_forms.MultipleChoiceField):
        item |= {"type": "choice", "repeats": True, "answerOption": _options(link_id, field)}
    elif isinstance(field, django_forms.ChoiceField):
        item |= {"type": "choice", "answerOption": _options(link_id, field)}
    elif isinstance(field, django_forms.IntegerField):
        item["type"] = "integer"
        item["extension"] = [
            {"url": url, "valueInteger": limit}
            for url, limit in ((MIN_VALUE, field.min_value), (MAX_VALUE, field.max_value))
            if limit is not None
        ]
    elif isinstance(field, django_forms.BooleanField):
        item["type"] = "boolean"
    else:  # a new kind of field must be mapped deliberately, not guessed
        raise TypeError(f"No FHIR item type for {link_id} ({type(field).__name__})")
    if field.required or link_id in REQUIRED_BY_CLEAN:
        item["required"] = True
    if link_id in ENABLE_WHEN:
        item["enableWhen"] = [_condition(*ENABLE_WHEN[link_id])]
    if not item.get("extension"):
        item.pop("extension", None)
    return item


def _condition(question: str, operator: str, code: str) -> dict:
    return {
        "question": question,
        "operator": operator,
        "answerCoding": {"system": code_system(question), "code": code},
    }


def _read_only(link_id: str, kind: str, text: str, **extra) -> dict:
    return {"linkId": link_id, "text": text, "type": kind, "readOnly": True, **extra}


def _extra_items(step: steps.Step) -> list[dict]:
    """Items the portal adds to a step's answers itself: worked out, or recorded."""
    if step.identifier == "pain":
        return [
            _read_only(
                "pain.duration_months",
                "integer",
                "How many months ago the pain started (from the month and year given)",
            ),
            _peg_score_item("pain"),
        ]
    if step.identifier == "peg":
        return [_peg_score_item("peg")]
    if step.identifier == "medicines":
        started = forms.StartedRowForm.base_fields
        return [
            {
                "linkId": "medicines.records",
                "text": "Medicines on the patient's list, confirmed or stopped",
                "type": "group",
                "repeats": True,
                "item": [
                    _read_only("medicines.records.name", "string", "Medicine"),
                    {
                        "linkId": "medicines.records.still",
                        "text": "Still taking it",
                        "type": "boolean",
                        "required": True,
                    },
                    _question(
                        "medicines.records.stopped_on", forms.reported_date_field("When stopped")
                    ),
                ],
            },
            {
                "linkId": "medicines.started",
                "text": "Medicines started since the last visit",
                "type": "group",
                "repeats": True,
                "item": [_question(f"medicines.started.{name}", started[name]) for name in started],
            },
        ]
    if step.identifier == "medications":
        rows = forms.MedicationRowForm.base_fields
        return [
            {
                "linkId": "medications.items",
                "text": "Medicines and supplements taken",
                "type": "group",
                "repeats": True,
                "item": [_question(f"medications.items.{name}", rows[name]) for name in rows],
            }
        ]
    if step.identifier == "consent":
        return [
            _read_only("consent.version", "integer", "Version of the consent wording agreed to"),
            _read_only("consent.signed_at", "dateTime", "When the consent was signed"),
        ]
    return []


def _peg_score_item(step: str) -> dict:
    peg = " + ".join(
        f"%resource.repeat(item).where(linkId='{step}.{name}').answer.value" for name in PEG_FIELDS
    )
    calculated = {
        "url": CALCULATED,
        "valueExpression": {"language": "text/fhirpath", "expression": f"(({peg}) / 3).round(1)"},
    }
    return _read_only(
        f"{step}.peg_score",
        "decimal",
        "PEG score: the mean of the three PEG answers, to one decimal place",
        extension=[calculated],
    )


def _items(check_in: bool = False) -> list[dict]:
    groups = []
    for step in steps.CHECK_IN_FORM_STEPS if check_in else steps.FORM_STEPS:
        children = [
            _question(f"{step.identifier}.{name}", field)
            for name, field in _step_fields(step).items()
        ]
        group = {
            "linkId": step.identifier,
            "text": step.title,
            "type": "group",
            "item": children + _extra_items(step),
        }
        if step.identifier in STEP_ENABLE_WHEN:
            group["enableWhen"] = [_condition(*STEP_ENABLE_WHEN[step.identifier])]
        if not check_in:
            for child in children:
                if child["linkId"] in ENABLE_WHEN_ANY:
                    conditions = ENABLE_WHEN_ANY[child["linkId"]]
                    child["enableWhen"] = [_condition(*c) for c in conditions]
                    child["enableBehavior"] = "any"
        groups.append(group)
    return groups


@cache
def _version_for(base: str, check_in: bool) -> str:
    digest = hashlib.sha256(json.dumps(_items(check_in), sort_keys=True).encode()).hexdigest()
    return f"{PORTAL_VERSION}+{digest[:10]}"


def questionnaire_version(*, check_in: bool = False) -> str:
    """The current questionnaire's version: the portal's version and a digest of the items
    (read with the clinic's own base URL, which is part of every option's code system)."""
    return _version_for(base_url(), check_in)


def questionnaire(*, check_in: bool = False) -> dict:
    """The intake questionnaire (or the check-in's) as a FHIR R4 Questionnaire."""
    return {
        "resourceType": "Questionnaire",
        "url": questionnaire_url(check_in=check_in),
        "version": questionnaire_version(check_in=check_in),
        "name": CHECK_IN_QUESTIONNAIRE_NAME if check_in else QUESTIONNAIRE_NAME,
        "title": f"{settings.PRACTICE_NAME}: "
        + ("check-in before a follow-up visit" if check_in else "intake before a first visit"),
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": settings.PRACTICE_NAME,
        "item": _items(check_in),
    }


# The QuestionnaireResponse ----------------------------------------------------------------


def _answers_of(item: dict, value: Any) -> list[dict]:
    """The FHIR answers for one stored value of a question."""
    values = value if isinstance(value, list) else [value]
    values = [v for v in values if v is not None and v != ""]
    kind = item["type"]
    if kind == "choice":
        labels = {o["valueCoding"]["code"]: o["valueCoding"] for o in item["answerOption"]}
        return [{"valueCoding": labels[str(v)]} for v in values if str(v) in labels]
    key = {
        "string": "valueString",
        "text": "valueString",
        "date": "valueDate",
        "dateTime": "valueDateTime",
        "integer": "valueInteger",
        "decimal": "valueDecimal",
        "boolean": "valueBoolean",
    }[kind]
    return [{key: v} for v in values]


def _answered(item: dict, value: Any) -> dict | None:
    answers = _answers_of(item, value)
    if not answers:
        return None
    return {"linkId": item["linkId"], "text": item["text"], "answer": answers}


def _enabled(item: dict, answers: dict) -> bool:
    """Whether the item's enableWhen holds for these stored answers: every condition, or
    any one of them for enableBehavior "any"."""
    held = []
    for condition in item.get("enableWhen", []):
        step, _, field = condition["question"].partition(".")
        given = answers.get(step, {}).get(field)
        given = [str(v) for v in given] if isinstance(given, list) else [str(given)]
        present = condition["answerCoding"]["code"] in given
        held.append(present == (condition["operator"] == "="))
    if not held:
        return True
    return any(held) if item.get("enableBehavior") == "any" else all(held)


def _response_group(group: dict, stored: dict, answers: dict, intake: Intake) -> dict | None:
    step = group["linkId"]
    children = []
    for item in group["item"]:
        if not _enabled(item, answers):
            continue
        field = item["linkId"].removeprefix(f"{step}.")
        if field == "peg_score":
            value = None if intake.peg_score is None else float(intake.peg_score)
        elif item["type"] == "group" and item.get("repeats"):
            # Rows: medications.items, or a check-in's medicines.records and .started.
            children += _medication_rows(item, stored.get(field, []))
            continue
        else:
            value = stored.get(field)
        answered = _answered(item, value)
        if answered:
            children.append(answered)
    if not children:
        return None
    return {"linkId": step, "text": group["text"], "item": children}


def _medication_rows(group: dict, rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        cells = [
            _answered(item, row.get(item["linkId"].rsplit(".", 1)[1])) for item in group["item"]
        ]
        cells = [cell for cell in cells if cell]
        if cells:
            out.append({"linkId": group["linkId"], "text": group["text"], "item": cells})
    return out


def saved_answers(intake: Intake) -> dict:
    """The answers the patient saved, without drafts, and without steps that do not apply
    (a pregnancy answer filled in automatically for a male sex at birth)."""
    answers = {k: v for k, v in (intake.answers or {}).items() if not k.startswith("_")}
    for step in steps.form_steps(intake):
        if step.identifier in answers and not step.is_applicable(intake):
            del answers[step.identifier]
    return answers


def response_items(intake: Intake) -> list[dict]:
    answers = saved_answers(intake)
    items = []
    for group in questionnaire(check_in=intake.is_check_in)["item"]:
        if group["linkId"] not in answers or not _enabled(group, answers):
            continue
        group_out = _response_group(group, answers[group["linkId"]], answers, intake)
        if group_out:
            items.append(group_out)
    return items


# The Bundle -------------------------------------------------------------------------------


class _Entries:
    """The bundle's entries, each addressed by a stable urn:uuid and sent as a conditional
    update on its identifier."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    @staticmethod
    def ref(kind: str, value: str) -> str:
        name = f"{identifier_system(kind)}|{value}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    def add(self, resource: dict, kind: str, value: str) -> dict:
        identifier = {"system": identifier_system(kind), "value": value}
        if resource["resourceType"] == "QuestionnaireResponse":
            resource["identifier"] = identifier  # 0..1 on this resource
        else:
            resource["identifier"] = [identifier]
        query = urlencode({"identifier": f"{identifier['system']}|{value}"})
        self.entries.append(
            {
                "fullUrl": self.ref(kind, value),
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}?{query}"},
            }
        )
        return {"reference": self.ref(kind, value)}

    def add_questionnaire(self, *, check_in: bool) -> None:
        """The questionnaire the response answers, matched on its canonical URL and version
        (the response names it by those, not by a reference)."""
        url, version = (
            questionnaire_url(check_in=check_in),
            questionnaire_version(check_in=check_in),
        )
        self.entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{url}|{version}')}",
                "resource": questionnaire(check_in=check_in),
                "request": {
                    "method": "PUT",
                    "url": f"Questionnaire?{urlencode({'url': url, 'version': version})}",
                },
            }
        )


def _patient(intake: Intake) -> tuple[dict, str]:
    about = saved_answers(intake).get("about", {})
    resource: dict[str, Any] = {"resourceType": "Patient"}
    legal = about.get("legal_name") or intake.patient_name
    names = [{"use": "official", "text": legal}] if legal else []
    if about.get("preferred_name"):
        names.append({"use": "usual", "text": about["preferred_name"]})
    if names:
        resource["name"] = names
    if about.get("date_of_birth"):
        resource["birthDate"] = about["date_of_birth"]
    if about.get("sex_at_birth"):
        code = BIRTH_SEX_CODES.get(about["sex_at_birth"], "UNK")
        resource["extension"] = [{"url": BIRTH_SEX, "valueCode": code}]
    telecom = []
    if about.get("phone"):
        telecom.append({"system": "phone", "value": about["phone"]})
    email = intake.patient.email if intake.patient else ""
    if not email and intake.invitation:
        email = intake.invitation.email
    if email:
        telecom.append({"system": "email", "value": email})
    if telecom:
        resource["telecom"] = telecom
    if about.get("emergency_name"):
        contact: dict[str, Any] = {
            "relationship": [
                {"coding": [{"system": CONTACT_ROLE, "code": "C", "display": "Emergency Contact"}]}
            ],
            "name": {"text": about["emergency_name"]},
        }
        if about.get("emergency_phone"):
            contact["telecom"] = [{"system": "phone", "value": about["emergency_phone"]}]
        resource["contact"] = [contact]
    if about.get("language"):
        resource["communication"] = [{"language": {"text": about["language"]}, "preferred": True}]
    if about.get("physician"):
        resource["generalPractitioner"] = [{"display": about["physician"]}]
    value = f"account-{intake.patient_id}" if intake.patient_id else f"intake-{intake.pk}"
    return resource, value


def _practitioner(user: User) -> dict:
    return {
        "resourceType": "Practitioner",
        "name": [{"text": user.full_name or user.email}],
        "telecom": [{"system": "email", "value": user.email}],
    }


def _authored(intake: Intake) -> datetime:
    return intake.submitted_at or intake.updated_at or intake.created_at


def _submitted(intake: Intake) -> bool:
    return intake.status in (Intake.Status.SUBMITTED, Intake.Status.REVIEWED)


def _response_status(intake: Intake) -> str:
    # FHIR's word for a response left unfinished for good: a check-in whose visit was
    # cancelled before it was sent.
    if _submitted(intake):
        return "completed"
    return "stopped" if intake.is_withdrawn else "in-progress"


def _response(intake: Intake, patient: dict) -> dict:
    check_in = intake.is_check_in
    version = intake.questionnaire_version or questionnaire_version(check_in=check_in)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(check_in=check_in)}|{version}",
        "status": _response_status(intake),
        "subject": patient,
        "authored": fhir_time(_authored(intake)),
        "author": patient,
        "source": patient,
    }
    items = response_items(intake)
    if items:
        resource["item"] = items
    return resource


def _without_article(label: str) -> str:
    for article in ("a ", "an "):
        if label.startswith(article):
            return label[len(article) :]
    return label


def _medication(row: dict, intake: Intake, patient: dict, response: dict) -> dict:
    matched = identify_medication(row["name"])
    concept: dict[str, Any] = {"text": row["name"]}
    if matched:
        concept["coding"] = [
            {
                "system": code_system("medication-reference"),
                "code": m["generic"],
                "display": m["generic"],
            }
            for m in matched
        ]
        note = "The portal's medication reference read this as " + "; ".join(
            f"{m['generic']} ({m['class_label']})" for m in matched
        )
    else:
        note = "Not in the portal's medication reference: check it with the patient."
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": concept,
        "subject": patient,
        "dateAsserted": fhir_time(_authored(intake)),
        "informationSource": patient,
        "derivedFrom": [response],
        "note": [{"text": f"Patient-reported. {note}."}],
    }
    if matched:
        resource["extension"] = [
            {
                "url": extension_url("medication-class"),
                "valueCoding": {
                    "system": code_system("medication-class"),
                    "code": m["class"],
                    "display": _without_article(m["class_label"]),
                },
            }
            for m in {m["class"]: m for m in matched}.values()
        ]
    if row.get("reason"):
        resource["reasonCode"] = [{"text": row["reason"]}]
    dosage = ", ".join(row[k] for k in ("dose", "frequency") if row.get(k))
    if dosage:
        resource["dosage"] = [{"text": dosage}]
    return resource


def _conditions(answer: dict) -> list[str]:
    """The patient's conditions in words: each ticked one (lymphoedema with its limb), then
    each one typed."""
    phrases = []
    for key in answer.get("conditions", []):
        if key == "lymphoedema" and answer.get("lymphoedema_limbs"):
            limbs = ", ".join(LIMBS[limb] for limb in answer["lymphoedema_limbs"] if limb in LIMBS)
            phrases.append(f"{CONDITIONS[key]} ({limbs})")
        elif key in CONDITIONS:
            phrases.append(CONDITIONS[key])
    return phrases + list(answer.get("other", []))


def _condition_resource(
    text: str, intake: Intake, patient: dict, response: dict, *, clinical: str = ""
) -> dict:
    resource: dict[str, Any] = {"resourceType": "Condition"}
    if clinical:
        resource["clinicalStatus"] = {"coding": [{"system": CONDITION_CLINICAL, "code": clinical}]}
    where = "check-in" if intake.is_check_in else "intake questionnaire"
    return resource | {
        "verificationStatus": {
            "coding": [{"system": CONDITION_VERIFICATION, "code": "unconfirmed"}]
        },
        "code": {"text": text},
        "subject": patient,
        "recordedDate": fhir_time(_authored(intake)),
        "asserter": patient,
        "evidence": [{"detail": [response]}],
        "note": [{"text": f"Patient-reported on the {where}."}],
    }


def _check_in_changes(
    entries: _Entries, intake: Intake, answers: dict, patient: dict, response: dict
) -> None:
    """What a check-in reports as changed since the visit before, each as a resource of its
    own (its response holds the rest): medicines started and stopped, conditions new since
    the picture it carried forward, and conditions the patient says have cleared up."""
    # Imported here: intake.check_ins reads the steps, which reach this module's forms.
    from intake.check_ins import picture_before

    medicines, since = answers.get("medicines", {}), answers.get("since", {})
    for number, row in enumerate(medicines.get("started", []), start=1):
        if not row.get("name"):
            continue
        resource = _medication(row, intake, patient, response)
        resource["note"].append(
            {"text": "Reported on the check-in as started since the last visit."}
        )
        if row.get("started_on"):
            resource["effectivePeriod"] = {"start": row["started_on"]}
        entries.add(resource, "medication-statement", f"intake-{intake.pk}-medication-{number}")
    for item in medicines.get("records", []):
        if item.get("still") or not item.get("name"):
            continue
        resource = _medication({"name": item["name"]}, intake, patient, response)
        resource["status"] = "stopped"
        resource["note"].append(
            {"text": "Reported on the check-in as stopped since the last visit."}
        )
        if item.get("stopped_on"):
            resource["effectivePeriod"] = {"end": item["stopped_on"]}
        entries.add(resource, "medication-statement", f"intake-{intake.pk}-stopped-{item['id']}")
    known = {c.casefold() for c in picture_before(intake).get("conditions", [])}
    new = [c for c in forms.condition_phrases(since) if c.casefold() not in known]
    for number, text in enumerate(new, start=1):
        entries.add(
            _condition_resource(text, intake, patient, response, clinical="active"),
            "condition",
            f"intake-{intake.pk}-condition-{number}",
        )
    for number, text in enumerate(since.get("resolved", []), start=1):
        entries.add(
            _condition_resource(text, intake, patient, response, clinical="resolved"),
            "condition",
            f"intake-{intake.pk}-resolved-{number}",
        )


def _allergy(text: str, intake: Intake, patient: dict) -> dict:
    return {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": ALLERGY_VERIFICATION, "code": "unconfirmed"}]},
        "code": {"text": text},
        "patient": patient,
        "recordedDate": fhir_time(_authored(intake)),
        "asserter": patient,
        "note": [{"text": "Patient-reported on the intake questionnaire."}],
    }


def _peg(intake: Intake, pain: dict, patient: dict, response: dict) -> dict | None:
    parts = [pain.get(key) for key in PEG_LABELS]
    if intake.peg_score is None or None in parts:
        return None
    return {
        "resourceType": "Observation",
        "status": "final" if _submitted(intake) else "preliminary",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        # Text only: no LOINC code for the PEG total could be verified.
        "code": {"text": PEG_TEXT},
        "subject": patient,
        "effectiveDateTime": fhir_time(_authored(intake)),
        "performer": [patient],
        "valueQuantity": {
            "value": float(intake.peg_score),
            "unit": "score",
            "system": UCUM,
            "code": "{score}",
        },
        "derivedFrom": [response],
        "component": [
            {"code": {"text": PEG_LABELS[key]}, "valueInteger": pain[key]} for key in PEG_LABELS
        ],
    }


def _guide_link(flag: Flag) -> str:
    url = flag.guide_url or ""
    return settings.SITE_URL + url if url.startswith("/") and not url.startswith("//") else ""


def _detected_issue(
    flag: Flag, run: ScreeningRun, patient: dict, response: dict, mitigation: list[dict]
) -> dict:
    detail = flag.action
    if flag.affects:
        modalities = ", ".join(MODALITY_LABELS.get(code, code) for code in flag.affects)
        detail += f" Affects: {modalities}."
    if flag.rationale:
        sources = f" (sources {', '.join(flag.sources)})" if flag.sources else ""
        detail += f" Why: {flag.rationale}{sources}"
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "extension": [
            {"url": extension_url("screening-severity"), "valueCode": flag.severity},
            {"url": extension_url("screening-ruleset"), "valueString": run.ruleset},
        ],
        "status": "final",
        "code": {
            "coding": [
                {"system": code_system("screening-rule"), "code": flag.rule, "display": flag.title},
                {"system": code_system("screening-category"), "code": flag.category},
            ],
            "text": flag.title,
        },
        "severity": ISSUE_SEVERITY[flag.severity],
        "patient": patient,
        "identifiedDateTime": fhir_time(run.created_at),
        "author": {"display": f"Portal screening engine, ruleset {run.ruleset}"},
        "evidence": [{"code": [{"text": reason}]} for reason in flag.because]
        + [{"detail": [response]}],
        "detail": detail,
    }
    link = _guide_link(flag)
    if link:
        resource["reference"] = link
    if mitigation:
        resource["mitigation"] = mitigation
    return resource


def _review(review: Review, patient: dict, practitioner: dict, supporting: list[dict]) -> dict:
    notes = [{"text": f"Modification: {item['text']}"} for item in review.modifications]
    # An override is the practitioner treating despite a refer or contraindicated flag; the
    # reason is their own words, so it travels as written.
    notes += [
        {
            "text": f"Override of {item['rule']} ({item['severity']}, {item['title']}): "
            f"{item['reason']}"
        }
        for item in review.overrides
    ]
    if review.note:
        notes.append({"text": review.note})
    notes.append({"text": f"Signed as {review.signed_name} (review version {review.version})."})
    return {
        "resourceType": "ClinicalImpression",
        "extension": [
            {
                "url": extension_url("review-decision"),
                "valueCoding": {
                    "system": code_system("review-decision"),
                    "code": review.decision,
                    "display": review.get_decision_display(),
                },
            }
        ]
        + [
            {
                "url": extension_url("review-modification"),
                "valueCoding": {
                    "system": code_system("review-modification"),
                    "code": item["code"],
                    "display": MODIFICATIONS.get(item["code"], item["code"]),
                },
            }
            for item in review.modifications
        ]
        + [
            {
                "url": extension_url("review-override"),
                "valueString": f"{item['rule']}: {item['reason']}",
            }
            for item in review.overrides
        ],
        "status": "completed",
        "code": {"text": "Practitioner's safety review before acupuncture"},
        "subject": patient,
        "effectiveDateTime": fhir_time(review.signed_at),
        "date": fhir_time(review.signed_at),
        "assessor": practitioner,
        "summary": review.get_decision_display(),
        "supportingInfo": supporting,
        "note": notes,
    }


def bundle(intake: Intake) -> dict:
    """One intake as a FHIR R4 transaction Bundle (see the module's docstring)."""
    entries = _Entries()
    answers = saved_answers(intake)

    entries.add_questionnaire(check_in=intake.is_check_in)

    patient_resource, patient_value = _patient(intake)
    patient = entries.add(patient_resource, "patient", patient_value)
    response = entries.add(_response(intake, patient), "intake-response", f"intake-{intake.pk}")

    medications = answers.get("medications", {})
    for number, row in enumerate(medications.get("items", []), start=1):
        if row.get("name"):
            entries.add(
                _medication(row, intake, patient, response),
                "medication-statement",
                f"intake-{intake.pk}-medication-{number}",
            )
    for number, text in enumerate(_conditions(answers.get("conditions", {})), start=1):
        entries.add(
            _condition_resource(text, intake, patient, response),
            "condition",
            f"intake-{intake.pk}-condition-{number}",
        )
    if intake.is_check_in:
        _check_in_changes(entries, intake, answers, patient, response)
    allergies = answers.get("allergies", {})
    allergy_texts = [ALLERGIES[k] for k in ALLERGIES if k in allergies.get("allergies", [])] + list(
        allergies.get("other_allergies", [])
    )
    for number, text in enumerate(allergy_texts, start=1):
        entries.add(
            _allergy(text, intake, patient), "allergy", f"intake-{intake.pk}-allergy-{number}"
        )

    peg = _peg(intake, answers.get(PEG_STEP[intake.is_check_in], {}), patient, response)
    if peg:
        entries.add(peg, "observation", f"intake-{intake.pk}-peg")

    reviews = list(intake.reviews.select_related("reviewer").prefetch_related("acknowledged_flags"))
    reviews.sort(key=lambda r: r.version)
    practitioners = {}
    for review in reviews:
        if review.reviewer_id not in practitioners:
            practitioners[review.reviewer_id] = entries.add(
                _practitioner(review.reviewer), "practitioner", f"staff-{review.reviewer_id}"
            )

    run = intake.current_run()
    issues: dict[int, dict] = {}
    if run is not None:
        latest = reviews[-1] if reviews else None
        acknowledged = {f.pk for f in latest.acknowledged_flags.all()} if latest else set()
        for flag in run.flags.order_by("position"):
            mitigation = []
            if latest and flag.pk in acknowledged:
                mitigation.append(
                    {
                        "action": {"text": "Acknowledged by the practitioner in their review"},
                        "date": fhir_time(latest.signed_at),
                        "author": practitioners[latest.reviewer_id],
                    }
                )
            issues[flag.pk] = entries.add(
                _detected_issue(flag, run, patient, response, mitigation),
                "screening-flag",
                f"flag-{flag.pk}",
            )

    previous = None
    for review in reviews:
        supporting = [response] + [
            issues[f.pk] for f in review.acknowledged_flags.all() if f.pk in issues
        ]
        resource = _review(review, patient, practitioners[review.reviewer_id], supporting)
        if previous:
            resource["previous"] = previous
        previous = entries.add(resource, "review", f"review-{review.pk}")

    return {
        "resourceType": "Bundle",
        "identifier": {
            "system": identifier_system("intake-bundle"),
            "value": f"intake-{intake.pk}",
        },
        "type": "transaction",
        "timestamp": fhir_time(timezone.now()),
        "entry": entries.entries,
    }
