"""What changed between a check-in and the intake or check-in before it, for the top of the
practitioner's page: medicines started and stopped, new conditions, a change in pregnancy,
each with the new flags it led to; new flags that no change explains (a new red flag);
flags no longer raised; and the flags raised both times.

`compare` works on plain values (two pictures in the screening input's shape and two lists
of flags), with no queries, so its rules are unit-tested directly; `selectors.check_in_changes`
reads them for a stored check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from intake.screening import severities, vocabulary


class FlagLike(Protocol):
    rule: str
    severity: str
    category: str
    title: str
    because: list


@dataclass(frozen=True)
class Change:
    """One reported change ("Started apixaban") and the new flags it led to."""

    kind: str  # started, stopped, condition, resolved, pregnancy
    text: str
    flags: list = field(default_factory=list)


@dataclass(frozen=True)
class WhatChanged:
    since: date | None
    changes: list[Change]
    # New flags no reported change explains: a red flag answered yes now, say.
    new_flags: list
    # Raised last time, not now: (the earlier flag).
    no_longer: list
    unchanged: list

    @property
    def anything(self) -> bool:
        return bool(self.changes or self.new_flags or self.no_longer)


def _names(items: Sequence[dict]) -> dict[str, str]:
    return {item["name"].casefold(): item["name"] for item in items if item.get("name")}


def _mentions(flag: FlagLike, phrase: str) -> bool:
    """Whether the flag's reasons quote the phrase (the engine quotes what it read)."""
    wanted = f"'{phrase.casefold()}'"
    return any(wanted in str(reason).casefold() for reason in flag.because or [])


def _by_severity(flags: list) -> list:
    return sorted(flags, key=lambda f: -severities.rank(f.severity))


def compare(
    *,
    before: dict,
    after: dict,
    flags_before: Sequence[FlagLike],
    flags_after: Sequence[FlagLike],
    since: date | None = None,
) -> WhatChanged:
    earlier_rules = {flag.rule for flag in flags_before}
    later_rules = {flag.rule for flag in flags_after}
    new = [flag for flag in flags_after if flag.rule not in earlier_rules]
    explained: set[int] = set()

    def led_to(test) -> list:
        found = [flag for flag in new if test(flag)]
        explained.update(id(flag) for flag in found)
        return _by_severity(found)

    changes: list[Change] = []
    meds_before, meds_after = (
        _names(before.get("medications", [])),
        _names(after.get("medications", [])),
    )
    for key, name in meds_after.items():
        if key not in meds_before:
            changes.append(
                Change("started", f"Started {name}", led_to(lambda f, n=name: _mentions(f, n)))
            )
    for key, name in meds_before.items():
        if key not in meds_after:
            changes.append(Change("stopped", f"Stopped {name}"))
    known = {c.casefold() for c in before.get("conditions", [])}
    for condition in after.get("conditions", []):
        if condition.casefold() not in known:
            changes.append(
                Change(
                    "condition",
                    f"New condition: {condition}",
                    led_to(lambda f, c=condition: _mentions(f, c)),
                )
            )
    still = {c.casefold() for c in after.get("conditions", [])}
    for condition in before.get("conditions", []):
        if condition.casefold() not in still:
            # Only the patient's word: its flags, if any, are under "no longer raised".
            changes.append(Change("resolved", f"Cleared up, as the patient reports: {condition}"))
    if after.get("pregnancy") != before.get("pregnancy") and after.get("pregnancy"):
        words = vocabulary.PREGNANCY.get(after["pregnancy"], after["pregnancy"])
        changes.append(
            Change(
                "pregnancy",
                f"Pregnancy now: {words}",
                led_to(lambda f: f.category == "pregnancy"),
            )
        )
    return WhatChanged(
        since=since,
        changes=changes,
        new_flags=_by_severity([flag for flag in new if id(flag) not in explained]),
        no_longer=_by_severity([flag for flag in flags_before if flag.rule not in later_rules]),
        unchanged=_by_severity([flag for flag in flags_after if flag.rule in earlier_rules]),
    )
