"""The figures both the intake forms and the engine work out from answers, and the limits
answers are held to: each is defined here once, so a form never accepts what the engine
would refuse."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# Generous for a person, and what the screening contract accepts.
MAX_AGE_YEARS = 130
MAX_DURATION_MONTHS = 1200  # a hundred years of pain
# Every 0-10 scale (pain intensity, the PEG items).
SCORE_MIN, SCORE_MAX = 0, 10


def age_on(born: date, on: date) -> int:
    """Age in whole years on a date: a birthday counts from its day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def duration_text(months: int) -> str:
    """A duration in months as people say it: "7 years 3 months", "1 year", "5 months",
    "less than a month". Every page, export and flag that shows a pain duration uses this,
    so a practitioner never has to divide 87 by 12."""
    years, rest = divmod(max(int(months), 0), 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    if rest:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts) or "less than a month"


def peg_score(*, pain: int, enjoyment: int, activity: int) -> Decimal:
    """The PEG score: the mean of its three 0-10 items, to one decimal, halves rounded up."""
    total = Decimal(pain + enjoyment + activity)
    return (total / 3).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
