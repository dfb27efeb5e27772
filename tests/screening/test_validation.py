"""validate_answers(): malformed intakes are rejected with the field named."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from intake.screening import ScreeningInputError, screen, validate_answers

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ([], ""),
        ({"colour": "blue"}, "colour"),
        ({"date_of_birth": "14/03/1961"}, "date_of_birth"),
        ({"date_of_birth": "2026-02-30"}, "date_of_birth"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1890-01-01"}, "date_of_birth"),
        ({"sex_at_birth": "robot"}, "sex_at_birth"),
        ({"pregnancy": "maybe"}, "pregnancy"),
        ({"conditions": "diabetes"}, "conditions"),
        ({"conditions": ["ok", 3]}, "conditions[1]"),
        ({"conditions": ["x" * 501]}, "conditions[0]"),
        ({"allergies": ["a"] * 101}, "allergies"),
        ({"red_flags": ["headache"]}, "red_flags[0]"),
        ({"history": ["fainted"]}, "history[0]"),
        ({"medications": [{"dose": "5 mg"}]}, "medications[0].name"),
        ({"medications": ["ok", "ok", {"name": "x", "colour": "red"}]}, "medications[2].colour"),
        ({"medications": [{"name": 5}]}, "medications[0].name"),
        ({"medications": [7]}, "medications[0]"),
        ({"pain": []}, "pain"),
        ({"pain": {"where": "back"}}, "pain.where"),
        ({"pain": {"regions": ["back"]}}, "pain.regions[0]"),
        ({"pain": {"duration_months": -1}}, "pain.duration_months"),
        ({"pain": {"duration_months": 1201}}, "pain.duration_months"),
        ({"pain": {"duration_months": 2.5}}, "pain.duration_months"),
        ({"pain": {"peg": {"pain": 11}}}, "pain.peg.pain"),
        ({"pain": {"peg": {"activity": True}}}, "pain.peg.activity"),
        ({"pain": {"peg": {"mood": 3}}}, "pain.peg.mood"),
    ],
)
def test_it_names_the_bad_field(answers: Any, field: str) -> None:
    with pytest.raises(ScreeningInputError) as caught:
        screen(answers, today=TODAY)
    assert caught.value.field == field
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{field}: ") if field else message


def test_the_message_explains_the_range() -> None:
    with pytest.raises(ScreeningInputError, match=r"^pain\.peg\.pain: .*0 to 10"):
        validate_answers({"pain": {"peg": {"pain": 11}}}, today=TODAY)


def test_it_returns_a_normalised_copy() -> None:
    answers = {
        "date_of_birth": "1961-03-14",
        "pregnancy": None,
        "conditions": ["  diabetes ", ""],
        "medications": ["", " metformin ", {"name": "Eliquis", "dose": "", "reason": " AF "}],
        "red_flags": ["night_pain", "night_pain"],
        "pain": {"regions": ["neck"], "duration_months": 0, "peg": {"pain": 0}},
    }
    assert validate_answers(answers, today=TODAY) == {
        "date_of_birth": "1961-03-14",
        "conditions": ["diabetes"],
        "medications": ["metformin", {"name": "Eliquis", "reason": "AF"}],
        "red_flags": ["night_pain"],
        "pain": {"regions": ["neck"], "duration_months": 0, "peg": {"pain": 0}},
    }
    assert answers["conditions"] == ["  diabetes ", ""]  # the input is not modified


def test_combinations_are_left_to_the_practitioner() -> None:
    # An unlikely pair is not an input error: it is accepted as given, for a person to judge.
    answers = {"sex_at_birth": "male", "pregnancy": "yes"}
    assert validate_answers(answers, today=TODAY) == answers
