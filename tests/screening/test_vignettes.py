"""Realistic intakes (vignettes.json) with the rules each must and must not raise."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from intake.screening import screen

TODAY = date(2026, 11, 25)
VIGNETTES = json.loads((Path(__file__).parent / "vignettes.json").read_text())["vignettes"]


def test_there_are_enough_vignettes() -> None:
    assert len(VIGNETTES) >= 90


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["name"] for v in VIGNETTES])
def test_it_raises_what_the_vignette_expects(vignette: dict) -> None:
    flags = screen(vignette["answers"], today=TODAY)["flags"]
    raised = {flag["rule"] for flag in flags}
    highest: dict[str, str] = {}
    for flag in flags:  # highest severity first
        highest.setdefault(flag["rule"], flag["severity"])
    must = {spec.partition("@")[0]: spec.partition("@")[2] for spec in vignette["must"]}

    assert set(must) <= raised, f"missing {set(must) - raised}"
    for rule, severity in must.items():
        assert not severity or highest[rule] == severity, f"{rule} is {highest[rule]}"
    assert not set(vignette["must_not"]) & raised, (
        f"unexpected {set(vignette['must_not']) & raised}"
    )
    if "exactly" in vignette:
        # Vignettes that promise what is raised in full ("raise nothing"): any other rule
        # firing, not only the ones listed under must_not, is a fault.
        assert raised == set(vignette["exactly"])
