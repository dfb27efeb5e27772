"""The stored answers of an intake, in the screening contract's JSON shape
(docs/screening.md#the-contract). The same document feeds the screening engine, the
`export_intake` command and the practitioner's download.

Only saved answers count; drafts (`answers["_drafts"]`) never do. A key is left out when
its step has not been answered; an answered step with nothing ticked gives an empty list.
"""

from __future__ import annotations

from intake.forms import ALLERGIES
from intake.models import Intake
from intake.screening.vocabulary import CONDITIONS, HISTORY, LIMBS, RED_FLAGS


def condition_phrases(answer: dict) -> list[str]:
    phrases = []
    for key in answer.get("conditions", []):
        if key not in CONDITIONS:
            continue
        if key == "lymphoedema" and answer.get("lymphoedema_limbs"):
            phrases.extend(
                f"{CONDITIONS[key]} ({LIMBS[limb]})"
                for limb in answer["lymphoedema_limbs"]
                if limb in LIMBS
            )
        else:
            phrases.append(CONDITIONS[key])
    phrases.extend(answer.get("other", []))
    return phrases


def medication_objects(answer: dict) -> list[dict]:
    items = []
    for row in answer.get("items", []):
        if not row.get("name"):
            continue
        item = {"name": row["name"]}
        for key in ("dose", "frequency", "reason"):
            if row.get(key):
                item[key] = row[key]
        items.append(item)
    return items


def screening_input(intake: Intake) -> dict:
    """The intake's answers as the screening engine's input document."""
    answers = intake.answers or {}
    out: dict = {}

    about = answers.get("about")
    if about:
        if about.get("date_of_birth"):
            out["date_of_birth"] = about["date_of_birth"]
        if about.get("sex_at_birth"):
            out["sex_at_birth"] = about["sex_at_birth"]
        if about.get("sex_at_birth") == "male":
            out["pregnancy"] = "not_applicable"

    pregnancy = answers.get("pregnancy")
    if pregnancy and pregnancy.get("status") and "pregnancy" not in out:
        out["pregnancy"] = pregnancy["status"]

    if "conditions" in answers:
        out["conditions"] = condition_phrases(answers["conditions"])

    if "medications" in answers:
        out["medications"] = medication_objects(answers["medications"])

    allergies = answers.get("allergies")
    if allergies is not None:
        out["allergies"] = [k for k in ALLERGIES if k in allergies.get("allergies", [])] + list(
            allergies.get("other_allergies", [])
        )
        out["history"] = [k for k in HISTORY if k in allergies.get("history", [])]

    red_flags = answers.get("red_flags")
    if red_flags is not None:
        out["red_flags"] = [k for k in RED_FLAGS if red_flags.get(k) == "yes"]

    pain = answers.get("pain")
    if pain:
        block: dict = {"regions": list(pain.get("regions", []))}
        if pain.get("duration_months") is not None:
            block["duration_months"] = pain["duration_months"]
        peg = {
            part: pain[f"peg_{part}"]
            for part in ("pain", "enjoyment", "activity")
            if pain.get(f"peg_{part}") is not None
        }
        if peg:
            block["peg"] = peg
        out["pain"] = block

    return out
