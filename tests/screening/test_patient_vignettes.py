"""A second, separate vignette set in patients' own words, run through `manage.py screen`:
every expected flag raised, nothing outside what the reference allows (no false alarm)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

SET = json.loads((Path(__file__).parent / "patient_vignettes.json").read_text())["vignettes"]


@pytest.mark.parametrize("vignette", SET, ids=[v["name"] for v in SET])
def test_the_screen_command_raises_what_the_reference_expects(vignette: dict) -> None:
    out = StringIO()
    call_command("screen", "-", stdin=StringIO(json.dumps(vignette["answers"])), stdout=out)
    result = json.loads(out.getvalue())
    highest: dict[str, str] = {}
    for flag in result["flags"]:  # highest severity first
        highest.setdefault(flag["rule"], flag["severity"])
    must = {spec.partition("@")[0]: spec.partition("@")[2] for spec in vignette["must"]}

    assert set(must) <= set(highest), f"missing {set(must) - set(highest)}"
    for rule, severity in must.items():
        assert not severity or highest[rule] == severity, f"{rule} is {highest[rule]}"
    false_alarms = set(highest) - set(must) - set(vignette["allowed"])
    assert not false_alarms, f"false alarm {false_alarms}: {result['flags']}"
