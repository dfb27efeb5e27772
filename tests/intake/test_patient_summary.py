"""intake.summary.answer_sections and intake.export.screening_input on stored answers,
including unanswered steps and the automatic "not applicable" pregnancy step."""

from __future__ import annotations

from intake.export import screening_input
from intake.models import Intake
from intake.summary import NOT_ANSWERED, answer_sections

XSS = "<script>alert(1)</script>"


def make(**answers) -> Intake:
    return Intake.objects.create(answers=answers, completed_steps=list(answers))


def test_it_lists_every_step_in_order_even_when_unanswered(db):
    sections = answer_sections(make())
    assert [s.step for s in sections] == [
        "about",
        "pain",
        "conditions",
        "pregnancy",
        "medications",
        "allergies",
        "red_flags",
        "consent",
    ]
    assert all(not s.answered for s in sections if s.step != "pregnancy")
    assert sections[0].rows == [("About you", NOT_ANSWERED)]


def test_it_gives_plain_string_rows(db):
    intake = make(
        about={"legal_name": XSS, "date_of_birth": "1961-03-14", "sex_at_birth": "male"},
        medications={"none": False, "items": [{"name": "warfarin", "dose": "3 mg"}]},
        red_flags={"night_pain": "yes"},
    )
    sections = {s.step: s for s in answer_sections(intake)}
    assert ("Full legal name", XSS) in sections["about"].rows
    assert ("Date of birth", "14 March 1961") in sections["about"].rows
    assert sections["pregnancy"].rows == [("Pregnancy", "Not applicable")]
    assert sections["medications"].rows == [("Medicine 1", "warfarin (3 mg)")]
    assert ("Severe pain at night that does not ease when you change position", "Yes") in (
        sections["red_flags"].rows
    )
    for section in sections.values():
        for label, value in section.rows:
            assert isinstance(label, str)
            assert isinstance(value, str)


def test_it_leaves_unanswered_keys_out_of_the_export(db):
    assert screening_input(make()) == {}
    exported = screening_input(
        make(
            about={"date_of_birth": "1961-03-14", "sex_at_birth": "male"},
            red_flags={"night_pain": "no"},
            _drafts={"pain": {"peg_pain": ["9"]}},
        )
    )
    assert exported == {
        "date_of_birth": "1961-03-14",
        "sex_at_birth": "male",
        "pregnancy": "not_applicable",
        "red_flags": [],
    }


def test_it_names_each_lymphoedema_limb(db):
    exported = screening_input(
        make(
            conditions={
                "conditions": ["lymphoedema"],
                "lymphoedema_limbs": ["left_arm", "right_leg"],
                "other": [],
            }
        )
    )
    assert exported["conditions"] == [
        "lymphoedema or lymph nodes removed (left arm)",
        "lymphoedema or lymph nodes removed (right leg)",
    ]
