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
- a phrase of two parts ("knee ... replaced") matches when both parts stand in that order
  in one clause with at most GAP_WORDS words between ("my knee was replaced");
- a short key (under MIN_JOINED letters) matches only as the whole words it was written
  with, so "as a" never reads as ASA and "I c d" never as ICD;
- whether a phrase is negated, someone else's, stopped or planned is not decided here:
  `context.py` reads that from the words around each match's position.
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

# Punctuation that ends a clause: a modifier such as "no" or "my mother" never reaches
# across it ("nil else. Lymphoedema"; "no issues \u2013 haemophilia"). A hyphen inside a word
# ("co-codamol", "pre-diabetes") is not a break, a free-standing dash is. A comma is a
# weaker break: context.py decides per modifier whether a list carries on across it.
_BREAK = re.compile(r"(,)|[;:.!?()\[\]{}|+&/\\\n\u2013\u2014]|(?:^|\s)-+|-+(?:\s|$)")
NO_BREAK, COMMA, CLAUSE = 0, 1, 2
# Dotted initials ("I.C.D.", "M.S.T") are one word.
_INITIALS = re.compile(r"\b(?:[A-Za-z]\.){2,}(?:[A-Za-z]\b)?")

# Phrases with two parts ("knee ... replaced"): how many words may stand between them.
GAP_WORDS = 3
GAP_MARK = "..."
# A key shorter than this matches only when the text's words are the term's own words.
MIN_JOINED = 6

_SPELLING = (("ae", "e"), ("oe", "e"), ("isation", "ization"), ("sulph", "sulf"))


def _fold(word: str) -> str:
    for british, american in _SPELLING:
        word = word.replace(british, american)
    if len(word) > 4 and word.endswith("our"):
        word = word[:-3] + "or"
    return word


def words(text: str) -> list[str]:
    """Normalised words of `text` (see module docstring)."""
    if not text.isascii():
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        # Accents go; any other non-ASCII character (a dash, a bullet) separates words.
        text = "".join(
            ch if ch.isascii() else " "
            for ch in unicodedata.normalize("NFKD", text)
            if not unicodedata.combining(ch)
        )
    text = text.lower()
    text = _POSSESSIVE.sub("", text).replace("'", "")
    out = []
    for word in _WORD.findall(text):
        if word in DROPPED_WORDS or _NUMBERISH.match(word):
            continue
        out.append(_fold(word))
    return out


@dataclass(frozen=True, slots=True)
class Tokens:
    """The normalised words of one text and, before each word, the strongest break since
    the previous one (NO_BREAK, COMMA or CLAUSE)."""

    words: list[str]
    breaks: list[int]


def tokenise(text: str) -> Tokens:
    """`words(text)` with the clause breaks between them. Phrases still match across a
    break ("pace-maker"); the breaks only limit how far a modifier reaches."""
    text = _INITIALS.sub(lambda m: m.group(0).replace(".", ""), text)
    tokens: list[str] = []
    breaks: list[int] = []
    pending = NO_BREAK
    position = 0
    for found in _BREAK.finditer(text):
        for word in words(text[position : found.start()]):
            tokens.append(word)
            breaks.append(pending)
            pending = NO_BREAK
        pending = max(pending, COMMA if found.group(1) else CLAUSE)
        position = found.end()
    for word in words(text[position:]):
        tokens.append(word)
        breaks.append(pending)
        pending = NO_BREAK
    return Tokens(tokens, breaks)


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
    start: int  # position of its first word in Scan.tokens.words
    end: int  # one past its last word


@dataclass(frozen=True, slots=True)
class Scan(Generic[V]):
    tokens: Tokens
    matches: list[Match[V]]
    # Runs of adjacent words that no phrase matched, exactly or by spelling, in order.
    rest: list[tuple[str, ...]]


class PhraseIndex(Generic[V]):
    """Known phrases → values, found in text by exact n-grams with a spelling fallback."""

    def __init__(self) -> None:
        self._exact: dict[str, tuple[V, str, tuple[str, ...]]] = {}
        self._by_initial: dict[str, list[tuple[str, V, str]]] = defaultdict(list)
        self._plural_only: set[str] = set()
        # Two-part phrases by their first part's word: (first, second, value, term).
        self._gapped: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], V, str]]] = (
            defaultdict(list)
        )
        self._max_words = 1
        self._fuzzy_cache: dict[str, tuple[V, str] | None] = {}

    def add(self, term: str, value: V, *, keep_existing: bool = False) -> None:
        """Register `term` for `value`.

        A phrase already bound to another value is an error (the data would be ambiguous),
        unless `keep_existing` is set: then the earlier binding wins, which is how a
        lower-precedence vocabulary is merged in. "knee ... replaced" is a two-part phrase.
        """
        if GAP_MARK in term:
            first, _, second = (words(part) for part in term.partition(GAP_MARK))
            if not first or not second:
                raise ValueError(f"two-part phrase {term!r} needs words on both sides")
            for head in {tuple(first), (*first[:-1], first[-1] + "s")}:
                self._gapped[head[0]].append((head, tuple(second), value, term))
            return
        key_words = words(term)
        if not key_words:
            raise ValueError(f"phrase {term!r} has no words left after normalisation")
        key = "".join(key_words)
        existing = self._exact.get(key)
        if existing is not None and key not in self._plural_only:
            if existing[0] == value or keep_existing:
                return
            raise ValueError(f"phrase {term!r} is ambiguous with {existing[1]!r}")
        self._exact[key] = (value, term, tuple(key_words))
        self._plural_only.discard(key)
        plural = key + "s"
        if not key.endswith("s") and plural not in self._exact:
            self._exact[plural] = (value, term, (*key_words[:-1], key_words[-1] + "s"))
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

    def read(self, text: str | Tokens, *, by_spelling: bool = True) -> Scan[V]:
        """Every known phrase in `text` (as `scan`) and the words no phrase accounts for.
        `text` may be given already tokenised, to read one answer with two indexes.

        `by_spelling=False` matches exactly only, for text where a near miss is more likely
        an ordinary word than a misspelt term."""
        tokens = tokenise(text) if isinstance(text, str) else text
        found = tokens.words
        matches: list[Match[V]] = []
        unmatched: list[int] = []
        i = 0
        while i < len(found):
            for n in range(min(self._max_words, len(found) - i), 0, -1):
                hit = self._exact.get("".join(found[i : i + n]))
                if hit is not None and _whole(hit[2], found[i : i + n]):
                    matches.append(Match(hit[0], hit[1], False, i, i + n))
                    i += n
                    break
            else:
                unmatched.append(i)
                i += 1
        spent: set[int] = set()
        if unmatched and self._gapped:
            matches.extend(self._scan_gapped(tokens, unmatched, spent))
        if unmatched and by_spelling:
            left = [p for p in unmatched if p not in spent]
            matches.extend(self._scan_fuzzy(found, left, spent))
        matches.sort(key=lambda match: match.start)
        rest: list[list[str]] = []
        previous = -2
        for p in unmatched:
            if p in spent:
                continue
            if p != previous + 1 or not rest:
                rest.append([])
            rest[-1].append(found[p])
            previous = p
        return Scan(tokens, matches, [tuple(run) for run in rest])

    def _scan_gapped(self, tokens: Tokens, positions: list[int], spent: set[int]) -> list[Match[V]]:
        """Two-part phrases among the unmatched `positions`: the first part, then within
        GAP_WORDS words and the same clause, the second ("my knee was replaced")."""
        found: list[Match[V]] = []
        free = set(positions)
        words_, breaks = tokens.words, tokens.breaks
        for p in positions:
            for first, second, value, term in self._gapped.get(words_[p], ()):
                if p in spent or not all(
                    p + k in free and words_[p + k] == w for k, w in enumerate(first)
                ):
                    continue
                after = p + len(first)
                for q in range(after, min(after + GAP_WORDS + 1, len(words_) - len(second) + 1)):
                    if breaks[q] == CLAUSE:
                        break
                    span = range(q, q + len(second))
                    if all(r in free and words_[r] == w for r, w in zip(span, second, strict=True)):
                        found.append(Match(value, term, False, p, q + len(second)))
                        spent.update(range(p, p + len(first)))
                        spent.update(span)
                        break
        return found

    def _scan_fuzzy(
        self, tokens: Sequence[str], positions: Iterable[int], spent: set[int]
    ) -> list[Match[V]]:
        """Spelling matches among the unmatched `positions`; the positions they use are
        added to `spent`."""
        found: list[Match[V]] = []
        candidates = [p for p in positions if tokens[p] not in STOP_WORDS]
        for p in candidates:
            hit = self._fuzzy(tokens[p]) if not tokens[p].isdigit() else None
            if hit is not None:
                found.append(Match(hit[0], hit[1], True, p, p + 1))
                spent.add(p)
        # Two unknown neighbours may be one misspelt name typed with a space ("co codomol").
        candidate_set = set(candidates)
        for p in candidates:
            if p + 1 in candidate_set and not {p, p + 1} & spent:
                hit = self._fuzzy(tokens[p] + tokens[p + 1])
                if hit is not None:
                    found.append(Match(hit[0], hit[1], True, p, p + 2))
                    spent.update((p, p + 1))
        return found


def _whole(term_words: tuple[str, ...], text_words: list[str]) -> bool:
    """Whether words of the text may stand for a term: as the term's own words, or joined
    differently ("pace maker") only when the joined key is long enough not to arise by
    chance from everyday words ("as a" is not ASA)."""
    if tuple(text_words) == term_words:
        return True
    return len("".join(text_words)) >= MIN_JOINED and all(len(w) > 1 for w in text_words)
