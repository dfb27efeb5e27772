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
    assert len(VIGNETTES) >= 12


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["name"] for v in VIGNETTES])
def test_it_raises_what_the_vignette_expects(vignette: dict) -> None:
    raised = {flag["rule"] for flag in screen(vignette["answers"], today=TODAY)["flags"]}

    assert set(vignette["must"]) <= raised, f"missing {set(vignette['must']) - raised}"
    assert not set(vignette["must_not"]) & raised, (
        f"unexpected {set(vignette['must_not']) & raised}"
    )
    if "exactly" in vignette:
        # Vignettes that promise what is raised in full ("raise nothing"): any other rule
        # firing, not only the ones listed under must_not, is a fault.
        assert raised == set(vignette["exactly"])
