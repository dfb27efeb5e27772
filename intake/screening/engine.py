"""The safety-screening engine: a pure function from intake answers to flags.

`screen()` validates the answers, reads the free text through the phrase indexes built from
`data/rules.json` and `data/medications.json` (once, at import), and applies the rules. The
only knowledge of clinical rules in the project lives here and in those two files.

No Django imports: the `screen` management command, the intake views and the tests all call
this module directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .context import (
    CATEGORIES as CONTEXT_CATEGORIES,
)
from .context import (
    FAMILY,
    NEGATED,
    PAST,
    PLANNED,
    STOPPED,
    Modifier,
    load_context,
)
from .matching import STOP_WORDS, Match, PhraseIndex, Scan, tokenise, word_set, words
from .measures import (
    MAX_AGE_YEARS,
    MAX_DURATION_MONTHS,
    SCORE_MAX,
    SCORE_MIN,
    age_on,
    duration_text,
)
from .severities import SEVERITIES
from .vocabulary import HISTORY, PAIN_REGIONS, PREGNANCY, RED_FLAGS, SEX_AT_BIRTH

CATEGORIES: tuple[str, ...] = (
    "bleeding",
    "electrical_device",
    "pregnancy",
    "seizure",
    "fainting",
    "infection",
    "diabetes",
    "sensation",
    "cancer",
    "lymphoedema",
    "implant",
    "thorax",
    "skin",
    "allergy",
    "cardiac_valve",
    "unstable",
    "capacity",
    "red_flag",
    "medication_review",
)
MODALITIES: tuple[str, ...] = ("MN", "EA", "MOX", "CUP", "PTS", "ALL")
GRADE_SEVERITY: dict[str, str] = {
    "ABSOLUTE": "contraindicated",
    "RELATIVE": "caution",
    "DEFER": "defer",
    "INFO": "info",
    "REFER": "refer",
}
GUIDE_URL = "/guide/safety/#{category}"

# Input limits: generous for a person, small enough that one intake stays cheap to screen.
MAX_TEXT = 500
MAX_ITEMS = 100

DATA_DIR = Path(__file__).resolve().parent / "data"

_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
_SPINE_REGIONS = frozenset({"neck", "upper_back", "low_back"})
_PREGNANT_ANSWERS = frozenset({"yes", "possible"})
_QUOTE_LIMIT = 120


class ScreeningInputError(ValueError):
    """Answers that cannot be screened. `field` is the key path, e.g. "pain.peg.pain"."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


# ---------------------------------------------------------------------------------------
# Reference data


@dataclass(frozen=True)
class Variant:
    grade: str
    severity: str
    affects: tuple[str, ...]
    title: str
    action: str


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    grade: str
    severity: str
    affects: tuple[str, ...]
    title: str
    action: str
    rationale: str
    sources: tuple[str, ...]
    trigger: str
    triggered_by: str
    red_flag_key: str | None = None
    history_keys: tuple[str, ...] = ()
    variants: Mapping[str, Variant] = field(default_factory=dict)


@dataclass(frozen=True)
class Raise:
    """A rule to raise: "R11", "R11.near_device" (variant) or "R14@info" (severity)."""

    rule: str
    variant: str | None = None
    severity: str | None = None

    @classmethod
    def parse(cls, spec: str) -> Raise:
        spec, _, severity = spec.partition("@")
        rule, _, variant = spec.partition(".")
        return cls(rule, variant or None, severity or None)


@dataclass(frozen=True)
class Concept:
    key: str
    label: str
    raises: tuple[Raise, ...]
    tags: frozenset[str]
    # Rules still raised in full when the concept is reported as past or stopped; None for
    # history that matters whenever it happened (a cancer in remission is still R23).
    past: frozenset[str] | None = None


@dataclass(frozen=True)
class MedClass:
    key: str
    label: str
    bleeding: str | None
    raises: tuple[Raise, ...]
    implies: str | None
    tags: frozenset[str]
    # Rules still raised in full for a medicine reported as stopped (a past chemotherapy
    # still means a history of cancer); the others drop to info.
    past: frozenset[str] = frozenset()
    systemic: bool = False  # its rules need systemic use (corticosteroids: R21, R36)


@dataclass(frozen=True)
class Medicine:
    generic: str
    med_class: MedClass
    raises: tuple[Raise, ...]
    bleeding_weight: int
    teratogen: bool
    also: tuple[str, ...]
    names: tuple[str, ...]  # generic first, then brands and aliases
    brands: tuple[str, ...]
    ref: int | None


@dataclass(frozen=True)
class Ruleset:
    version: str
    rules: Mapping[str, Rule]
    medicines: tuple[Medicine, ...]
    by_generic: Mapping[str, Medicine]
    conditions: PhraseIndex[Concept]
    conditions_and_medicines: PhraseIndex[Concept | Medicine]
    allergies: PhraseIndex[Concept]
    medicine_names: PhraseIndex[Medicine]
    red_flag_rules: Mapping[str, str]
    history_rules: Mapping[str, str]
    suggestions: tuple[tuple[str, str], ...]  # (lowercased name, display name), sorted


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"screening data: {message}")


def _load_rule(raw: Mapping[str, Any]) -> Rule:
    rid = raw["id"]
    _check(raw["category"] in CATEGORIES, f"{rid} has unknown category {raw['category']!r}")
    variants = {}
    for name, v in raw.get("variants", {}).items():
        variants[name] = Variant(
            v["grade"], v["severity"], tuple(v["affects"]), v["title"], v["action"]
        )
    for grade, severity, affects, where in [
        (raw["grade"], raw["severity"], raw["affects"], rid),
        *((v.grade, v.severity, v.affects, f"{rid}.{n}") for n, v in variants.items()),
    ]:
        _check(GRADE_SEVERITY.get(grade) == severity, f"{where}: grade {grade} is not {severity}")
        _check(bool(affects) and set(affects) <= set(MODALITIES), f"{where}: bad affects")
    _check(raw["trigger"] in ("intake", "reference"), f"{rid}: bad trigger")
    return Rule(
        id=rid,
        category=raw["category"],
        grade=raw["grade"],
        severity=raw["severity"],
        affects=tuple(raw["affects"]),
        title=raw["title"],
        action=raw["action"],
        rationale=raw["rationale"],
        sources=tuple(raw["sources"]),
        trigger=raw["trigger"],
        triggered_by=raw["triggered_by"],
        red_flag_key=raw.get("red_flag_key"),
        history_keys=tuple(raw.get("history_keys", ())),
        variants=variants,
    )


def _raises(specs: Iterable[str], rules: Mapping[str, Rule], where: str) -> tuple[Raise, ...]:
    parsed = tuple(Raise.parse(spec) for spec in specs)
    for r in parsed:
        _check(r.rule in rules, f"{where} raises unknown rule {r.rule}")
        _check(r.variant is None or r.variant in rules[r.rule].variants, f"{where}: {r}")
        _check(r.severity is None or r.severity in SEVERITIES, f"{where}: {r}")
    return parsed


def _load_concepts(raw: Iterable[Mapping[str, Any]], rules: Mapping[str, Rule]) -> list[Concept]:
    return [
        Concept(
            key=c["key"],
            label=c["label"],
            raises=_raises(c.get("raises", ()), rules, c["key"]),
            tags=frozenset(c.get("tags", ())),
            past=frozenset(c["past"]) if "past" in c else None,
        )
        for c in raw
    ]


def load_ruleset(data_dir: Path = DATA_DIR) -> Ruleset:
    """Read and cross-check the data files and build the lookup indexes."""
    rules_doc = json.loads((data_dir / "rules.json").read_text(encoding="utf-8"))
    meds_doc = json.loads((data_dir / "medications.json").read_text(encoding="utf-8"))
    context_doc = json.loads((data_dir / "context.json").read_text(encoding="utf-8"))
    version = rules_doc["version"]
    _check(meds_doc["version"] == version, "rules.json and medications.json versions differ")
    _check(context_doc["version"] == version, "rules.json and context.json versions differ")

    rules = {}
    for raw in rules_doc["rules"]:
        _check(raw["id"] not in rules, f"duplicate rule {raw['id']}")
        rules[raw["id"]] = _load_rule(raw)
    expected = {f"R{n:02d}" for n in range(1, 46)} | {f"RF{n:02d}" for n in range(1, 26)}
    _check(expected <= set(rules), f"missing rules {sorted(expected - set(rules))}")

    red_flag_rules = {r.red_flag_key: r.id for r in rules.values() if r.red_flag_key}
    _check(set(red_flag_rules) == set(RED_FLAGS), "red_flag_key must cover vocabulary.RED_FLAGS")
    history_rules = {key: r.id for r in rules.values() for key in r.history_keys}
    _check(set(history_rules) == set(HISTORY), "history_keys must cover vocabulary.HISTORY")

    classes = {
        key: MedClass(
            key=key,
            label=c["label"],
            bleeding=c.get("bleeding"),
            raises=_raises(c.get("raises", ()), rules, key),
            implies=c.get("implies"),
            tags=frozenset(c.get("tags", ())),
            past=frozenset(c.get("past", ())),
            systemic=c.get("systemic", False),
        )
        for key, c in meds_doc["classes"].items()
    }
    medicines = []
    for m in meds_doc["medicines"]:
        names = (m["generic"], *m.get("us", ()), *m.get("uk", ()), *m.get("aliases", ()))
        medicines.append(
            Medicine(
                generic=m["generic"],
                med_class=classes[m["class"]],
                raises=_raises(m.get("raises", ()), rules, m["generic"]),
                bleeding_weight=m.get("bleeding_weight", 1),
                teratogen=m.get("teratogen", False),
                also=tuple(m.get("also", ())),
                names=tuple(dict.fromkeys(names)),
                brands=tuple(dict.fromkeys((*m.get("us", ()), *m.get("uk", ())))),
                ref=m.get("ref"),
            )
        )
    by_generic = {m.generic: m for m in medicines}
    _check(len(by_generic) == len(medicines), "duplicate generic name")
    for m in medicines:
        _check(all(a in by_generic for a in m.also), f"{m.generic}: unknown `also`")
    for key, c in classes.items():
        _check(c.past <= {r.rule for r in c.raises}, f"{key}: `past` names a rule it lacks")

    medicine_names: PhraseIndex[Medicine] = PhraseIndex()
    for m in medicines:
        for name in m.names:
            medicine_names.add(name, m)

    condition_concepts = _load_concepts(rules_doc["condition_concepts"], rules)
    allergy_concepts = _load_concepts(rules_doc["allergy_concepts"], rules)
    conditions: PhraseIndex[Concept] = PhraseIndex()
    for concept, term in _terms(condition_concepts, rules_doc["condition_concepts"]):
        conditions.add(term, concept)
    allergies: PhraseIndex[Concept] = PhraseIndex()
    for concept, term in _terms(allergy_concepts, rules_doc["allergy_concepts"]):
        allergies.add(term, concept)
    # Conditions text is read for conditions first, then allergies ("nickel allergy"), then
    # medicine names ("on warfarin for AF"); an earlier vocabulary wins a shared phrase.
    combined: PhraseIndex[Concept | Medicine] = PhraseIndex()
    for concept, term in _terms(condition_concepts, rules_doc["condition_concepts"]):
        combined.add(term, concept)
    for concept, term in _terms(allergy_concepts, rules_doc["allergy_concepts"]):
        combined.add(term, concept, keep_existing=True)
    for m in medicines:
        for name in m.names:
            # A short abbreviation or brand ("ASA", "MST") is read only in the medicines
            # box: among conditions it is more likely an everyday word or another
            # abbreviation than a medicine.
            if len("".join(words(name))) >= _MIN_CONDITION_BOX_NAME:
                combined.add(name, m, keep_existing=True)

    # Type-ahead offers brands and plain generic names, not descriptions such as
    # "aspirin with dipyridamole" or "an unspecified blood thinner".
    plain = [
        m.generic for m in medicines if not re.search(r"^(an|unspecified) | with |\(", m.generic)
    ]
    names = {name for m in medicines for name in m.brands} | set(plain)
    suggestions = sorted((name.lower(), name) for name in names)
    return Ruleset(
        version=version,
        rules=rules,
        medicines=tuple(medicines),
        by_generic=by_generic,
        conditions=conditions,
        conditions_and_medicines=combined,
        allergies=allergies,
        medicine_names=medicine_names,
        red_flag_rules=red_flag_rules,
        history_rules=history_rules,
        suggestions=tuple(suggestions),
    )


def _terms(
    concepts: list[Concept], raw: Iterable[Mapping[str, Any]]
) -> Iterable[tuple[Concept, str]]:
    for concept, raw_concept in zip(concepts, raw, strict=True):
        for term in raw_concept["terms"]:
            yield concept, term


_MIN_CONDITION_BOX_NAME = 5
RULESET = load_ruleset()
CONTEXT, CONTEXT_DOC = load_context(DATA_DIR / "context.json")
# Any change to the data files bumps this (tests pin a fingerprint of the files per version).
RULESET_VERSION: str = RULESET.version


# ---------------------------------------------------------------------------------------
# Validation


def _fail(path: str, message: str) -> ScreeningInputError:
    return ScreeningInputError(path, message)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, "must be text")
    if len(value) > MAX_TEXT:
        raise _fail(path, f"must be at most {MAX_TEXT} characters")
    return value.strip()


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, "must be a list")
    if len(value) > MAX_ITEMS:
        raise _fail(path, f"must have at most {MAX_ITEMS} entries")
    return value


def _integer(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(path, f"must be a whole number from {low} to {high}")
    return value


def _choice(value: Any, path: str, allowed: Mapping[str, str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _fail(path, f"must be one of: {', '.join(allowed)}")
    return value


def _object(value: Any, path: str, allowed: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be an object" if path else "the intake must be a JSON object")
    allowed = tuple(allowed)
    for key in value:
        if key not in allowed:
            name = _key_name(key)
            where = f"{path}.{name}" if path else name
            raise _fail(where, f"unknown field (allowed: {', '.join(allowed)})")
    return value


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]{1,40}")


def _key_name(key: Any) -> str:
    """An unknown key as it can be shown in a one-line message: plain keys as they are, any
    other (a newline, quotes, a very long one) quoted and escaped by repr()."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return key
    text = repr(key)
    return text if len(text) <= 60 else text[:59] + "\u2026"


def _keys(value: Any, path: str, allowed: Mapping[str, str]) -> list[str]:
    items = [_choice(item, f"{path}[{i}]", allowed) for i, item in enumerate(_list(value, path))]
    return list(dict.fromkeys(items))


def _texts(value: Any, path: str) -> list[str]:
    items = (_text(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))
    return [item for item in items if item]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The input document's keys, in the order the contract lists them.
CONTRACT_KEYS = (
    "date_of_birth",
    "sex_at_birth",
    "pregnancy",
    "conditions",
    "medications",
    "allergies",
    "red_flags",
    "history",
    "pain",
)
_MEDICATION_FIELDS = ("name", "dose", "frequency", "reason")


def _date_of_birth(value: Any, today: date) -> str:
    path = "date_of_birth"
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise _fail(path, "must be a date written YYYY-MM-DD")
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise _fail(path, "is not a real calendar date") from None
    if born > today:
        raise _fail(path, "is in the future")
    if age_on(born, today) > MAX_AGE_YEARS:
        raise _fail(path, f"gives an age over {MAX_AGE_YEARS}")
    return value


def _medications(value: Any) -> list[str | dict[str, str]]:
    out: list[str | dict[str, str]] = []
    for i, item in enumerate(_list(value, "medications")):
        path = f"medications[{i}]"
        if isinstance(item, str):
            name = _text(item, path)
            if name:
                out.append(name)
            continue
        entry = _object(item, path, _MEDICATION_FIELDS)
        if entry.get("name") is None:
            raise _fail(f"{path}.name", "is required")
        cleaned = {
            key: _text(entry[key], f"{path}.{key}")
            for key in _MEDICATION_FIELDS
            if entry.get(key) is not None
        }
        if cleaned["name"]:
            out.append({key: text for key, text in cleaned.items() if text})
    return out


def _pain(value: Any) -> dict[str, Any]:
    pain = _object(value, "pain", ("regions", "duration_months", "peg"))
    out: dict[str, Any] = {}
    if pain.get("regions") is not None:
        out["regions"] = _keys(pain["regions"], "pain.regions", PAIN_REGIONS)
    if pain.get("duration_months") is not None:
        out["duration_months"] = _integer(
            pain["duration_months"], "pain.duration_months", 0, MAX_DURATION_MONTHS
        )
    if pain.get("peg") is not None:
        peg = _object(pain["peg"], "pain.peg", ("pain", "enjoyment", "activity"))
        out["peg"] = {
            key: _integer(peg[key], f"pain.peg.{key}", SCORE_MIN, SCORE_MAX)
            for key in ("pain", "enjoyment", "activity")
            if peg.get(key) is not None
        }
    return out


def validate_answers(answers: Any, *, today: date | None = None) -> dict[str, Any]:
    """A normalised copy of `answers`, or ScreeningInputError naming the first bad field.

    Every key is optional and a null value counts as absent. Text is stripped and empty
    entries dropped; key lists are de-duplicated. Only impossible values are rejected:
    combinations (e.g. pregnancy for a male sex at birth) are left to the practitioner.
    """
    today = today or date.today()
    source = _object(answers, "", CONTRACT_KEYS)
    out: dict[str, Any] = {}
    for key in CONTRACT_KEYS:
        value = source.get(key)
        if value is None:
            continue
        if key == "date_of_birth":
            out[key] = _date_of_birth(value, today)
        elif key == "sex_at_birth":
            out[key] = _choice(value, key, SEX_AT_BIRTH)
        elif key == "pregnancy":
            out[key] = _choice(value, key, PREGNANCY)
        elif key in ("conditions", "allergies"):
            out[key] = _texts(value, key)
        elif key == "medications":
            out[key] = _medications(value)
        elif key == "red_flags":
            out[key] = _keys(value, key, RED_FLAGS)
        elif key == "history":
            out[key] = _keys(value, key, HISTORY)
        else:
            out[key] = _pain(value)
    return out


# ---------------------------------------------------------------------------------------
# Reading the answers


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1].rstrip() + "\u2026"
    return f"'{text}'"


@dataclass(frozen=True)
class _Mention:
    """A concept found in what the patient typed."""

    concept: Concept
    where: str  # e.g. "condition 'haemophilia A'"
    text: str  # the raw entry, for qualifiers such as "poorly controlled"
    term: str
    fuzzy: bool
    planned: bool = False  # "planning a pregnancy"

    @property
    def because(self) -> str:
        read_as = f" (read as '{self.term}')" if self.fuzzy else ""
        return f"{self.where}{read_as} mentions {self.concept.label}"


@dataclass(frozen=True)
class _MedicineUse:
    """A medicine found in the medication list (or named in a condition)."""

    medicine: Medicine
    where: str  # e.g. "medication 'Eliquis 5mg'"
    term: str
    fuzzy: bool

    def describe(self, *, with_implication: bool = True) -> str:
        m = self.medicine
        if self.fuzzy:
            what = f"reads as {self.term}, which is {m.generic}"
        elif self.where.startswith("condition"):
            what = f"mentions {m.generic}"
        else:
            what = f"is {m.generic}"
        implies = m.med_class.implies
        tail = f", which suggests {implies}" if implies and with_implication else ""
        return f"{self.where} {what}, {m.med_class.label}{tail}"


@dataclass
class _Reading:
    mentions: list[_Mention] = field(default_factory=list)  # current, the patient's own
    medicines: list[_MedicineUse] = field(default_factory=list)  # taken now
    unrecognised: list[str] = field(default_factory=list)  # because-sentences for MR01
    # Mentions read but not raised as current: each kept with its reason (the `considered`
    # list), and the rules to show at info level or, for history that matters, in full.
    considered: list[dict[str, Any]] = field(default_factory=list)
    at_info: list[tuple[str, str]] = field(default_factory=list)  # (rule, because)
    kept: list[tuple[Raise, str]] = field(default_factory=list)

    def of(self, key: str) -> list[_Mention]:
        return [m for m in self.mentions if m.concept.key == key]

    def alone(self, mention: _Mention) -> bool:
        """Whether the answer naming `mention` names no other condition, so that a word
        that lowers a severity ("mild", "well controlled") can only be about this one. In
        "mild asthma, haemophilia" it may not lower the haemophilia."""
        return all(
            m.concept.key == mention.concept.key
            for m in self.mentions
            if (m.where, m.text) == (mention.where, mention.text)
        )

    def tagged(self, tag: str) -> list[str]:
        """Because-sentences for every mention or medicine carrying `tag`."""
        found = [m.because for m in self.mentions if tag in m.concept.tags]
        found += [u.describe() for u in self.medicines if tag in u.medicine.med_class.tags]
        return found


# A medication answer that says "nothing": the words that may make it up ("None.",
# "nothing at the moment", "n/a", "no regular medication") ...
_NONE_ANSWERS = frozenset({"none", "nil", "no", "nothing", "na", "nope", "not"})
_NONE_FILLER = word_set(
    """
    n a applicable at the moment present currently current now right just any all known
    regular regularly prescribed medication medications medicine medicines meds drugs
    tablets pills i im am on taking take taken
    """
)
# ... and the words that may stand around a medicine's name without naming another one
# (data/context.json, "medicine_words"). A reason the conditions vocabulary knows ("for
# diabetes") is accepted as well. Anything else left over may be a second medicine, so it
# goes to medication review.
_MEDICATION_FILLER = word_set(" ".join(CONTEXT_DOC["medicine_words"]))
_ROUTES = {name: re.compile(pattern, re.I) for name, pattern in CONTEXT_DOC["routes"].items()}
_SHORT_COURSE = re.compile(CONTEXT_DOC["short_course"], re.I)
_LONG_TERM = re.compile(CONTEXT_DOC["long_term"], re.I)
_BLEEDING_RULE = {
    "anticoagulant": "R06",
    "antiplatelet": "R07",
    "ssri_snri": "R08",
    "nsaid": "R09",
    "supplement": "R10",
}
_TAG_RULE = {"pregnant": "R01", "trying": "R01", "epilepsy": "R14", "coagulopathy": "R04"}
_TAG_RULE["von_willebrand"] = "R04"
_NOT_RELATIVES = frozenset({"friend", "colleague", "neighbour"})
STOPPED_NOTE = "reported as stopped \u2014 confirm"
PAST_NOTE = "reported as in the past \u2014 confirm"
PLANNED_NOTE = "planned \u2014 confirm at the visit"


def _says_none(name: str) -> bool:
    """Whether a medication answer means "no medication" ("None.", "nothing at the
    moment", "n/a", "not on any medication")."""
    tokens = words(re.sub(r"\bn\s*/\s*a\b", "na", name, flags=re.I))
    if not tokens:
        # Only punctuation ("-", "?"): nothing was named. A bare dose ("5mg") is not this.
        return not re.search(r"\w", name)
    core = [t for t in tokens if t not in _NONE_FILLER]
    return bool(core) and all(t in _NONE_ANSWERS for t in core)


def _clause_of(text: str, match_words: Iterable[str]) -> str:
    """The clause of `text` (split at commas and stronger breaks) holding the first of
    `match_words`, so a route or course word is read only beside the medicine it is about
    ("prednisolone tablets, steroid cream")."""
    wanted = set(match_words)
    for clause in re.split(r"[,;:.!?()\[\]|+&/\n\u2013\u2014]|\s-+\s|\band\b", text):
        if wanted & set(words(clause)):
            return clause
    return text


def _rules_of(concept: Concept) -> list[str]:
    ids = [r.rule for r in concept.raises]
    ids += [_TAG_RULE[tag] for tag in sorted(concept.tags) if tag in _TAG_RULE]
    return list(dict.fromkeys(ids))


def _medicine_rules(medicine: Medicine) -> list[str]:
    ids = [r.rule for r in (*medicine.med_class.raises, *medicine.raises)]
    if medicine.med_class.bleeding:
        ids.append(_BLEEDING_RULE[medicine.med_class.bleeding])
    return list(dict.fromkeys(ids))


def _family_reason(concept: Concept | None, trigger: str) -> str:
    if concept is not None and concept.tags & {"pregnant", "trying"}:
        return f"about someone else's pregnancy ('{trigger}')"
    if trigger in _NOT_RELATIVES:
        return f"someone else's ('{trigger}')"
    return f"a family member's ('{trigger}')"


class _Reader:
    """Reads one intake's free text into a _Reading, one answer at a time."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.reading = _Reading()
        sex = answers.get("sex_at_birth")
        pregnancy = answers.get("pregnancy")
        # The patient's own answers about sex and pregnancy win over free text.
        self.pregnancy_answer: str | None = None
        if sex == "male":
            self.pregnancy_answer = "sex at birth answer is 'male'"
        elif pregnancy in ("no", "not_applicable"):
            self.pregnancy_answer = f"pregnancy answer is '{pregnancy}'"

    def consider(self, where: str, label: str, reason: str, rules: Iterable[str]) -> None:
        entry = {"where": where, "mention": label, "reason": reason, "rules": list(rules)}
        if entry not in self.reading.considered:
            self.reading.considered.append(entry)

    def concept(
        self,
        concept: Concept,
        where: str,
        text: str,
        match: Match[Any],
        modifiers: list[Modifier],
    ) -> None:
        mention = _Mention(concept, where, text, match.term, match.fuzzy)
        rules = _rules_of(concept)
        category = modifiers[0].category if modifiers else None
        trigger = modifiers[0].trigger if modifiers else ""
        if category == FAMILY:
            self.consider(where, concept.label, _family_reason(concept, trigger), rules)
            return
        if category == NEGATED:
            self.consider(where, concept.label, f"negated ('{trigger}')", rules)
            return
        if concept.tags & {"pregnant", "trying"} and self.pregnancy_answer:
            self.consider(where, concept.label, f"the {self.pregnancy_answer}", rules)
            return
        if not rules and not concept.tags:
            # A harmless phrase that exists to outrank an alarming one ("hair transplant").
            self.consider(where, concept.label, "not a screening trigger", ())
            return
        if "systemic_steroid" in concept.tags and self._local_steroid(where, text, [match.term]):
            return
        if category == PLANNED and "pregnant" in concept.tags:
            # "planning a pregnancy" is trying to conceive.
            self.reading.mentions.append(
                _Mention(concept, where, text, match.term, match.fuzzy, planned=True)
            )
            return
        if category == PLANNED or (category in (STOPPED, PAST) and concept.past is not None):
            note = PLANNED_NOTE if category == PLANNED else PAST_NOTE
            kept = concept.past if category != PLANNED else frozenset()
            assert kept is not None
            for raise_ in concept.raises:
                if raise_.rule in kept:
                    self.reading.kept.append((raise_, mention.because))
            info = [rule for rule in rules if rule not in kept]
            for rule in info:
                self.reading.at_info.append((rule, f"{mention.because} \u2014 {note}"))
            self.consider(where, concept.label, note, info)
            return
        self.reading.mentions.append(mention)

    def medicine(
        self,
        medicine: Medicine,
        where: str,
        text: str,
        match: Match[Any],
        modifiers: list[Modifier],
    ) -> None:
        uses = [_MedicineUse(medicine, where, match.term, match.fuzzy)]
        uses += [_MedicineUse(RULESET.by_generic[o], where, o, False) for o in medicine.also]
        modifiers = [m for m in modifiers if m.category != PAST]
        category = modifiers[0].category if modifiers else None
        trigger = modifiers[0].trigger if modifiers else ""
        for use in uses:
            m = use.medicine
            rules = _medicine_rules(m)
            label = f"{m.generic}, {m.med_class.label}"
            if category == FAMILY:
                self.consider(where, label, _family_reason(None, trigger), rules)
            elif category == NEGATED:
                self.consider(where, label, f"negated ('{trigger}')", rules)
            elif m.med_class.systemic and self._local_steroid(where, text, [match.term]):
                pass
            elif category in (PLANNED, STOPPED):
                note = PLANNED_NOTE if category == PLANNED else STOPPED_NOTE
                kept = m.med_class.past if category == STOPPED else frozenset()
                for raise_ in (*m.med_class.raises, *m.raises):
                    if raise_.rule in kept:
                        self.reading.kept.append((raise_, use.describe()))
                info = [rule for rule in rules if rule not in kept]
                for rule in info:
                    self.reading.at_info.append((rule, f"{use.describe()} \u2014 {note}"))
                self.consider(where, label, note, info)
            else:
                self.reading.medicines.append(use)

    def _local_steroid(self, where: str, text: str, term_words: list[str]) -> bool:
        """Whether a corticosteroid named in `text` is used locally or as a short course,
        which R21 and R36 (long-term systemic use) do not cover; kept as considered."""
        clause = _clause_of(text, words(" ".join(term_words)))
        for route, pattern in _ROUTES.items():
            if pattern.search(clause):
                self.consider(
                    where,
                    "a corticosteroid",
                    f"{route} use, not systemic (R21 and R36 need systemic use)",
                    ("R21", "R36"),
                )
                return True
        if _SHORT_COURSE.search(text) and not _LONG_TERM.search(text):
            self.consider(
                where,
                "a corticosteroid",
                "a short course, not long-term use (R21 and R36 need long-term use)",
                ("R21", "R36"),
            )
            return True
        return False

    def text(
        self,
        index: PhraseIndex[Any],
        text: str,
        where: str,
        *,
        extra: Mapping[str, str] | None = None,
        medicines: bool = True,
    ) -> tuple[Scan[Any], set[int]]:
        """Read one answer: every known phrase in it with the context around it. `extra`
        is text beside the answer (a medicine's dose and how often) whose triggers apply
        to the whole answer ("stopped in March"). Returns the scan and the positions the
        known phrases and the triggers account for."""
        scan = index.read(text)
        spans = [range(m.start, m.end) for m in scan.matches]
        modifiers, used = CONTEXT.read(scan.tokens, spans)
        whole = [mod for note in (extra or {}).values() for mod in _entry_modifiers(note)]
        used |= {p for span in spans for p in span}
        detail = " ".join([text, *(extra or {}).values()])
        for match, mods in zip(scan.matches, modifiers, strict=True):
            mods = sorted([*mods, *whole], key=lambda m: CONTEXT_CATEGORIES.index(m.category))
            if isinstance(match.value, Concept):
                self.concept(match.value, where, text, match, mods)
            elif medicines:
                self.medicine(match.value, where, detail, match, mods)
        return scan, used


def _entry_modifiers(note: str) -> list[Modifier]:
    """Triggers in a medicine's dose or frequency field ("stopped", "might start"): they
    apply to the whole answer. A negation there ("not taking") counts as well."""
    tokens = tokenise(note)
    return [
        Modifier(t.category, " ".join(t.phrase))
        for _s, _e, t in CONTEXT.find(tokens, ())
        if t.category in (NEGATED, STOPPED, PLANNED)
    ]


def _read(answers: Mapping[str, Any]) -> _Reading:
    rs = RULESET
    reader = _Reader(answers)
    reading = reader.reading
    for text in answers.get("conditions", ()):
        reader.text(rs.conditions_and_medicines, text, f"condition {_quote(text)}")
    for text in answers.get("allergies", ()):
        reader.text(rs.allergies, text, f"allergy {_quote(text)}")
    for entry in answers.get("medications", ()):
        name = entry if isinstance(entry, str) else entry["name"]
        if _says_none(name):
            continue
        where = f"medication {_quote(name)}"
        extra = {}
        if isinstance(entry, Mapping):
            extra = {k: entry[k] for k in ("dose", "frequency") if entry.get(k)}
        scan, used = reader.text(rs.medicine_names, name, where, extra=extra)
        # A condition named in the medicines box is read as well ("pacemaker", "for my
        # diabetes"). Exactly only: a near miss among everyday words ("shoulder",
        # "stress") is more likely an ordinary word than a misspelt condition.
        conditions = rs.conditions.read(scan.tokens, by_spelling=False)
        spans, own = [], []
        for match in conditions.matches:
            span = range(match.start, match.end)
            if not used.intersection(span):
                spans.append(span)
                own.append(match)
        for match, mods in zip(own, CONTEXT.modifiers(conditions.tokens, spans), strict=True):
            reader.concept(match.value, where, name, match, mods)
        used |= {p for span in spans for p in span}
        unknown = [
            word
            for p, word in enumerate(scan.tokens.words)
            if p not in used
            and len(word) > 2
            and word not in STOP_WORDS
            and word not in _MEDICATION_FILLER
            and not word.isdigit()
        ]
        unknown = list(dict.fromkeys(unknown))
        if not scan.matches and (unknown or not own):
            reading.unrecognised.append(f"{where} is not in the medication reference")
        elif unknown:
            # "metformin, Zyntrex": the known medicine must not hide the unknown one.
            named = ", ".join(f"'{word}'" for word in unknown)
            reading.unrecognised.append(
                f"{where} also names {named}, which the medication reference does not know"
            )
        reason = entry.get("reason") if isinstance(entry, Mapping) else None
        if reason:
            where_reason = f"the reason {_quote(reason)} given for {where}"
            reader.text(rs.conditions, reason, where_reason, medicines=False)
    return reading


# ---------------------------------------------------------------------------------------
# Raising flags


class _Flags:
    """Collects raised rules; raising one twice keeps the higher severity and all reasons."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str | None], tuple[str, list[str]]] = {}

    def add(
        self,
        rule: str,
        because: str | Iterable[str],
        *,
        severity: str | None = None,
        variant: str | None = None,
    ) -> None:
        spec = RULESET.rules[rule]
        base = spec.variants[variant] if variant else spec
        severity = severity or base.severity
        reasons = [because] if isinstance(because, str) else list(because)
        key = (rule, variant)
        if key in self._hits:
            old_severity, old_reasons = self._hits[key]
            if _RANK[old_severity] > _RANK[severity]:
                severity = old_severity
            reasons = old_reasons + [r for r in reasons if r not in old_reasons]
        self._hits[key] = (severity, list(dict.fromkeys(reasons)))

    def apply(self, raise_: Raise, because: str | Iterable[str]) -> None:
        self.add(raise_.rule, because, severity=raise_.severity, variant=raise_.variant)

    def result(self) -> list[dict[str, Any]]:
        flags = []
        for (rule_id, variant), (severity, because) in self._hits.items():
            rule = RULESET.rules[rule_id]
            base = rule.variants[variant] if variant else rule
            flags.append(
                {
                    "rule": rule_id,
                    "category": rule.category,
                    "severity": severity,
                    "title": base.title,
                    "action": base.action,
                    "because": because,
                    "affects": list(base.affects),
                    "guide_url": GUIDE_URL.format(category=rule.category),
                }
            )
        flags.sort(key=lambda f: (-_RANK[f["severity"]], _rule_order(f["rule"]), f["title"]))
        return flags


def _rule_order(rule_id: str) -> tuple[str, int]:
    prefix = rule_id.rstrip("0123456789")
    return prefix, int(rule_id[len(prefix) :])


_MILD = re.compile(r"\b(mild|minor|carrier)\b", re.I)
_SEVERE = re.compile(r"\b(severe|type\s*(3|iii))\b", re.I)
_UNCONTROLLED = re.compile(
    r"\b(un-?controlled|poorly[\s-]controlled|badly[\s-]controlled|not\s+(well\s+)?controlled"
    r"|not\s+under\s+control|breakthrough"
    # "no recent seizures" says the opposite (and reads as controlled below).
    r"|(?<!no\s)(recent|frequent|regular|ongoing)\s+(seizures?|fits))\b",
    re.I,
)
_CONTROLLED = re.compile(
    r"\b(well[\s-]controlled|controlled|seizure[\s-]free|no\s+(recent\s+)?(seizures?|fits))\b",
    re.I,
)


def _bleeding(reading: _Reading, flags: _Flags) -> None:
    """Bleeding factors stack into one score (docs/clinical-reference.md#bleeding-score)."""
    for mention in reading.of("coagulopathy"):
        mild = _MILD.search(mention.text) and reading.alone(mention)
        severity = "caution" if mild else "contraindicated"
        flags.add("R04", mention.because, severity=severity)
    for mention in reading.of("von_willebrand"):
        severity = "contraindicated" if _SEVERE.search(mention.text) else "caution"
        flags.add("R04", mention.because, severity=severity)

    # Every listed use is quoted in `because`; each distinct medicine is counted once.
    uses: dict[str, list[_MedicineUse]] = {}
    for use in reading.medicines:
        kind = use.medicine.med_class.bleeding
        if kind:
            uses.setdefault(kind, []).append(use)

    def distinct(kind: str) -> list[Medicine]:
        return list({u.medicine.generic: u.medicine for u in uses.get(kind, ())}.values())

    def described(*kinds: str) -> list[str]:
        return [u.describe() for kind in kinds for u in uses.get(kind, ())]

    anticoagulants = distinct("anticoagulant")
    antiplatelets = distinct("antiplatelet")
    serotonergic = distinct("ssri_snri")
    nsaids = distinct("nsaid")
    supplements = distinct("supplement")
    low_platelets = reading.of("low_platelets")

    parts: list[tuple[str, int]] = [(f"{m.generic} (anticoagulant)", 2) for m in anticoagulants]
    parts += [(f"{m.generic} (antiplatelet)", m.bleeding_weight) for m in antiplatelets]
    if low_platelets:
        parts.append(("low platelets", 2))
    kinds_present = sum(
        map(bool, (anticoagulants, antiplatelets, serotonergic, nsaids, supplements, low_platelets))
    )
    antiplatelet_units = sum(m.bleeding_weight for m in antiplatelets)
    combined = kinds_present > 1 or antiplatelet_units > 1 or len(anticoagulants) > 1
    if combined:
        # SSRI/SNRI, NSAID and supplements count only alongside another bleeding factor.
        for group, name in (
            (serotonergic, "SSRI/SNRI"),
            (nsaids, "NSAID"),
            (supplements, "supplement"),
        ):
            if group:
                parts.append((f"{', '.join(m.generic for m in group)} ({name})", 1))
    score = sum(points for _, points in parts)
    stack = []
    if combined:
        summary = ", ".join(f"{label} +{points}" for label, points in parts)
        stack.append(f"bleeding factors add up to a score of {score}: {summary}")

    for mention in low_platelets:
        flags.add("R05", [mention.because, *stack])
    if anticoagulants:
        flags.add("R06", described("anticoagulant") + stack)
    if antiplatelets:
        severity = "caution" if score >= 2 else "info"
        flags.add("R07", described("antiplatelet") + stack, severity=severity)
    if serotonergic and (anticoagulants or antiplatelets or nsaids):
        partners = described("anticoagulant", "antiplatelet", "nsaid")
        flags.add("R08", described("ssri_snri") + partners + stack)
    if nsaids and not combined:
        flags.add("R09", described("nsaid"))
    if supplements:
        severity = "caution" if combined else "info"
        flags.add("R10", described("supplement") + stack, severity=severity)


def _pregnancy(answers: Mapping[str, Any], reading: _Reading, flags: _Flags) -> None:
    answer = answers.get("pregnancy")
    pregnant = [
        m.because for m in reading.mentions if "pregnant" in m.concept.tags and not m.planned
    ]
    trying = [
        m.because
        for m in reading.mentions
        if "trying" in m.concept.tags or ("pregnant" in m.concept.tags and m.planned)
    ]
    if answer in _PREGNANT_ANSWERS:
        pregnant.insert(0, f"pregnancy answer is '{answer}'")
    elif answer == "trying":
        trying.insert(0, "pregnancy answer is 'trying'")
    if not pregnant and not trying:
        return
    because = pregnant + trying
    flags.add("R01", because)
    flags.add("R02", because, severity=None if pregnant else "info")
    flags.add("R03", because, severity=None if pregnant else "caution")
    for use in reading.medicines:
        if use.medicine.teratogen:
            flags.add(
                "R01", f"{use.describe(with_implication=False)}, which can harm an unborn baby"
            )


def _epilepsy(reading: _Reading, flags: _Flags) -> None:
    for mention in reading.of("epilepsy"):
        if _UNCONTROLLED.search(mention.text):
            flags.add("R14", mention.because)
            flags.add("R14", mention.because, variant="uncontrolled")
        elif _CONTROLLED.search(mention.text) and reading.alone(mention):
            flags.add("R14", mention.because, severity="info")
        else:
            flags.add("R14", mention.because)


def _derived_red_flags(
    answers: Mapping[str, Any], reading: _Reading, flags: _Flags, today: date
) -> None:
    pain = answers.get("pain", {})
    regions = pain.get("regions", [])
    duration = pain.get("duration_months")
    new_pain = duration is not None and duration < 3
    born = answers.get("date_of_birth")
    age = age_on(date.fromisoformat(born), today) if born else None
    red = set(answers.get("red_flags", ()))
    lasted = f"pain duration {duration_text(duration)}" if duration is not None else ""

    def region_text(keys: Iterable[str]) -> str:
        return "pain region: " + ", ".join(PAIN_REGIONS[k] for k in keys)

    cancer = reading.tagged("cancer")
    spine = [r for r in regions if r in _SPINE_REGIONS]
    if cancer and spine:
        flags.add("RF05", [*cancer, region_text(spine)])
    if age is not None and new_pain and (age > 50 or age < 20):
        flags.add("RF07", [f"age {age}", lasted])
    if "upper_back" in regions and new_pain:
        flags.add("RF12", [region_text(["upper_back"]), lasted])
    if "head" in regions:
        head = region_text(["head"])
        context = cancer + reading.tagged("hiv") + reading.tagged("immunosuppressed")
        context += [u.describe() for u in reading.medicines if "R21" in _rule_ids(u.medicine)]
        context += [
            f"answered yes to: {RED_FLAGS[k]}"
            for k in ("fever_or_infection", "unexplained_weight_loss")
            if k in red
        ]
        if answers.get("pregnancy") in _PREGNANT_ANSWERS:
            context.append(f"pregnancy answer is '{answers['pregnancy']}'")
        if context:
            flags.add("RF14", [head, *dict.fromkeys(context)])
        if age is not None and age > 50 and new_pain:
            flags.add("RF17", [head, f"age {age}", lasted])
    if age is not None and age >= 80:
        flags.add("R39", f"age {age}")


def _rule_ids(medicine: Medicine) -> set[str]:
    return {r.rule for r in (*medicine.med_class.raises, *medicine.raises)}


def screen(answers: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Screen one intake: {"ruleset": RULESET_VERSION, "flags": [...], "considered": [...]},
    flags highest severity first; `considered` lists each mention read and not raised as
    current, with its reason (someone else's, negated, stopped, planned ...).

    Raises ScreeningInputError when the answers are malformed (see validate_answers).
    """
    today = today or date.today()
    answers = validate_answers(answers, today=today)
    reading = _read(answers)
    flags = _Flags()

    for key in answers.get("red_flags", ()):
        flags.add(RULESET.red_flag_rules[key], f"answered yes to: {RED_FLAGS[key]}")
    for key in answers.get("history", ()):
        flags.add(RULESET.history_rules[key], f"answered yes to: {HISTORY[key]}")

    for mention in reading.mentions:
        for raise_ in mention.concept.raises:
            flags.apply(raise_, mention.because)
    for use in reading.medicines:
        for raise_ in (*use.medicine.med_class.raises, *use.medicine.raises):
            flags.apply(raise_, use.describe())

    _bleeding(reading, flags)
    _pregnancy(answers, reading, flags)
    _epilepsy(reading, flags)
    _derived_red_flags(answers, reading, flags, today)

    for raise_, because in reading.kept:
        flags.apply(raise_, because)
    for rule, because in reading.at_info:
        flags.add(rule, because, severity="info")
    if reading.unrecognised:
        flags.add("MR01", reading.unrecognised)
    return {
        "ruleset": RULESET_VERSION,
        "flags": flags.result(),
        "considered": reading.considered,
    }


def suggest_medications(prefix: str, limit: int = 8) -> list[str]:
    """Brand and generic names for type-ahead: names starting with `prefix` first, then names
    with a later word starting with it; case-insensitive."""
    needle = " ".join(prefix.lower().split())
    if not needle or limit <= 0:
        return []
    starts = [name for low, name in RULESET.suggestions if low.startswith(needle)]
    later = [
        name
        for low, name in RULESET.suggestions
        if not low.startswith(needle)
        and any(w.startswith(needle) for w in re.split(r"[\s\-/()]+", low)[1:])
    ]
    return list(dict.fromkeys(starts + later))[:limit]


def rule_rationale(rule_id: str) -> str:
    """Why a rule exists, in the current ruleset ("" for a rule it no longer has). Stored
    with each flag when it is raised, so a practitioner later reads the reason as it was."""
    rule = RULESET.rules.get(rule_id)
    return rule.rationale if rule is not None else ""


def rule_sources(rule_id: str) -> tuple[str, ...]:
    """The source codes a rule rests on in the current ruleset (the codes of
    docs/clinical-reference.md#sources); empty for a rule it no longer has."""
    rule = RULESET.rules.get(rule_id)
    return rule.sources if rule is not None else ()


def medication_names() -> tuple[str, ...]:
    """Every brand and generic name the medication reference knows, for type-ahead lists."""
    return tuple(name for _low, name in RULESET.suggestions)


def identify_medication(name: str) -> list[dict[str, str]]:
    """What the medication reference reads in one typed medicine, as screening reads it:
    each medicine it names (a combination product's other medicines included), as its
    generic name, class key and class label. Empty when nothing is recognised or the
    answer means "none". Exports use it to say what a patient's words were matched to."""
    if _says_none(name):
        return []
    found: dict[str, dict[str, str]] = {}
    for match in RULESET.medicine_names.read(name).matches:
        named = (match.value, *(RULESET.by_generic[other] for other in match.value.also))
        for medicine in named:
            found.setdefault(
                medicine.generic,
                {
                    "generic": medicine.generic,
                    "class": medicine.med_class.key,
                    "class_label": medicine.med_class.label,
                },
            )
    return list(found.values())
