"""Whether a review decision is consistent with the flags it is made against.

The clinical part (which modification covers which contraindicated flag, which decisions
stop treatment) is data in ``data/decisions.json``, reviewed like the rules; this module
only reads it. A flag "stands" until the decision deals with it: a refer flag by a decision
that stops treatment, a contraindicated flag by that or by a modification that covers it,
either of them by an explicit override with a written reason.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

DATA_FILE = Path(__file__).resolve().parent / "data" / "decisions.json"
# The severities a decision must answer for (docs/screening.md#decisionsjson); anything
# lower is acknowledged only.
STANDING_SEVERITIES = ("refer", "contraindicated")
MODIFIED = "modified"


class FlagLike(Protocol):
    rule: str
    severity: str
    affects: list[str]


@dataclass(frozen=True)
class DecisionRules:
    version: str
    stops_treatment: frozenset[str]
    modality_exclusions: dict[str, str]
    covered_by: dict[str, tuple[frozenset[str], ...]]

    def covering_sets(self, rule: str, affects: Iterable[str]) -> tuple[frozenset[str], ...]:
        """The sets of modification codes of which any one, complete, covers a
        contraindicated flag of `rule` affecting `affects`. Empty: nothing covers it."""
        base = rule.split(".", 1)[0]
        if base in self.covered_by:
            return self.covered_by[base]
        codes = []
        for modality in affects or ["ALL"]:
            code = self.modality_exclusions.get(modality)
            if code is None:
                # Manual needling, a site or every modality: no exclusion code says it.
                return ()
            codes.append(code)
        return (frozenset(codes),)


@dataclass(frozen=True)
class Unmet:
    """A flag that still stands under the decision, and what would answer it.

    `covering_sets` is empty for a refer flag and for a contraindicated flag that no
    modification covers; otherwise each set, complete, would cover it."""

    flag: Any
    covering_sets: tuple[frozenset[str], ...]


def load(path: Path = DATA_FILE) -> DecisionRules:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DecisionRules(
        version=raw["version"],
        stops_treatment=frozenset(raw["stops_treatment"]),
        modality_exclusions=dict(raw["modality_exclusions"]),
        covered_by={
            rule: tuple(frozenset(codes) for codes in sets)
            for rule, sets in raw["covered_by"].items()
        },
    )


def named_codes(rules: DecisionRules) -> set[str]:
    """Every modification code the data names (each must be a Review.Modification code)."""
    return set(rules.modality_exclusions.values()).union(
        *(codes for sets in rules.covered_by.values() for codes in sets)
    )


RULES = load()


def unmet_flags(
    *,
    decision: str,
    flags: Iterable[FlagLike],
    modifications: Collection[str],
    overridden: Collection[Any] = (),
    rules: DecisionRules = RULES,
) -> list[Unmet]:
    """The refer and contraindicated flags that still stand under `decision` with the
    chosen modification codes; flags in `overridden` (a collection of flags) are answered.
    An empty list means the decision is consistent with the flags."""
    if decision in rules.stops_treatment:
        return []
    chosen = set(modifications) if decision == MODIFIED else set()
    unmet = []
    for flag in flags:
        if flag.severity not in STANDING_SEVERITIES or flag in overridden:
            continue
        if flag.severity == "refer":
            unmet.append(Unmet(flag, ()))
            continue
        sets = rules.covering_sets(flag.rule, flag.affects)
        if not any(codes <= chosen for codes in sets):
            unmet.append(Unmet(flag, sets))
    return unmet


def describe_sets(sets: Iterable[frozenset[str]], labels: Mapping[str, str]) -> str:
    """'No electroacupuncture', or 'Avoid a named body region, or No moxibustion and No
    cupping': the sets in words (`labels`: code to words), codes in the labels' order."""
    order = list(labels)
    words = [
        " and ".join(labels[code] for code in sorted(codes, key=order.index)) for codes in sets
    ]
    return ", or ".join(words)
