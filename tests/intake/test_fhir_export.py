"""The FHIR R4 export: the intake Questionnaire and an intake's transaction Bundle, checked
with the fhir.resources R4B models, by reading the answers back out of the response, and by
following every reference inside the bundle."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from intake import fhir
from intake.models import Intake
from portal.models import AuditEvent
from tests.helpers import (
    EXPORT_ANSWERS,
    accept,
    invite,
    review_data,
    sign_in,
    step_url,
    submitted_intake,
)

ROOT = Path(__file__).resolve().parents[2]


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def one(bundle: dict, kind: str) -> dict:
    (found,) = resources(bundle, kind)
    return found


def references(node) -> list[str]:
    """Every Reference.reference anywhere in a resource."""
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        if node.get("resourceType") == "DetectedIssue":
            found = []  # DetectedIssue.reference is the guide link (a uri), not a Reference
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


def answers_in(items: list[dict]) -> dict:
    """A response's items read back as {linkId: [answers as text]}; a repeating group gives
    a list of such dicts. A coding gives its code."""
    out: dict = {}
    for item in items:
        if "answer" in item:
            values = [next(iter(answer.values())) for answer in item["answer"]]
            out[item["linkId"]] = [str(v["code"] if isinstance(v, dict) else v) for v in values]
        elif item["linkId"] == "medications.items":
            out.setdefault(item["linkId"], []).append(answers_in(item["item"]))
        else:  # a step's group
            out |= answers_in(item["item"])
    return out


def stored_as_answers(answers: dict) -> dict:
    """The stored answers in the same shape: every value given, as text."""
    out: dict = {}
    for step, fields in answers.items():
        for field, value in fields.items():
            if field == "items":
                out["medications.items"] = [
                    {f"medications.items.{k}": [str(v)] for k, v in row.items() if v}
                    for row in value
                ]
            elif value not in (None, "", []):
                values = value if isinstance(value, list) else [value]
                out[f"{step}.{field}"] = [str(v) for v in values]
    return out


@pytest.fixture
def reviewed(client, practitioner, practitioner_client) -> Intake:
    intake = submitted_intake(client, practitioner, EXPORT_ANSWERS, "harriet@example.com")
    response = practitioner_client.post(
        reverse("intake:review", args=[intake.pk]), review_data(intake)
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    return intake


# Questionnaire -----------------------------------------------------------------------


def all_items(items: list[dict]) -> list[dict]:
    return [x for item in items for x in [item, *all_items(item.get("item", []))]]


def test_it_exports_a_questionnaire_that_parses():
    questionnaire = fhir.questionnaire()

    Questionnaire.model_validate(questionnaire)
    assert questionnaire["url"].endswith("/fhir/Questionnaire/intake")
    assert questionnaire["version"].startswith("0.1.0+")


def test_it_keeps_stable_link_ids_with_types_options_and_required():
    items = {item["linkId"]: item for item in all_items(fhir.questionnaire()["item"])}

    assert [i["linkId"] for i in fhir.questionnaire()["item"]] == [
        "about",
        "pain",
        "conditions",
        "pregnancy",
        "medications",
        "allergies",
        "red_flags",
        "consent",
    ]
    assert items["about.legal_name"] == {
        "linkId": "about.legal_name",
        "text": "Full legal name",
        "type": "string",
        "maxLength": 150,
        "required": True,
    }
    assert items["about.date_of_birth"]["type"] == "date"
    assert [o["valueCoding"]["code"] for o in items["about.sex_at_birth"]["answerOption"]] == [
        "female",
        "male",
        "intersex",
        "prefer_not_to_say",
    ]
    assert items["pain.regions"]["repeats"] is True and items["pain.regions"]["required"] is True
    assert items["pain.complaint"]["type"] == "text"
    assert items["pain.peg_pain"]["type"] == "integer"
    assert {e["valueInteger"] for e in items["pain.peg_pain"]["extension"]} == {0, 10}
    assert items["conditions.other"] == {
        "linkId": "conditions.other",
        "text": "Any other health conditions (optional)",
        "type": "string",
        "repeats": True,
        "maxLength": 200,
    }
    assert items["medications.none"]["type"] == "boolean"
    assert items["medications.items"]["repeats"] is True
    assert [i["linkId"] for i in items["medications.items"]["item"]] == [
        "medications.items.name",
        "medications.items.dose",
        "medications.items.frequency",
        "medications.items.reason",
    ]
    assert items["red_flags.night_pain"]["required"] is True
    assert "required" not in items["about.preferred_name"]
    assert items["consent.agree"]["required"] is True


def test_it_asks_about_pregnancy_only_when_the_sex_at_birth_is_not_male():
    items = {item["linkId"]: item for item in all_items(fhir.questionnaire()["item"])}

    (condition,) = items["pregnancy"]["enableWhen"]
    assert condition["question"] == "about.sex_at_birth"
    assert condition["operator"] == "!="
    assert condition["answerCoding"]["code"] == "male"
    assert items["pregnancy.weeks"]["enableWhen"][0]["answerCoding"]["code"] == "yes"
    assert items["conditions.lymphoedema_limbs"]["enableWhen"][0]["question"] == (
        "conditions.conditions"
    )


def test_it_asks_about_bleeding_in_pregnancy_only_of_a_patient_who_may_be_pregnant():
    items = {item["linkId"]: item for item in all_items(fhir.questionnaire()["item"])}
    item = items["red_flags.pregnancy_bleeding"]
    assert item["enableBehavior"] == "any"
    assert [
        (c["question"], c["operator"], c["answerCoding"]["code"]) for c in item["enableWhen"]
    ] == [
        ("pregnancy.status", "=", "possible"),
        ("pregnancy.status", "=", "trying"),
        ("pregnancy.status", "=", "yes"),
    ]
    assert "enableWhen" not in items["red_flags.night_pain"]
    # Whether it applies is read from the stored answers, as the wizard asks it.
    assert fhir._enabled(item, {"pregnancy": {"status": "possible"}})
    assert not fhir._enabled(item, {"pregnancy": {"status": "no"}})
    # A check-in asks it after the pregnancy carried forward, which its own answers do not
    # hold: there it has no condition.
    check_in = {i["linkId"]: i for i in all_items(fhir.questionnaire(check_in=True)["item"])}
    assert "enableWhen" not in check_in["red_flags.pregnancy_bleeding"]


def test_it_calculates_the_peg_score_from_the_three_answers():
    items = {item["linkId"]: item for item in all_items(fhir.questionnaire()["item"])}
    peg = items["pain.peg_score"]

    assert peg["type"] == "decimal" and peg["readOnly"] is True
    (calculated,) = peg["extension"]
    assert calculated["url"].endswith("sdc-questionnaire-calculatedExpression")
    expression = calculated["valueExpression"]["expression"]
    for link in ("pain.peg_pain", "pain.peg_enjoyment", "pain.peg_activity"):
        assert f"linkId='{link}'" in expression
    assert "/ 3" in expression


def test_its_version_changes_with_the_questions(monkeypatch):
    before = fhir.questionnaire_version()
    monkeypatch.setattr(
        fhir, "_items", lambda check_in=False: [{"linkId": "about", "type": "group"}]
    )
    fhir._version_for.cache_clear()
    try:
        assert fhir.questionnaire_version() != before
    finally:
        monkeypatch.undo()
        fhir._version_for.cache_clear()
    assert fhir.questionnaire_version() == before


# Bundle ------------------------------------------------------------------------------


def test_every_resource_in_the_bundle_parses(reviewed):
    bundle = fhir.bundle(reviewed)

    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:3] == ["Questionnaire", "Patient", "QuestionnaireResponse"]
    assert kinds.count("MedicationStatement") == 3
    assert {"AllergyIntolerance", "Condition", "Observation", "DetectedIssue"} <= set(kinds)
    assert {"Practitioner", "ClinicalImpression"} <= set(kinds)


def test_every_reference_inside_the_bundle_resolves(reviewed):
    bundle = fhir.bundle(reviewed)
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]

    assert len(full_urls) == len(set(full_urls))
    refs = references([entry["resource"] for entry in bundle["entry"]])
    assert len(refs) > 20
    assert set(refs) <= set(full_urls)
    questionnaire = one(bundle, "Questionnaire")
    response = one(bundle, "QuestionnaireResponse")
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"


def test_it_is_a_transaction_of_conditional_updates(reviewed):
    bundle = fhir.bundle(reviewed)

    assert bundle["type"] == "transaction"
    for entry in bundle["entry"][1:]:
        kind = entry["resource"]["resourceType"]
        assert entry["request"]["method"] == "PUT"
        assert entry["request"]["url"].startswith(f"{kind}?identifier=")
    # Exported twice, the same resources keep the same addresses.
    again = fhir.bundle(reviewed)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]


def test_the_response_holds_every_stored_answer(reviewed):
    response = one(fhir.bundle(reviewed), "QuestionnaireResponse")

    read = answers_in(response["item"])
    peg = read.pop("pain.peg_score")
    assert read == stored_as_answers(reviewed.answers)
    assert len(read["medications.items"]) == 3
    assert read["conditions.other"] == ["asthma", "hip replacement 2018"]
    assert peg == ["7.0"]  # (7 + 6 + 8) / 3
    assert response["status"] == "completed"
    assert response["authored"] == reviewed.submitted_at.isoformat(timespec="seconds")
    assert response["questionnaire"].endswith(f"|{reviewed.questionnaire_version}")


def test_it_names_each_medicine_as_typed_with_what_the_reference_matched(reviewed):
    statements = {
        s["medicationCodeableConcept"]["text"]: s
        for s in resources(fhir.bundle(reviewed), "MedicationStatement")
    }

    eliquis = statements["Eliquis 5mg"]
    assert [c["code"] for c in eliquis["medicationCodeableConcept"]["coding"]] == ["apixaban"]
    assert [e["valueCoding"]["code"] for e in eliquis["extension"]] == ["anticoagulant"]
    assert eliquis["extension"][0]["valueCoding"]["display"] == "anticoagulant"
    assert eliquis["dosage"] == [{"text": "5 mg, twice daily"}]
    assert eliquis["reasonCode"] == [{"text": "blood pressure"}]
    assert eliquis["status"] == "active"
    both = statements["warfarin and aspirin"]
    assert [c["code"] for c in both["medicationCodeableConcept"]["coding"]] == [
        "warfarin",
        "aspirin",
    ]
    assert [e["valueCoding"]["code"] for e in both["extension"]] == [
        "anticoagulant",
        "antiplatelet",
    ]
    unknown = statements["Zyntrex"]
    assert "coding" not in unknown["medicationCodeableConcept"]
    assert "extension" not in unknown
    assert "Not in the portal's medication reference" in unknown["note"][0]["text"]


def test_it_lists_conditions_and_allergies_as_patient_reported(reviewed):
    bundle = fhir.bundle(reviewed)

    conditions = resources(bundle, "Condition")
    assert [c["code"]["text"] for c in conditions] == [
        "diabetes",
        "lymphoedema or lymph nodes removed (left arm)",
        "asthma",
        "hip replacement 2018",
    ]
    assert {c["verificationStatus"]["coding"][0]["code"] for c in conditions} == {"unconfirmed"}
    allergies = resources(bundle, "AllergyIntolerance")
    assert [a["code"]["text"] for a in allergies] == [
        "Metals, such as nickel (for example in jewellery or watch straps)",
        "Latex (rubber gloves, balloons)",
        "penicillin",
    ]
    assert {a["verificationStatus"]["coding"][0]["code"] for a in allergies} == {"unconfirmed"}
    patient = one(bundle, "Patient")
    response = one(bundle, "QuestionnaireResponse")
    assert response["source"] == response["subject"]
    assert patient["name"][0] == {"use": "official", "text": "Harriet Quill-Nguyễn"}
    assert patient["birthDate"] == "1961-03-14"
    assert patient["extension"] == [
        {
            "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
            "valueCode": "F",
        }
    ]
    assert {"system": "phone", "value": "07700 900123"} in patient["telecom"]
    assert {"system": "email", "value": "harriet@example.com"} in patient["telecom"]
    assert patient["contact"][0]["name"] == {"text": "Sam Quill"}


def test_it_gives_the_peg_score_as_an_observation_with_a_text_only_code(reviewed):
    (peg,) = resources(fhir.bundle(reviewed), "Observation")

    assert peg["valueQuantity"]["value"] == 7.0
    assert peg["valueQuantity"]["code"] == "{score}"
    assert "coding" not in peg["code"]  # no LOINC code could be verified
    assert [c["valueInteger"] for c in peg["component"]] == [7, 6, 8]
    assert peg["status"] == "final"


def test_it_gives_each_flag_as_a_detected_issue(reviewed):
    bundle = fhir.bundle(reviewed)
    run = reviewed.current_run()
    issues = resources(bundle, "DetectedIssue")

    flags = list(run.flags.order_by("position"))
    assert [i["code"]["coding"][0]["code"] for i in issues] == [f.rule for f in flags]
    bleeding = next(i for i in issues if i["code"]["coding"][0]["code"] == "R06")
    flag = next(f for f in flags if f.rule == "R06")
    assert bleeding["code"]["coding"][1]["code"] == "bleeding"
    assert bleeding["severity"] == {"caution": "moderate", "defer": "moderate"}.get(
        flag.severity, "high"
    )
    extensions = {e["url"].rsplit("/", 1)[1]: e for e in bleeding["extension"]}
    assert extensions["screening-severity"]["valueCode"] == flag.severity
    assert extensions["screening-ruleset"]["valueString"] == run.ruleset
    assert [e["code"][0]["text"] for e in bleeding["evidence"][:-1]] == flag.because
    assert any("Eliquis 5mg" in reason for reason in flag.because)
    assert bleeding["reference"] == "http://127.0.0.1:8000" + flag.guide_url
    assert flag.action in bleeding["detail"]
    # The review acknowledged every flag: each says so, by whom and when.
    practitioner = next(
        e for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"
    )
    for issue in issues:
        (mitigation,) = issue["mitigation"]
        assert mitigation["author"] == {"reference": practitioner["fullUrl"]}


def test_it_gives_the_review_with_decision_modifications_who_and_when(reviewed):
    bundle = fhir.bundle(reviewed)
    review = reviewed.latest_review()

    impression = one(bundle, "ClinicalImpression")
    practitioner = one(bundle, "Practitioner")
    assert practitioner["name"] == [{"text": "Dr Lin Wei"}]
    decision = impression["extension"][0]["valueCoding"]
    assert decision["code"] == "modified"
    assert impression["summary"] == "Cleared with modifications"
    modifications = [
        e["valueCoding"]["code"]
        for e in impression["extension"]
        if e["url"].endswith("review-modification")
    ]
    assert modifications == ["no_electro"]
    assert {"text": "Modification: No electroacupuncture"} in impression["note"]
    assert {"text": "Reviewed."} in impression["note"]
    assert impression["date"] == review.signed_at.isoformat(timespec="seconds")
    by_url = {e["fullUrl"]: e["resource"]["resourceType"] for e in bundle["entry"]}
    assert by_url[impression["assessor"]["reference"]] == "Practitioner"
    supporting = [by_url[ref["reference"]] for ref in impression["supportingInfo"]]
    assert supporting.count("DetectedIssue") == reviewed.current_run().flags.count()


def test_it_carries_each_override_and_its_reason_into_the_review(reviewed):
    review = reviewed.latest_review()
    review.overrides = [
        {
            "flag": 1,
            "rule": "RF03",
            "severity": "refer",
            "title": "Thunderclap headache",
            "reason": "Assessed by GP on 3 Nov, letter seen",
        }
    ]
    review.save(update_fields=["overrides"])

    bundle = fhir.bundle(reviewed)

    Bundle.model_validate(bundle)  # the whole bundle still parses
    impression = one(bundle, "ClinicalImpression")
    assert {
        "text": "Override of RF03 (refer, Thunderclap headache): "
        "Assessed by GP on 3 Nov, letter seen"
    } in impression["note"]
    overrides = [e for e in impression["extension"] if e["url"].endswith("review-override")]
    assert overrides == [
        {
            "url": overrides[0]["url"],
            "valueString": "RF03: Assessed by GP on 3 Nov, letter seen",
        }
    ]


def test_a_draft_is_an_in_progress_response_without_drafts_or_flags(client, practitioner):
    intake, path = invite(practitioner, email="draft@example.com")
    accept(client, path)
    for step in ("about", "pain"):
        client.post(step_url(intake, step), dict(EXPORT_ANSWERS[step], action="next"))
    # Typed on the next step but not valid yet: kept as a draft, never exported.
    client.post(step_url(intake, "conditions"), {"other": "typed, not saved\x00", "action": "next"})
    intake.refresh_from_db()
    assert "conditions" in intake.answers["_drafts"]

    bundle = fhir.bundle(intake)

    Bundle.model_validate(bundle)
    response = one(bundle, "QuestionnaireResponse")
    assert response["status"] == "in-progress"
    assert response["authored"] == intake.updated_at.isoformat(timespec="seconds")
    assert [group["linkId"] for group in response["item"]] == ["about", "pain"]
    assert "typed, not saved" not in json.dumps(bundle)
    assert resources(bundle, "DetectedIssue") == []
    assert one(bundle, "Observation")["status"] == "preliminary"


def test_a_male_patient_is_not_asked_about_pregnancy(client, practitioner):
    answers = {step: dict(values) for step, values in EXPORT_ANSWERS.items()}
    answers["about"]["sex_at_birth"] = "male"
    intake = submitted_intake(client, practitioner, answers, "m@example.com")

    response = one(fhir.bundle(intake), "QuestionnaireResponse")

    assert "pregnancy" in intake.answers  # filled in as not applicable by the portal
    assert "pregnancy" not in [group["linkId"] for group in response["item"]]
    patient = one(fhir.bundle(intake), "Patient")
    assert patient["extension"][0]["valueCode"] == "M"


# Downloads and the command ----------------------------------------------------------


def test_the_download_is_audited_not_stored_and_named_by_number(practitioner, reviewed):
    client = sign_in(Client(), practitioner)

    response = client.get(reverse("intake:intake_fhir", args=[reviewed.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="intake-{reviewed.pk}-fhir.json"'
    )
    assert "no-store" in response["Cache-Control"]
    Bundle.model_validate_json(response.content)
    assert AuditEvent.objects.filter(
        actor=practitioner, action="export", object_id=str(reviewed.pk), path__endswith="fhir.json"
    ).exists()


def test_only_practitioners_download_the_bundle(admin_user, reviewed):
    url = reverse("intake:intake_fhir", args=[reviewed.pk])

    assert Client().get(url).status_code == 302  # to the login page
    assert sign_in(Client(), reviewed.patient).get(url).status_code == 403
    assert sign_in(Client(), admin_user).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_unknown_intake_is_a_404(practitioner_client):
    assert practitioner_client.get(reverse("intake:intake_fhir", args=[987654])).status_code == 404


def test_the_command_prints_the_bundle_and_audits_it(reviewed):
    out = StringIO()

    call_command("export_fhir", str(reviewed.pk), stdout=out)

    bundle = Bundle.model_validate_json(out.getvalue())
    assert bundle.type == "transaction"
    assert AuditEvent.objects.filter(
        actor=None, action="export", object_id=str(reviewed.pk)
    ).exists()


def test_the_command_prints_the_questionnaire():
    out = StringIO()

    call_command("export_fhir", "--questionnaire", stdout=out)

    assert Questionnaire.model_validate_json(out.getvalue()).version == fhir.questionnaire_version()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["999999"], "no intake with id 999999"),
        (["abc"], "the intake id must be a whole number"),
        ([], "give an intake id or --questionnaire"),
        (["1", "--questionnaire"], "give an intake id or --questionnaire"),
        (["--pretty"], "unrecognized arguments: --pretty"),
    ],
)
def test_the_command_refuses_bad_ids_and_options(db, argv, message):
    with pytest.raises(CommandError, match=message) as raised:
        call_command("export_fhir", *argv)
    assert raised.value.returncode == 2


def test_the_command_line_error_is_one_line_with_exit_status_2():
    done = subprocess.run(
        [sys.executable, "manage.py", "export_fhir", "--pretty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "CommandError: export_fhir: unrecognized arguments: --pretty"
    ]


# Codes with a required binding in R4 (the models check their shape, not the value sets).
REQUIRED_CODES = {
    ("Bundle", "type"): {"transaction"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "stopped"},
    ("MedicationStatement", "status"): {"active", "completed", "intended", "stopped", "on-hold"},
    ("Observation", "status"): {"preliminary", "final", "amended"},
    ("DetectedIssue", "status"): {"preliminary", "final", "amended"},
    ("DetectedIssue", "severity"): {"high", "moderate", "low"},
    ("ClinicalImpression", "status"): {"in-progress", "completed"},
}
ITEM_TYPES = {"group", "boolean", "decimal", "integer", "date", "dateTime", "string", "text"}
ANSWER_KEYS = {
    "boolean": "valueBoolean",
    "decimal": "valueDecimal",
    "integer": "valueInteger",
    "date": "valueDate",
    "dateTime": "valueDateTime",
    "string": "valueString",
    "text": "valueString",
    "choice": "valueCoding",
}


def test_codes_come_from_the_value_sets_r4_requires(reviewed):
    bundle = fhir.bundle(reviewed)

    assert bundle["type"] in REQUIRED_CODES["Bundle", "type"]
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["request"]["method"] in {"PUT", "POST"}
        for (kind, element), allowed in REQUIRED_CODES.items():
            if resource["resourceType"] == kind:
                assert resource[element] in allowed, (kind, element)
    for item in all_items(fhir.questionnaire()["item"]):
        assert item["type"] in ITEM_TYPES | {"choice"}
        for condition in item.get("enableWhen", []):
            assert condition["operator"] in {"exists", "=", "!=", ">", "<", ">=", "<="}


def test_each_answer_matches_its_question(reviewed):
    questions = {item["linkId"]: item for item in all_items(fhir.questionnaire()["item"])}
    response = one(fhir.bundle(reviewed), "QuestionnaireResponse")

    for item in all_items(response["item"]):
        question = questions[item["linkId"]]
        assert item["text"] == question["text"]
        for answer in item.get("answer", []):
            assert list(answer) == [ANSWER_KEYS[question["type"]]], item["linkId"]
            if question["type"] == "choice":
                assert {"valueCoding": answer["valueCoding"]} in question["answerOption"]
        if len(item.get("answer", [])) > 1:
            assert question["repeats"] is True
