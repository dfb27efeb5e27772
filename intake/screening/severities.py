"""Flag severities: their order, the words practitioners read and the colour of their badge.

The one home of these facts: the engine ranks flags by this order, the intake keeps the
counts it gives (`flag_summary`), and the practitioner's pages and forms label and colour
flags from here. The colour only repeats what the badge's text says (never colour alone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Lowest first (docs/screening.md#output).
SEVERITIES: tuple[str, ...] = ("info", "caution", "defer", "contraindicated", "refer")
# Highest first: the order practitioners read flags in.
HIGHEST_FIRST: tuple[str, ...] = tuple(reversed(SEVERITIES))

LABELS: dict[str, str] = {
    "refer": "Refer",
    "contraindicated": "Contraindicated",
    "defer": "Defer",
    "caution": "Caution",
    "info": "Info",
}

# Refer and contraindicated differ in colour as well as in words: static/css/portal.css
# gives each its own background, with white text above 4.5:1.
BADGE_CLASSES: dict[str, str] = {
    "refer": "severity-refer",
    "contraindicated": "severity-contraindicated",
    "defer": "text-bg-warning",
    "caution": "text-bg-warning",
}
BADGE_CLASS_OTHER = "text-bg-secondary"

# A reviewer must tick every flag from this severity up before signing.
ACKNOWLEDGE_FROM = "caution"


def rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def label(severity: str) -> str:
    return LABELS.get(severity, severity)


def badge_class(severity: str) -> str:
    return BADGE_CLASSES.get(severity, BADGE_CLASS_OTHER)


def needs_acknowledgement(severity: str) -> bool:
    return rank(severity) >= rank(ACKNOWLEDGE_FROM)


def flag_summary(severities: Iterable[str]) -> tuple[dict[str, int], str]:
    """What an intake keeps of its flags for the dashboard: the count of each severity
    raised (lowest first, none at zero) and the highest one, "" when nothing was raised."""
    counts = Counter(severities)
    summary = {severity: counts[severity] for severity in SEVERITIES if counts[severity]}
    return summary, max(summary, key=rank) if summary else ""
