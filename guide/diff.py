"""Line-by-line differences between two versions of a guide page, for people to read."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from guide.models import CONTENT_FIELDS

LABELS = {"title": "Title", "summary": "Summary", "body": "Body", "references": "Sources"}
# Unchanged lines shown either side of a change; longer unchanged runs are folded.
CONTEXT = 2


@dataclass(frozen=True)
class Line:
    kind: str  # "same", "added", "removed" or "folded" (text says how many lines)
    text: str


@dataclass
class FieldDiff:
    name: str
    label: str
    lines: list[Line] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(line.kind in ("added", "removed") for line in self.lines)


def _lines(old: str, new: str) -> list[Line]:
    before, after = (old or "").splitlines(), (new or "").splitlines()
    out: list[Line] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, a0, a1, b0, b1) in enumerate(opcodes):
        if tag == "equal":
            same = before[a0:a1]
            head = same[:CONTEXT] if index > 0 else []
            tail = same[-CONTEXT:] if index < len(opcodes) - 1 else []
            if len(same) <= len(head) + len(tail) + 1:
                out += [Line("same", text) for text in same]
                continue
            out += [Line("same", text) for text in head]
            hidden = len(same) - len(head) - len(tail)
            out.append(Line("folded", f"{hidden} unchanged line{'s' if hidden != 1 else ''}"))
            out += [Line("same", text) for text in tail]
            continue
        out += [Line("removed", text) for text in before[a0:a1]]
        out += [Line("added", text) for text in after[b0:b1]]
    return out


def compare(old: dict[str, str] | None, new: dict[str, str]) -> list[FieldDiff]:
    """What changed from `old` to `new` (content dicts), field by field. With no `old`,
    everything is new."""
    old = old or dict.fromkeys(CONTENT_FIELDS, "")
    return [
        FieldDiff(name, LABELS[name], _lines(old.get(name, ""), new.get(name, "")))
        for name in CONTENT_FIELDS
    ]
