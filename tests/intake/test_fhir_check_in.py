"""The follow-up check-in in FHIR: its own Questionnaire (`export_fhir --questionnaire
--check-in`), and a check-in's bundle answering that questionnaire, checked with the
fhir.resources R4B models and by reading the answers back against the stored ones."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from appointments.services import appointment_cancel
from intake import fhir, steps
from intake.models import Intake
from tests.helpers import (
    VALID,
    book_follow_up,
    medicine_changes,
    submitted_check_in,
    submitted_intake,
)
from tests.mailqueue import deliver

CHANGES = {
    "since": {"other": "Broken wrist", "status": "unchanged", "resolved": ["asthma"]},
    "reactions": {
        "had_reaction": "yes",
        "reactions": ["bruising"],
        "timing": "same_day",
        "detail": "A small bruise on the left forearm",
    },
}


@pytest.fixture
def check_in(client, practitioner) -> Intake:
    first = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    deliver()
    mail.outbox.clear()
    check_in = book_follow_up(first.patient, practitioner).intake
    medicines = medicine_changes(check_in.patient, start=[("Ibuprofen 200mg", "01/11/2026")])
    return submitted_check_in(client, check_in, CHANGES | {"medicines": medicines})


def items_by_link(items: list[dict]) -> dict[str, dict]:
    found = {}
    for item in items:
        found[item["linkId"]] = item
        found |= items_by_link(item.get("item", []))
    return found


def read_back(items: list[dict]) -> dict:
    """A response's items as {linkId: [answers as text]}; a repeating group gives a list of
    such dicts under its linkId."""
    out: dict = {}
    for item in items:
        if "answer" in item:
            values = [next(iter(answer.values())) for answer in item["answer"]]
            out[item["linkId"]] = [str(v["code"] if isinstance(v, dict) else v) for v in values]
        elif item["linkId"] in {"medicines.records", "medicines.started"}:
            out.setdefault(item["linkId"], []).append(read_back(item["item"]))
        else:
            out |= read_back(item["item"])
    return out


def stored(answers: dict) -> dict:
    """The stored answers in the same shape (a medicine record's id is not a question)."""
    out: dict = {}
    for step, fields in answers.items():
        if step.startswith("_"):
            continue
        for field, value in fields.items():
            if field in {"records", "started"}:
                out[f"{step}.{field}"] = [
                    {
                        f"{step}.{field}.{key}": [str(cell)]
                        for key, cell in row.items()
                        if key != "id" and cell not in (None, "")
                    }
                    for row in value
                ]
            elif value not in (None, "", []) and field != "peg_score":
                values = value if isinstance(value, list) else [value]
                out[f"{step}.{field}"] = [str(v) for v in values]
    return out


def test_the_check_in_questionnaire_parses_and_is_its_own():
    questionnaire = fhir.questionnaire(check_in=True)
    parsed = Questionnaire.model_validate(questionnaire)
    assert parsed.url.endswith("/fhir/Questionnaire/check-in")
    assert parsed.url != fhir.questionnaire()["url"]
    assert parsed.version == fhir.questionnaire_version(check_in=True)
    assert parsed.version != fhir.questionnaire_version()
    assert [group["linkId"] for group in questionnaire["item"]] == [
        step.identifier for step in steps.CHECK_IN_FORM_STEPS
    ]


def test_its_questions_have_types_conditions_and_the_peg_score():
    items = items_by_link(fhir.questionnaire(check_in=True)["item"])
    assert items["peg.peg_pain"]["type"] == "integer" and items["peg.peg_pain"]["required"]
    expression = items["peg.peg_score"]["extension"][0]["valueExpression"]["expression"]
    assert "linkId='peg.peg_activity'" in expression
    assert items["reactions.timing"]["enableWhen"][0]["question"] == "reactions.had_reaction"
    assert items["since.weeks"]["enableWhen"][0]["question"] == "since.status"
    assert items["medicines.records"]["repeats"] and items["medicines.started"]["repeats"]
    assert items["medicines.records.still"]["type"] == "boolean"
    assert items["medicines.started.started_on"]["type"] == "date"
    # The red-flag questions are the intake's own, under the same linkIds.
    intake_items = items_by_link(fhir.questionnaire()["item"])
    assert {k for k in items if k.startswith("red_flags.")} == {
        k for k in intake_items if k.startswith("red_flags.")
    }


def test_the_command_prints_the_check_in_questionnaire():
    out = StringIO()
    call_command("export_fhir", "--questionnaire", "--check-in", stdout=out)
    parsed = Questionnaire.model_validate_json(out.getvalue())
    assert parsed.url.endswith("/Questionnaire/check-in")


def test_the_command_refuses_check_in_without_questionnaire(db):
    with pytest.raises(CommandError, match="--check-in goes with --questionnaire") as raised:
        call_command("export_fhir", "1", "--check-in")
    assert raised.value.returncode == 2


def test_a_check_ins_bundle_parses_and_answers_the_check_in_questionnaire(check_in):
    assert check_in.questionnaire_version == fhir.questionnaire_version(check_in=True)
    bundle = fhir.bundle(check_in)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    (questionnaire,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Questionnaire"
    ]
    (response,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert questionnaire["url"] == fhir.questionnaire_url(check_in=True)
    assert response["questionnaire"] == f"{questionnaire['url']}|{check_in.questionnaire_version}"
    assert response["status"] == "completed"
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert response["subject"]["reference"] in full_urls
    (peg,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert peg["valueQuantity"]["value"] == float(check_in.peg_score)


def test_a_check_ins_response_round_trips_its_stored_answers(check_in):
    response = fhir._response(check_in, {"reference": "urn:uuid:patient"})
    read = read_back(response["item"])
    assert read.pop("peg.peg_score") == [str(float(check_in.peg_score))]
    assert read == stored(check_in.answers)
    # What was changed is in it: the new condition, the reaction, the medicine started.
    assert read["since.other"] == ["Broken wrist"]
    assert read["since.resolved"] == ["asthma"]
    assert read["reactions.reactions"] == ["bruising"]
    assert read["medicines.started"][0]["medicines.started.name"] == ["Ibuprofen 200mg"]
    assert all(row["medicines.records.still"] == ["True"] for row in read["medicines.records"])


def test_a_withdrawn_check_ins_response_is_stopped(client, practitioner):
    first = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    appointment = book_follow_up(first.patient, practitioner)
    appointment_cancel(appointment=appointment)
    check_in = Intake.objects.get(pk=appointment.intake.pk)
    assert check_in.status == Intake.Status.WITHDRAWN
    bundle = fhir.bundle(check_in)
    Bundle.model_validate(bundle)
    (response,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert response["status"] == "stopped"


def test_a_check_ins_bundle_carries_what_changed_as_resources_of_their_own(client, practitioner):
    first = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    check_in = book_follow_up(first.patient, practitioner).intake
    medicines = medicine_changes(
        check_in.patient, stop={"metformin": "02/11/2026"}, start=[("apixaban", "03/11/2026")]
    )
    since = {
        # Diabetes was on the intake already: ticked again, it is not a new Condition.
        "conditions": ["epilepsy", "diabetes"],
        "other": "Broken wrist",
        "status": "unchanged",
        "resolved": ["asthma"],
    }
    check_in = submitted_check_in(client, check_in, {"since": since, "medicines": medicines})

    bundle = fhir.bundle(check_in)
    Bundle.model_validate(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    def by_type(kind: str) -> list[dict]:
        return [r for r in resources if r["resourceType"] == kind]

    (patient,) = by_type("Patient")
    (response,) = by_type("QuestionnaireResponse")
    refs = {entry["resource"]["resourceType"]: entry["fullUrl"] for entry in bundle["entry"]}

    statements = {r["medicationCodeableConcept"]["text"]: r for r in by_type("MedicationStatement")}
    assert {name: s["status"] for name, s in statements.items()} == {
        "apixaban": "active",
        "metformin": "stopped",
    }
    apixaban, metformin = statements["apixaban"], statements["metformin"]
    assert apixaban["effectivePeriod"] == {"start": "2026-11-03"}
    assert [c["code"] for c in apixaban["medicationCodeableConcept"]["coding"]] == ["apixaban"]
    assert metformin["effectivePeriod"] == {"end": "2026-11-02"}
    for statement in statements.values():
        assert statement["subject"]["reference"] == refs["Patient"]
        assert statement["derivedFrom"] == [{"reference": refs["QuestionnaireResponse"]}]

    conditions = {
        c["code"]["text"]: c["clinicalStatus"]["coding"][0]["code"] for c in by_type("Condition")
    }
    assert conditions == {
        "epilepsy or seizures": "active",
        "Broken wrist": "active",
        "asthma": "resolved",
    }
    for condition in by_type("Condition"):
        assert condition["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
        assert condition["note"] == [{"text": "Patient-reported on the check-in."}]
    assert patient["resourceType"] == "Patient" and response["status"] == "completed"
    # Exported again, the same resources under the same addresses (a push updates them).
    assert [e["fullUrl"] for e in fhir.bundle(check_in)["entry"]] == [
        e["fullUrl"] for e in bundle["entry"]
    ]
