"""The PEG trend of one patient: each submitted visit's PEG and its three items, the change
from the first visit (the baseline), and whether that change is clinically meaningful.

Pure: it takes plain values (the selector `intake.selectors.patient_trend` reads them) and
the threshold, and imports nothing from Django or the database, so the rules are tested
without either. The threshold comes from one setting, `PEG_MEANINGFUL_CHANGE_PERCENT`
(IMMPACT: a fall of at least 30% in chronic pain is moderately important; see
docs/clinical-reference.md, "Pain trends"). A worsening of the same size is marked too.

Judged on the percentage as shown (a whole number, halves away from zero): a page never
shows "30%" beside a change that is not marked, nor marks one it shows as 29%.

A baseline of 0 has no percentage: no fall is possible and any rise is infinitely many
percent. Such changes are given in points, explained, and not marked; the practitioner
reads the figures.

The chart's geometry is here too (`chart`), as numbers; `{% pain_trend %}`
(intake/templatetags/trend_chart.py) draws them. No style attribute is written: the CSP
forbids them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from intake.screening.measures import SCORE_MAX, SCORE_MIN

# The PEG's three items, in the questionnaire's order: (key in the pain step's answers,
# what the item asks, as a short column heading).
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("peg_pain", "Average pain intensity", "Pain"),
    ("peg_enjoyment", "Interference with enjoyment of life", "Enjoyment"),
    ("peg_activity", "Interference with general activity", "Activity"),
)

IMPROVED, WORSENED, UNCHANGED = "improved", "worsened", "unchanged"
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Visit:
    """What the trend needs of one submitted intake or check-in."""

    pk: int
    on: date
    peg: Decimal | None
    items: dict[str, int | None] = field(default_factory=dict)
    kind: str = "intake"  # "intake" (first visit) or "check_in"
    kind_label: str = "Intake"


@dataclass(frozen=True)
class Change:
    """One visit's PEG against the baseline's."""

    points: Decimal  # signed: negative is a fall (better)
    percent: int | None  # signed whole percent; None when the baseline is 0
    direction: str  # IMPROVED, WORSENED or UNCHANGED
    meaningful: bool
    explanation: str

    @property
    def points_text(self) -> str:
        return _signed(self.points)

    @property
    def percent_text(self) -> str:
        if self.percent is None:
            return ""
        return f"{'+' if self.percent > 0 else '−' if self.percent < 0 else ''}{abs(self.percent)}%"


@dataclass(frozen=True)
class Point:
    visit: Visit
    is_baseline: bool
    change: Change | None  # None for the baseline

    @property
    def marker(self) -> str:
        """ "improved", "worsened" or "" for the chart's marker and the table's note."""
        if self.change and self.change.meaningful:
            return self.change.direction
        return ""


@dataclass(frozen=True)
class Trend:
    points: list[Point]
    threshold: int
    summary: str

    @property
    def baseline(self) -> Point | None:
        return self.points[0] if self.points else None

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def has_change(self) -> bool:
        """More than one point: something to compare with the baseline."""
        return len(self.points) > 1

    @property
    def marked(self) -> list[Point]:
        return [point for point in self.points if point.marker]


def _signed(value: Decimal) -> str:
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{-value}"  # a real minus sign, as screen readers say it
    return "0.0"


def _whole_percent(value: Decimal) -> int:
    """A signed percentage to a whole number, halves away from zero (29.5 is 30)."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def change_from(baseline: Decimal, value: Decimal, *, threshold: int) -> Change:
    """How `value` compares with `baseline` (both PEG scores, 0-10; higher is worse)."""
    points = (value - baseline).quantize(ONE_DECIMAL)
    direction = IMPROVED if points < 0 else WORSENED if points > 0 else UNCHANGED
    if baseline == 0:
        explanation = (
            "No change."
            if direction == UNCHANGED
            else f"{abs(points)} points worse; a baseline of 0 has no percentage, so it is "
            "not judged: read the figures."
        )
        return Change(points, None, direction, False, explanation)
    percent = _whole_percent(points / baseline * 100)
    meaningful = direction != UNCHANGED and abs(percent) >= threshold
    kind = "improvement" if direction == IMPROVED else "worsening"
    if direction == UNCHANGED:
        explanation = "No change."
    elif meaningful:
        explanation = f"{abs(percent)}% {kind}, at least {threshold}%: clinically meaningful."
    else:
        explanation = f"{abs(percent)}% {kind}, under {threshold}%: not marked."
    return Change(points, percent, direction, meaningful, explanation)


def day_month(on: date, *, year_of: date | None = None) -> str:
    """'12 Sep', with the year when it is not the year of `year_of` ('12 Sep 2025')."""
    text = f"{on.day} {on:%b}"
    if year_of is not None and on.year != year_of.year:
        text += f" {on.year}"
    return text


def summary_of(points: list[Point], *, threshold: int) -> str:
    """The trend in one sentence: 'PEG 7.0 → 4.3 since 12 Sep, a 39% improvement'."""
    if not points:
        return "No PEG score recorded yet."
    first, last = points[0], points[-1]
    if len(points) == 1:
        return (
            f"PEG {first.visit.peg} on {day_month(first.visit.on)}, the baseline. "
            "Change is shown from the next visit's score."
        )
    since = day_month(first.visit.on, year_of=last.visit.on)
    text = f"PEG {first.visit.peg} → {last.visit.peg} since {since}"
    change = last.change
    if change.direction == UNCHANGED:
        return f"{text}, no change"
    word = "improvement" if change.direction == IMPROVED else "worsening"
    if change.percent is None:
        return f"{text}, {abs(change.points)} points worse (a baseline of 0 has no percentage)"
    text = f"{text}, a {abs(change.percent)}% {word}"
    if change.meaningful:
        text += f", clinically meaningful (at least {threshold}%)"
    return text


def trend(visits: list[Visit], *, threshold: int) -> Trend:
    """The trend over `visits` (any order; each a submitted intake or check-in). Visits
    without a PEG score are left out; the earliest with one is the baseline."""
    scored = sorted((v for v in visits if v.peg is not None), key=lambda v: (v.on, v.pk))
    points: list[Point] = []
    for number, visit in enumerate(scored):
        if number == 0:
            points.append(Point(visit, True, None))
        else:
            change = change_from(scored[0].peg, visit.peg, threshold=threshold)
            points.append(Point(visit, False, change))
    summary = summary_of(points, threshold=threshold)
    return Trend(points=points, threshold=threshold, summary=summary)


def page_context(data: Trend) -> dict:
    """What `{% pain_trend %}` draws: the trend and its chart's geometry."""
    return {"trend": data, "chart": chart(data)}


# The chart's geometry -----------------------------------------------------------------

# The drawing's own units (the SVG viewBox). Narrow on purpose: it is drawn about 350 px wide
# on a phone and at most 36rem on a desktop (static/css/trends.css), so its 13-unit text is
# never smaller than about 11 px.
WIDTH, HEIGHT = 400, 240
LEFT, RIGHT, TOP, BOTTOM = 34, 14, 14, 40
MARK = 8  # half the side of a worsening's square
# The threshold lines' labels ("30% better") stand in a margin right of the plot, level
# with the end of their line: inside the plot they sat where the lines end, over the last
# points. Their size, the gap before them, and the least distance between two of them.
BAND_FONT = 11
BAND_GAP = 4
BAND_SPACING = 13
# Advance widths in em of DejaVu Sans, the chart's first font and the widest of its
# fallbacks (Helvetica, Arial), so a label measured with them is never narrower on screen
# or in the PDF. Any character not listed counts as the widest listed.
EM_WIDTHS = {
    **dict.fromkeys("0123456789", 0.637),
    "%": 0.951,
    " ": 0.318,
    "b": 0.635,
    "e": 0.615,
    "o": 0.612,
    "r": 0.411,
    "s": 0.521,
    "t": 0.392,
    "w": 0.818,
}
# Where a label's text reaches above and below its baseline, in em (DejaVu Sans).
ASCENT, DESCENT = 0.928, 0.236


def text_width(text: str, *, size: float) -> float:
    """At least the drawn width of `text` at `size` units."""
    widest = max(EM_WIDTHS.values())
    return round(sum(EM_WIDTHS.get(ch, widest) for ch in text) * size, 1)


# How each line is drawn, so that none is told apart by colour alone.
LINES: tuple[tuple[str, str, str], ...] = (
    # (key, label, stroke-dasharray)
    ("peg", "PEG score", ""),
    ("peg_pain", "Pain", "6 4"),
    ("peg_enjoyment", "Enjoyment", "2 3"),
    ("peg_activity", "Activity", "8 3 2 3"),
)


@dataclass(frozen=True)
class ChartLine:
    key: str
    label: str
    dash: str
    path: str  # "x,y x,y …" for a <polyline>


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str  # for the point's <title>
    marker: str
    is_baseline: bool

    @property
    def box(self) -> tuple[float, float]:
        """The top left corner of the square that marks a worsening."""
        return round(self.x - MARK, 1), round(self.y - MARK, 1)


@dataclass(frozen=True)
class Band:
    """A threshold line across the plot at `y`, and its label in the margin right of the
    plot: its text starts at `label_x` and its baseline is `label_y`, level with the line
    unless two labels would touch."""

    y: float
    label: str
    label_x: float
    label_y: float

    @property
    def label_box(self) -> tuple[float, float, float, float]:
        """The label's text as (left, top, right, bottom), at least as large as drawn."""
        return (
            self.label_x,
            round(self.label_y - ASCENT * BAND_FONT, 1),
            round(self.label_x + text_width(self.label, size=BAND_FONT), 1),
            round(self.label_y + DESCENT * BAND_FONT, 1),
        )


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: float
    plot_top: int
    plot_bottom: int
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_labels: list[tuple[float, str]]  # (x, date)
    lines: list[ChartLine]
    points: list[ChartPoint]  # the PEG line's points
    bands: list[Band]  # the threshold either side of the baseline

    @property
    def tick_label_x(self) -> int:
        return self.plot_left - 6

    @property
    def date_label_y(self) -> int:
        return self.plot_bottom + 18


def _y(value: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span * (SCORE_MAX - value) / (SCORE_MAX - SCORE_MIN), 1)


def _xs(count: int, *, plot_right: float) -> list[float]:
    """Visits evenly spaced, in order: the table gives the dates, and a course of weekly
    visits with a gap would crowd its points together if spaced by time."""
    left, right = LEFT + 10, plot_right - 10
    if count == 1:
        return [round((left + right) / 2, 1)]
    step = (right - left) / (count - 1)
    return [round(left + step * index, 1) for index in range(count)]


def _band_lines(baseline: float, threshold: int) -> list[tuple[float, str]]:
    """(y, label) of the threshold lines either side of the baseline; none around 0."""
    if baseline <= 0:
        return []
    fraction = threshold / 100
    better, worse = baseline * (1 - fraction), baseline * (1 + fraction)
    lines = [(_y(better), f"{threshold}% better")]
    if worse <= SCORE_MAX:
        lines.append((_y(worse), f"{threshold}% worse"))
    return lines


def _label_baselines(ys: list[float]) -> list[float]:
    """Baselines level with each line (text centred on it), moved apart where two labels
    would be nearer than BAND_SPACING, and kept within the plot's height."""
    if not ys:
        return []
    centre = round(BAND_FONT * (ASCENT - DESCENT) / 2, 1)
    wanted = [y + centre for y in ys]
    if len(wanted) == 2 and wanted[0] - wanted[1] < BAND_SPACING:
        # "better" (lower on the chart) and "worse" (higher): spread about their middle.
        middle = (wanted[0] + wanted[1]) / 2
        wanted = [middle + BAND_SPACING / 2, middle - BAND_SPACING / 2]
    # No higher than the drawing's top, no lower than the plot's floor: the dates are below.
    low = TOP + ASCENT * BAND_FONT
    high = HEIGHT - BOTTOM
    shift = max(0.0, low - min(wanted)) - max(0.0, max(wanted) - high)
    return [round(y + shift, 1) for y in wanted]


def chart(data: Trend) -> Chart | None:
    if not data.points:
        return None
    lines_at = _band_lines(float(data.points[0].visit.peg), data.threshold)
    # The plot gives up on its right what the widest label needs, and only then.
    label_width = max((text_width(label, size=BAND_FONT) for _, label in lines_at), default=0)
    right_margin = max(RIGHT, BAND_GAP + label_width + 2)
    plot_right = round(WIDTH - right_margin, 1)
    xs = _xs(len(data.points), plot_right=plot_right)
    lines = []
    for key, label, dash in LINES:
        coords = []
        for x, point in zip(xs, data.points, strict=True):
            value = point.visit.peg if key == "peg" else point.visit.items.get(key)
            if value is not None:
                coords.append(f"{x},{_y(float(value))}")
        if coords:
            lines.append(ChartLine(key, label, dash, " ".join(coords)))
    points = []
    for x, point in zip(xs, data.points, strict=True):
        label = f"{point.visit.kind_label} {day_month(point.visit.on)}: PEG {point.visit.peg}"
        if point.change:
            label += f" ({point.change.points_text}"
            label += f", {point.change.percent_text})" if point.change.percent_text else ")"
        else:
            label += " (baseline)"
        points.append(
            ChartPoint(x, _y(float(point.visit.peg)), label, point.marker, point.is_baseline)
        )
    # At most about five date labels fit across a phone; the first and last always show.
    every = -(-len(xs) // 5)
    shown = list(range(0, len(xs), every))
    if shown[-1] != len(xs) - 1:
        # The last label takes the place of one that would sit too close to it.
        if len(xs) - 1 - shown[-1] < every and len(shown) > 1:
            shown[-1] = len(xs) - 1
        else:
            shown.append(len(xs) - 1)
    x_labels = [(xs[i], day_month(data.points[i].visit.on)) for i in shown]
    baselines = _label_baselines([y for y, _ in lines_at])
    bands = [
        Band(y, label, plot_right + BAND_GAP, label_y)
        for (y, label), label_y in zip(lines_at, baselines, strict=True)
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=plot_right,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        y_ticks=[(_y(v), v) for v in range(SCORE_MIN, SCORE_MAX + 1, 2)],
        x_labels=x_labels,
        lines=lines,
        points=points,
        bands=bands,
    )
