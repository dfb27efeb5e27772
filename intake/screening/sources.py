"""The sources the rules rest on (S1, S2, …), read from the one place they are written: the
"Sources" table of docs/clinical-reference.md, read once per process. The rules name them
by code (rules.json); the practitioners' source list shows them, each under its code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .engine import RULESET

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "clinical-reference.md"
# | S12 | Cummings M. Safety aspects of electroacupuncture. … | A/B |
ROW = re.compile(r"^\|\s*(S\d+)\s*\|\s*(.+?)\s*\|\s*([^|]+?)\s*\|$")


@dataclass(frozen=True)
class Source:
    code: str
    text: str
    authority: str
    rules: tuple[str, ...]  # the rules of the current ruleset that cite it


@cache
def sources() -> tuple[Source, ...]:
    """Every source in the reference's order."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split("\n## Sources\n", 1)[1].split("\n## ", 1)[0]
    cited: dict[str, list[str]] = {}
    for rule in RULESET.rules.values():
        for code in rule.sources:
            cited.setdefault(code, []).append(rule.id)
    rows = (ROW.match(line.strip()) for line in section.splitlines())
    return tuple(
        Source(code=code, text=words, authority=authority, rules=tuple(cited.get(code, ())))
        for code, words, authority in (row.groups() for row in rows if row)
    )
