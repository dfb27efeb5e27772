"""Safety screening of intake answers: the only place that knows clinical rules.

Public API (other apps code against these names):

- ``screen(answers, *, today=None)`` → ``{"ruleset": RULESET_VERSION, "flags": [...],
  "considered": [...]}``
- ``validate_answers(answers)`` → normalised copy, or ``ScreeningInputError``
- ``suggest_medications(prefix, limit=8)`` → brand and generic names for type-ahead
- ``medication_names()`` → every name the medication reference knows
- ``identify_medication(name)`` → the generic names and classes one typed medicine matched
- ``rule_rationale(rule_id)`` and ``rule_sources(rule_id)`` → why a rule exists and what it
  rests on, stored with each flag as it is raised
- ``SEVERITIES`` lowest first, ``RULESET_VERSION`` of the data files in ``data/``
- ``CONTRACT_KEYS``, the input document's keys in the contract's order
"""

from __future__ import annotations

from .engine import (
    CONTRACT_KEYS,
    RULESET_VERSION,
    SEVERITIES,
    ScreeningInputError,
    identify_medication,
    medication_names,
    rule_rationale,
    rule_sources,
    screen,
    suggest_medications,
    validate_answers,
)

__all__ = [
    "CONTRACT_KEYS",
    "RULESET_VERSION",
    "SEVERITIES",
    "ScreeningInputError",
    "identify_medication",
    "medication_names",
    "rule_rationale",
    "rule_sources",
    "screen",
    "suggest_medications",
    "validate_answers",
]
