"""How urgently a patient's own red-flag answers need medical care, as the reference grades
them (docs/clinical-reference.md#red-flags; the `urgency` of each red-flag rule in
data/rules.json). The portal tells the patient at once; this module only says which answers
are an emergency and which are urgent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.json"
EMERGENCY = "EMERGENCY"
URGENT = "URGENT"


def load(path: Path = RULES_FILE) -> dict[str, str]:
    """The urgency of each red-flag answer key, by the rule that the answer raises."""
    rules = json.loads(path.read_text(encoding="utf-8"))["rules"]
    return {rule["red_flag_key"]: rule["urgency"] for rule in rules if rule.get("red_flag_key")}


URGENCY_BY_ANSWER = load()


@dataclass(frozen=True)
class Urgency:
    """The patient's red-flag answers that need care, in the order they were asked."""

    emergency: tuple[str, ...]
    urgent: tuple[str, ...]

    @property
    def level(self) -> str:
        """EMERGENCY, URGENT, or "" when no answer needs care before the visit."""
        if self.emergency:
            return EMERGENCY
        return URGENT if self.urgent else ""

    @property
    def keys(self) -> tuple[str, ...]:
        return self.emergency + self.urgent


def of_answers(yes: Iterable[str]) -> Urgency:
    """Sort the red-flag keys answered yes into emergency and urgent ones."""
    keys = list(yes)
    return Urgency(
        emergency=tuple(k for k in keys if URGENCY_BY_ANSWER.get(k) == EMERGENCY),
        urgent=tuple(k for k in keys if URGENCY_BY_ANSWER.get(k) == URGENT),
    )
