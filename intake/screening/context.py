"""Who, whether and when: the ConText algorithm over the words of one answer.

ConText (Harkema et al., J Biomed Inform 2009) decides, for each concept found in a text,
whether it is negated, whether it is the patient's or someone else's, and whether it is
current, past or hypothetical. It does that with trigger phrases, each with a category and
a direction (a forward trigger governs what follows it, a backward one what precedes it);
the scope runs until a termination word, a clause break or another trigger. Pseudo-triggers
are phrases that contain a trigger but are not one ("no problems with", "on and off"), so
they are matched first and do nothing.

medspaCy implements ConText on spaCy, but measured on this machine it costs more than the
whole screening budget (docs/screening.md has the figures), so the same design lives here
over the words `matching.tokenise` already produces, with every trigger list in
`data/context.json`, reviewed like the rules.

Two refinements for what patients type:
- a comma ends a scope unless the clause goes on to close a list with "or"/"nor" ("no
  stents, pacemaker or ICD"); so "never smoked, epilepsy" and "no problems, pacemaker
  fitted" keep their conditions. Someone else's scope ("family history of diabetes, heart
  disease") goes on across commas until a word about the patient ("I", "my").
- a trigger inside a known phrase is part of that phrase ("no spleen", "not yet diagnosed").
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .matching import CLAUSE, COMMA, Tokens, words

# Categories, in the order they win when one mention is in the scope of several.
FAMILY, NEGATED, PLANNED, STOPPED, PAST = "family", "negated", "planned", "stopped", "past"
CATEGORIES: tuple[str, ...] = (FAMILY, NEGATED, PLANNED, STOPPED, PAST)
PSEUDO = "pseudo"
DIRECTIONS = ("forward", "backward")
BOTH = "both"  # a phrase listed in both directions of one category
# A scope ends where another trigger of these categories starts ("mum never had it" is
# negated from "never" on); a past, stopped or planned trigger inside a scope does not end
# it ("no history of cancer", "my dad stopped warfarin").
_ENDS_SCOPES = frozenset({FAMILY, NEGATED})


@dataclass(frozen=True, slots=True)
class Trigger:
    category: str  # one of CATEGORIES, or PSEUDO
    direction: str  # "forward", "backward" or BOTH; unused for pseudo-triggers
    phrase: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Modifier:
    """What a trigger says about one mention: its category and the trigger's words."""

    category: str
    trigger: str


@dataclass(frozen=True)
class ContextRules:
    triggers: Mapping[str, tuple[Trigger, ...]]  # by first word, longest phrase first
    terminators: Mapping[str, frozenset[str]]  # by category; "*" applies to all
    list_words: frozenset[str]
    max_scope: int
    crosses_commas: frozenset[str]  # categories whose forward scope goes on across commas
    backward_crosses_commas: frozenset[str]  # ... and whose backward scope does

    def find(self, tokens: Tokens, taken: Iterable[range]) -> list[tuple[int, int, Trigger]]:
        """Every trigger in `tokens` as (start, end, trigger), left to right, longest first;
        none that overlaps a position in `taken` (the words of a known phrase)."""
        busy = {p for span in taken for p in span}
        found: list[tuple[int, int, Trigger]] = []
        words_, breaks = tokens.words, tokens.breaks
        i = 0
        while i < len(words_):
            for trigger in self.triggers.get(words_[i], ()):
                end = i + len(trigger.phrase)
                if (
                    tuple(words_[i:end]) == trigger.phrase
                    and not busy.intersection(range(i, end))
                    and all(breaks[p] != CLAUSE for p in range(i + 1, end))
                ):
                    found.append((i, end, trigger))
                    i = end
                    break
            else:
                i += 1
        return found

    def modifiers(self, tokens: Tokens, spans: Sequence[range]) -> list[list[Modifier]]:
        """For each span (a mention's word positions), the modifiers whose scope covers it,
        highest-ranked category first."""
        return self.read(tokens, spans)[0]

    def read(self, tokens: Tokens, spans: Sequence[range]) -> tuple[list[list[Modifier]], set[int]]:
        """`modifiers`, and the word positions the triggers (pseudo ones too) take up."""
        found = self.find(tokens, spans)
        out: list[list[Modifier]] = [[] for _ in spans]
        starts = {start for start, _end, t in found if t.category in _ENDS_SCOPES}
        for start, end, trigger in found:
            if trigger.category == PSEUDO:
                continue
            ahead = behind = range(0)
            if trigger.direction != "backward":
                ahead = self._forward(tokens, end, trigger.category, starts)
            if trigger.direction != "forward":
                behind = self._backward(tokens, start, trigger.category, starts)
            modifier = Modifier(trigger.category, " ".join(trigger.phrase))
            for index, span in enumerate(spans):
                if span.start in ahead or span.stop - 1 in behind:
                    out[index].append(modifier)
        for mods in out:
            mods.sort(key=lambda m: CATEGORIES.index(m.category))
        return out, {p for start, end, _t in found for p in range(start, end)}

    def _ends(self, word: str, category: str) -> bool:
        return word in self.terminators["*"] or word in self.terminators.get(category, ())

    def _forward(self, tokens: Tokens, end: int, category: str, starts: set[int]) -> range:
        words_, breaks = tokens.words, tokens.breaks
        stop = end
        limit = min(len(words_), end + self.max_scope)
        while stop < limit:
            kind = breaks[stop]
            # A colon or comma straight after the trigger introduces what it governs
            # ("family history: diabetes"); elsewhere a break may end the scope.
            if stop > end and kind == CLAUSE:
                break
            if stop > end and kind == COMMA and not self._list_goes_on(tokens, stop, category):
                break
            if stop in starts or self._ends(words_[stop], category):
                break
            stop += 1
        return range(end, stop)

    def _list_goes_on(self, tokens: Tokens, at: int, category: str) -> bool:
        if category in self.crosses_commas:
            return True
        for p in range(at, len(tokens.words)):
            if p > at and tokens.breaks[p] == CLAUSE:
                return False
            if tokens.words[p] in self.list_words:
                return True
        return False

    def _backward(self, tokens: Tokens, start: int, category: str, starts: set[int]) -> range:
        words_, breaks = tokens.words, tokens.breaks
        first = start
        limit = max(0, start - self.max_scope)
        while first > limit:
            # A backward trigger that opens its clause answers the one before it
            # ("pacemaker - ruled out", "warfarin: stopped 2021").
            if (breaks[first] == CLAUSE and first != start) or (first - 1) in starts:
                break
            if breaks[first] == COMMA and category not in self.backward_crosses_commas:
                break
            if self._ends(words_[first - 1], category):
                break
            first -= 1
        return range(first, start)


def load_context(path: Path) -> tuple[ContextRules, dict[str, Any]]:
    """The trigger lists of `path` (data/context.json) and the rest of the document."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    seen: dict[tuple[str, ...], Trigger] = {}
    for group in doc["triggers"]:
        category = group["category"]
        if category not in (*CATEGORIES, PSEUDO):
            raise ValueError(f"context data: unknown category {category!r}")
        direction = group.get("direction", "forward")
        if direction not in DIRECTIONS:
            raise ValueError(f"context data: {category} has direction {direction!r}")
        for text in group["phrases"]:
            phrase = tuple(words(text))
            if not phrase:
                raise ValueError(f"context data: trigger {text!r} has no words")
            earlier = seen.get(phrase)
            if earlier is not None and (earlier.category, earlier.direction) != (
                category,
                direction,
            ):
                if earlier.category != category:
                    raise ValueError(f"context data: {text!r} is {earlier.category} and {category}")
                direction = BOTH
            seen[phrase] = Trigger(category, direction, phrase)
    by_first: dict[str, list[Trigger]] = defaultdict(list)
    for trigger in seen.values():
        by_first[trigger.phrase[0]].append(trigger)
    triggers = {
        first: tuple(sorted(group, key=lambda t: -len(t.phrase)))
        for first, group in by_first.items()
    }
    terminators = {
        category: frozenset(w for text in texts for w in words(text))
        for category, texts in doc["terminators"].items()
    }
    rules = ContextRules(
        triggers=triggers,
        terminators=terminators,
        list_words=frozenset(doc["list_words"]),
        max_scope=int(doc["max_scope"]),
        crosses_commas=frozenset(doc["crosses_commas"]),
        backward_crosses_commas=frozenset(doc["backward_crosses_commas"]),
    )
    return rules, doc
