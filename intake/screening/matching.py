"""Normalising and matching the free text patients type (conditions, medicines, allergies).

Pure Python, no Django. A `PhraseIndex` maps known phrases to values. Scanning a text finds
every known phrase in it, longest first, after the same normalisation is applied to both
sides:

- case, accents and punctuation are dropped; "alzheimer's" becomes "alzheimer";
- numbers, doses, units, dosage forms and frequencies are dropped ("5mg", "twice daily",
  "tablets"), so "Eliquis 5mg twice daily" reads as "eliquis";
- British spellings fold onto American ones ("haem"/"hem", "oedema"/"edema", "tumour"/"tumor",
  "sulphate"/"sulfate"); drug-name pairs such as ciclosporin/cyclosporine are data aliases;
- words are compared joined, so "pace maker" equals "pacemaker" and "co-codamol" "cocodamol";
- a trailing plural "s" is tolerated on the last word of a phrase;
- a word that matches nothing may match by spelling: Damerau-Levenshtein distance at most 1
  for words of 5-8 letters and at most 2 for longer ones, never for shorter words, only among
  phrases with the same first letter, and only when the closest phrases agree on one value;
- a phrase is negated ("no history of cancer") only by a negation word in the same clause
  with nothing but introducing words between them (see `_negated`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V", bound=Hashable)

_WORD = re.compile(r"[a-z0-9]+")
_POSSESSIVE = re.compile(r"'s\b")
# A number with an optional unit glued on: "5", "0", "81mg", "24h", "2x", "x2".
_NUMBERISH = re.compile(r"^x?\d+[a-z]*$")


# Words removed before matching: units, dosage forms, frequencies and release suffixes.
# They carry no meaning for screening and would otherwise block joined phrases.
def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


DROPPED_WORDS = word_set(
    """
    mg mcg ug g kg ml l iu unit units microgram micrograms milligram milligrams gram grams
    mmol puff puffs dose doses dosage strength
    tablet tablets tab tabs capsule capsules cap caps caplet caplets sachet sachets
    liquid solution suspension syrup oral sublingual
    daily twice once thrice times day days week weeks weekly month months monthly fortnightly
    morning mornings night nights nightly evening evenings bedtime am pm hourly hours hrs
    bd bid tds tid qds qid od qd prn nocte mane om stat
    sr xr xl er cr mr la dr ec ct cd sa
    """
)

# Words kept in place (they take part in phrases such as "tylenol with codeine" and tell
# "steroid injection" from "steroid") but never matched by spelling.
STOP_WORDS = word_set(
    """
    a an the and or of for with without to in on at by from as is am are was were be been
    my me i it its this that these those per each every about approx approximately
    take takes taking took use used using needed required when if also plus
    injection injections injectable patch patches cream gel ointment spray drop drops topical
    """
)

_FUZZY_CACHE_SIZE = 20_000

NEGATIONS = frozenset({"no", "not", "never", "without", "denies", "denied", "nil"})

# How far back a negation word may stand, and the only words allowed between it and the
# phrase it negates: words that introduce a condition ("no known history of", "never had
# a"). Any other word means the negation is about something else: "never smoked epilepsy",
# "no problems but haemophilia", "not well controlled epilepsy".
NEGATION_REACH = 3
NEGATION_BRIDGES = word_set(
    """
    a an any the of with from history hx known previous previously prior past ever
    had has have having been diagnosed diagnosis personal sign signs evidence suffer
    suffered suffering
    """
)

# Punctuation that ends a clause; a negation never reaches across it ("never smoked,
# epilepsy"; "diabetes - no complications, pacemaker"). A hyphen inside a word
# ("co-codamol", "pre-diabetes") is not a break, a free-standing dash is.
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]{}|+&/\\\n\u2013\u2014]|(?:^|\s)-+|-+(?:\s|$)")

_SPELLING = (("ae", "e"), ("oe", "e"), ("isation", "ization"), ("sulph", "sulf"))


def _fold(word: str) -> str:
    for british, american in _SPELLING:
        word = word.replace(british, american)
    if len(word) > 4 and word.endswith("our"):
        word = word[:-3] + "or"
    return word


def words(text: str) -> list[str]:
    """Normalised words of `text` (see module docstring)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    # Accents go; any other non-ASCII character (a dash, a bullet) separates words.
    text = "".join(
        ch if ch.isascii() else " "
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch)
    ).lower()
    text = _POSSESSIVE.sub("", text).replace("'", "")
    out = []
    for word in _WORD.findall(text):
        if word in DROPPED_WORDS or _NUMBERISH.match(word):
            continue
        out.append(_fold(word))
    return out


def _clauses(text: str) -> tuple[list[str], list[int]]:
    """Normalised words of `text` and, for each, the number of the clause it stands in.

    The words are those of `words(text)`, so phrases still match across clause breaks; the
    clause numbers only limit how far a negation reaches.
    """
    tokens: list[str] = []
    clauses: list[int] = []
    for number, clause in enumerate(_CLAUSE_BREAK.split(text)):
        found = words(clause)
        tokens.extend(found)
        clauses.extend([number] * len(found))
    return tokens, clauses


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment (restricted Damerau-Levenshtein) distance, capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        row_min = i
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def allowed_typos(length: int) -> int:
    if length < 5:
        return 0
    return 1 if length <= 8 else 2


@dataclass(frozen=True, slots=True)
class Match(Generic[V]):
    value: V
    term: str  # the known phrase as written in the data
    fuzzy: bool  # True when matched by spelling, not exactly
    negated: bool  # a negation word shortly before it ("no history of cancer")


@dataclass(frozen=True, slots=True)
class Scan(Generic[V]):
    matches: list[Match[V]]
    # Runs of adjacent words that no phrase matched, exactly or by spelling, in order.
    rest: list[tuple[str, ...]]


class PhraseIndex(Generic[V]):
    """Known phrases → values, found in text by exact n-grams with a spelling fallback."""

    def __init__(self) -> None:
        self._exact: dict[str, tuple[V, str]] = {}
        self._by_initial: dict[str, list[tuple[str, V, str]]] = defaultdict(list)
        self._plural_only: set[str] = set()
        self._max_words = 1
        self._fuzzy_cache: dict[str, tuple[V, str] | None] = {}

    def add(self, term: str, value: V, *, keep_existing: bool = False) -> None:
        """Register `term` for `value`.

        A phrase already bound to another value is an error (the data would be ambiguous),
        unless `keep_existing` is set: then the earlier binding wins, which is how a
        lower-precedence vocabulary is merged in.
        """
        key_words = words(term)
        if not key_words:
            raise ValueError(f"phrase {term!r} has no words left after normalisation")
        key = "".join(key_words)
        existing = self._exact.get(key)
        if existing is not None and key not in self._plural_only:
            if existing[0] == value or keep_existing:
                return
            raise ValueError(f"phrase {term!r} is ambiguous with {existing[1]!r}")
        self._exact[key] = (value, term)
        self._plural_only.discard(key)
        plural = key + "s"
        if not key.endswith("s") and plural not in self._exact:
            self._exact[plural] = (value, term)
            self._plural_only.add(plural)
        self._by_initial[key[0]].append((key, value, term))
        self._max_words = max(self._max_words, len(key_words))
        self._fuzzy_cache.clear()

    def _fuzzy(self, word: str) -> tuple[V, str] | None:
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        limit = allowed_typos(len(word))
        best: list[tuple[V, str]] = []
        best_distance = limit + 1
        if limit:
            for key, value, term in self._by_initial.get(word[0], ()):
                if allowed_typos(len(key)) == 0:
                    continue
                distance = edit_distance(word, key, min(limit, best_distance))
                if distance < best_distance:
                    best, best_distance = [(value, term)], distance
                elif distance == best_distance and distance <= limit:
                    best.append((value, term))
        result = best[0] if best and len({value for value, _ in best}) == 1 else None
        if len(self._fuzzy_cache) > _FUZZY_CACHE_SIZE:
            self._fuzzy_cache.clear()  # bounded: patients can type anything
        self._fuzzy_cache[word] = result
        return result

    def scan(self, text: str) -> list[Match[V]]:
        """Every known phrase in `text`, left to right, longest match first."""
        return self.read(text).matches

    def read(self, text: str, *, by_spelling: bool = True) -> Scan[V]:
        """Every known phrase in `text` (as `scan`) and the words no phrase accounts for.

        `by_spelling=False` matches exactly only, for text where a near miss is more likely
        an ordinary word than a misspelt term."""
        tokens, clauses = _clauses(text)
        matches: list[Match[V]] = []
        unmatched: list[int] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._max_words, len(tokens) - i), 0, -1):
                hit = self._exact.get("".join(tokens[i : i + n]))
                if hit is not None:
                    matches.append(Match(hit[0], hit[1], False, _negated(tokens, clauses, i)))
                    i += n
                    break
            else:
                unmatched.append(i)
                i += 1
        spent: set[int] = set()
        if unmatched and by_spelling:
            matches.extend(self._scan_fuzzy(tokens, clauses, unmatched, spent))
        rest: list[list[str]] = []
        previous = -2
        for p in unmatched:
            if p in spent:
                continue
            if p != previous + 1 or not rest:
                rest.append([])
            rest[-1].append(tokens[p])
            previous = p
        return Scan(matches, [tuple(run) for run in rest])

    def _scan_fuzzy(
        self,
        tokens: Sequence[str],
        clauses: Sequence[int],
        positions: Iterable[int],
        spent: set[int],
    ) -> list[Match[V]]:
        """Spelling matches among the unmatched `positions`; the positions they use are
        added to `spent`."""
        found: list[Match[V]] = []
        candidates = [p for p in positions if tokens[p] not in STOP_WORDS]
        for p in candidates:
            hit = self._fuzzy(tokens[p]) if not tokens[p].isdigit() else None
            if hit is not None:
                found.append(Match(hit[0], hit[1], True, _negated(tokens, clauses, p)))
                spent.add(p)
        # Two unknown neighbours may be one misspelt name typed with a space ("co codomol").
        candidate_set = set(candidates)
        for p in candidates:
            if p + 1 in candidate_set and not {p, p + 1} & spent:
                hit = self._fuzzy(tokens[p] + tokens[p + 1])
                if hit is not None:
                    found.append(Match(hit[0], hit[1], True, _negated(tokens, clauses, p)))
                    spent.update((p, p + 1))
        return found


def _negated(tokens: Sequence[str], clauses: Sequence[int], start: int) -> bool:
    """Whether a negation word governs the phrase starting at `start`.

    It must stand in the same clause, at most NEGATION_REACH words before, with only
    NEGATION_BRIDGES words between. Anything less certain counts as not negated: a flag
    the practitioner can dismiss is safer than a condition silently dropped.
    """
    for p in range(start - 1, max(-1, start - 1 - NEGATION_REACH), -1):
        if clauses[p] != clauses[start]:
            return False
        if tokens[p] in NEGATIONS:
            return True
        if tokens[p] not in NEGATION_BRIDGES:
            return False
    return False
