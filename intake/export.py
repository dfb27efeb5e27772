"""The stored answers of an intake, in the screening contract's JSON shape
(docs/screening.md#the-contract). The same document feeds the screening engine, the
`export_intake` command and the practitioner's download. `screening_result` is the other
half: a stored screening run in the shape `manage.py screen` prints (ruleset, flags and the
mentions considered but not raised), for the practitioner's second download.

Each step gives its own keys (`Step.contract`). Only saved answers count; drafts
(`answers["_drafts"]`) never do. A key is left out when its step has not been answered; an
answered step with nothing ticked gives an empty list.
"""

from __future__ import annotations

from intake import check_ins, steps
from intake.models import Intake, ScreeningRun
from intake.screening import CONTRACT_KEYS


def screening_input(intake: Intake) -> dict:
    """The intake's answers as the screening engine's input document; for a check-in, its
    picture (intake.check_ins)."""
    if intake.is_check_in:
        picture = check_ins.picture_of(intake)
        return {key: picture[key] for key in CONTRACT_KEYS if key in picture}
    out: dict = {}
    for step in steps.FORM_STEPS:
        out.update(step.contract(intake))
    return {key: out[key] for key in CONTRACT_KEYS if key in out}


# A flag's keys in the screening contract (docs/screening.md), in its order.
FLAG_KEYS = ("rule", "category", "severity", "title", "action", "because", "affects", "guide_url")


def screening_result(run: ScreeningRun) -> dict:
    """A stored run as `manage.py screen` prints it: the ruleset that raised the flags, the
    flags in the order it gave them, and what it considered and did not raise."""
    return {
        "ruleset": run.ruleset,
        "flags": [
            {key: getattr(flag, key) for key in FLAG_KEYS}
            for flag in run.flags.order_by("position")
        ],
        "considered": list(run.considered),
    }
