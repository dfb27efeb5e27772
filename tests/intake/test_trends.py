"""The PEG trend's rules (intake/trends.py), without a database: the baseline, the change from
it, where the clinically meaningful threshold falls, worsening, a baseline of 0, one point,
the summary sentence and the chart's geometry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from intake import trends

THRESHOLD = 30


def visit(pk: int, on: date, peg: str | None, **items) -> trends.Visit:
    return trends.Visit(pk=pk, on=on, peg=None if peg is None else Decimal(peg), items=items)


def change(baseline: str, value: str, threshold: int = THRESHOLD) -> trends.Change:
    return trends.change_from(Decimal(baseline), Decimal(value), threshold=threshold)


# The threshold's edges ------------------------------------------------------------------


def test_a_fall_of_exactly_the_threshold_is_a_meaningful_improvement():
    result = change("10.0", "7.0")
    assert (result.points, result.percent) == (Decimal("-3.0"), -30)
    assert result.direction == trends.IMPROVED
    assert result.meaningful
    assert result.explanation == "30% improvement, at least 30%: clinically meaningful."


def test_a_fall_just_short_of_the_threshold_is_not_marked():
    result = change("10.0", "7.1")
    assert result.percent == -29
    assert result.direction == trends.IMPROVED
    assert not result.meaningful
    assert result.explanation == "29% improvement, under 30%: not marked."


def test_it_judges_the_percentage_as_shown_so_29_point_9_counts_as_30():
    # 2.0 / 6.7 is 29.85%: shown as 30%, so it is marked; 1.9 / 6.7 (28.4%) is not.
    assert change("6.7", "4.7").percent == -30
    assert change("6.7", "4.7").meaningful
    assert change("6.7", "4.8").percent == -28
    assert not change("6.7", "4.8").meaningful


def test_a_rise_of_the_same_size_is_a_meaningful_worsening():
    result = change("5.0", "6.5")
    assert (result.points, result.percent) == (Decimal("1.5"), 30)
    assert result.direction == trends.WORSENED
    assert result.meaningful
    assert result.explanation == "30% worsening, at least 30%: clinically meaningful."
    smaller = change("5.0", "6.4")
    assert smaller.percent == 28 and not smaller.meaningful


def test_the_threshold_is_the_one_given():
    assert change("10.0", "6.0", threshold=50).percent == -40
    assert not change("10.0", "6.0", threshold=50).meaningful
    assert change("10.0", "5.0", threshold=50).meaningful


def test_no_change_is_neither():
    result = change("4.3", "4.3")
    assert (result.points, result.percent, result.direction) == (Decimal("0.0"), 0, "unchanged")
    assert not result.meaningful
    assert result.points_text == "0.0" and result.percent_text == "0%"


def test_signs_are_written_with_a_real_minus():
    assert change("7.0", "4.3").points_text == "−2.7"
    assert change("7.0", "4.3").percent_text == "−39%"
    assert change("4.0", "6.0").percent_text == "+50%"


# A baseline of 0 ------------------------------------------------------------------------


def test_a_rise_from_a_baseline_of_0_has_no_percentage_and_is_explained_not_marked():
    result = change("0.0", "3.0")
    assert result.percent is None and result.percent_text == ""
    assert result.direction == trends.WORSENED
    assert not result.meaningful
    assert "baseline of 0" in result.explanation and "3.0 points worse" in result.explanation


def test_no_change_from_a_baseline_of_0():
    result = change("0.0", "0.0")
    assert result.direction == trends.UNCHANGED and result.percent is None
    assert not result.meaningful


def test_the_summary_from_a_baseline_of_0_speaks_in_points():
    data = trends.trend(
        [visit(1, date(2026, 9, 12), "0.0"), visit(2, date(2026, 10, 3), "2.0")],
        threshold=THRESHOLD,
    )
    assert data.summary == (
        "PEG 0.0 → 2.0 since 12 Sep, 2.0 points worse (a baseline of 0 has no percentage)"
    )
    chart = trends.chart(data)
    assert chart.bands == []  # no threshold lines around 0


# The trend as a whole ---------------------------------------------------------------------


def test_the_summary_reads_as_the_issue_words_it():
    data = trends.trend(
        [
            visit(2, date(2026, 10, 1), "5.0"),
            visit(1, date(2026, 9, 12), "7.0", peg_pain=7, peg_enjoyment=7, peg_activity=7),
            visit(3, date(2026, 10, 20), "4.3"),
        ],
        threshold=THRESHOLD,
    )
    assert [p.visit.pk for p in data.points] == [1, 2, 3]  # by date, not as given
    assert data.baseline.is_baseline and data.baseline.change is None
    assert data.summary == (
        "PEG 7.0 → 4.3 since 12 Sep, a 39% improvement, clinically meaningful (at least 30%)"
    )
    assert [p.marker for p in data.points] == ["", "", "improved"]  # 5.0 is only 29% better
    assert data.marked == [data.points[2]]


def test_a_worsening_summary():
    data = trends.trend(
        [visit(1, date(2026, 9, 12), "4.0"), visit(2, date(2026, 9, 30), "6.0")],
        threshold=THRESHOLD,
    )
    assert data.summary.endswith("a 50% worsening, clinically meaningful (at least 30%)")
    assert data.points[1].marker == trends.WORSENED


def test_a_small_change_is_summarised_without_the_mark():
    data = trends.trend(
        [visit(1, date(2026, 9, 12), "6.0"), visit(2, date(2026, 9, 30), "5.0")],
        threshold=THRESHOLD,
    )
    assert data.summary == "PEG 6.0 → 5.0 since 12 Sep, a 17% improvement"


def test_the_year_is_given_when_the_baseline_was_in_another():
    data = trends.trend(
        [visit(1, date(2025, 12, 2), "6.0"), visit(2, date(2026, 1, 5), "6.0")],
        threshold=THRESHOLD,
    )
    assert data.summary == "PEG 6.0 → 6.0 since 2 Dec 2025, no change"


def test_one_point_is_a_baseline_with_nothing_to_compare():
    data = trends.trend([visit(1, date(2026, 9, 12), "7.0")], threshold=THRESHOLD)
    assert len(data.points) == 1 and not data.has_change
    assert data.summary.startswith("PEG 7.0 on 12 Sep, the baseline.")
    chart = trends.chart(data)
    assert len(chart.points) == 1 and chart.points[0].is_baseline
    assert chart.x_labels == [(chart.points[0].x, "12 Sep")]


def test_no_points():
    data = trends.trend([], threshold=THRESHOLD)
    assert data.points == [] and data.baseline is None
    assert data.summary == "No PEG score recorded yet."
    assert trends.chart(data) is None


def test_visits_without_a_peg_score_are_left_out_and_the_first_scored_is_the_baseline():
    data = trends.trend(
        [
            visit(1, date(2026, 9, 1), None),
            visit(2, date(2026, 9, 12), "8.0"),
            visit(3, date(2026, 10, 1), "4.0"),
        ],
        threshold=THRESHOLD,
    )
    assert [p.visit.pk for p in data.points] == [2, 3]
    assert data.points[1].change.percent == -50


# The chart -------------------------------------------------------------------------------


def test_the_chart_puts_10_at_the_top_and_0_at_the_bottom():
    data = trends.trend(
        [
            visit(1, date(2026, 9, 12), "10.0", peg_pain=10, peg_enjoyment=10, peg_activity=10),
            visit(2, date(2026, 10, 1), "0.0", peg_pain=0, peg_enjoyment=0, peg_activity=0),
        ],
        threshold=THRESHOLD,
    )
    chart = trends.chart(data)
    top, bottom = chart.points[0].y, chart.points[1].y
    assert top == chart.plot_top and bottom == chart.plot_bottom
    assert chart.points[0].x < chart.points[1].x
    keys = [line.key for line in chart.lines]
    assert keys == ["peg", "peg_pain", "peg_enjoyment", "peg_activity"]
    assert len({line.dash for line in chart.lines}) == 4  # told apart without colour
    assert [(band.y, band.label) for band in chart.bands] == [
        (chart.points[0].y + (bottom - top) * 0.3, "30% better")
    ]


def test_an_item_missing_at_one_visit_leaves_that_visit_out_of_its_line_only():
    data = trends.trend(
        [
            visit(1, date(2026, 9, 12), "6.0", peg_pain=6),
            visit(2, date(2026, 10, 1), "5.0"),
        ],
        threshold=THRESHOLD,
    )
    lines = {line.key: line for line in trends.chart(data).lines}
    assert len(lines["peg"].path.split()) == 2
    assert len(lines["peg_pain"].path.split()) == 1
    assert "peg_activity" not in lines


@pytest.mark.parametrize("count", [2, 5, 6, 9, 12, 30])
def test_at_most_six_dates_label_the_axis_the_first_and_last_always(count):
    visits = [visit(n, date(2026, 1, 1 + n), "5.0") for n in range(count)]
    chart = trends.chart(trends.trend(visits, threshold=THRESHOLD))
    labels = [label for _, label in chart.x_labels]
    assert labels[0] == "1 Jan" and labels[-1] == f"{1 + count - 1} Jan"
    assert len(labels) <= 6
    xs = [x for x, _ in chart.x_labels]
    assert all(b - a >= 50 for a, b in zip(xs, xs[1:], strict=False))  # no two overlap


# Where the threshold labels go --------------------------------------------------------------

# Courses that put lines and points everywhere a label used to sit: ending on the threshold,
# crossing it, at 0 and at 10, with items apart from the score.
COURSES = [
    [("7.0", 7, 7, 7), ("4.9", 5, 5, 5)],
    [("5.0", 5, 6, 4), ("3.5", 4, 3, 4), ("3.5", 3, 4, 3), ("6.5", 7, 6, 7)],
    [("10.0", 10, 10, 10), ("0.0", 0, 0, 0)],
    [("1.0", 1, 1, 1), ("0.7", 1, 0, 1), ("1.3", 2, 1, 1)],
    [("0.3", 0, 1, 0), ("0.2", 0, 0, 1)],
    [("0.1", 0, 0, 0), ("0.1", 0, 0, 0)],
]


def drawn(course: list[tuple], threshold: int = THRESHOLD) -> trends.Chart:
    visits = [
        visit(n, date(2026, 9, 1 + n), peg, peg_pain=p, peg_enjoyment=e, peg_activity=a)
        for n, (peg, p, e, a) in enumerate(course)
    ]
    return trends.chart(trends.trend(visits, threshold=threshold))


def rightmost_ink(chart: trends.Chart) -> float:
    """The furthest right any line, point or marker of the plot reaches."""
    xs = [float(xy.split(",")[0]) for line in chart.lines for xy in line.path.split()]
    # The improvement ring is 9 units round the point with a 2.5-unit stroke; the
    # worsening square 8 either side with the same.
    return max([*xs, *(p.x + 9 + 1.25 for p in chart.points)])


@pytest.mark.parametrize("course", COURSES)
@pytest.mark.parametrize("threshold", [30, 50])
def test_the_threshold_labels_never_overlap_the_lines_or_each_other(course, threshold):
    chart = drawn(course, threshold)
    boxes = [band.label_box for band in chart.bands]
    for left, top, right, bottom in boxes:
        assert left > rightmost_ink(chart), (left, rightmost_ink(chart))
        assert left >= chart.plot_right
        # Inside the drawing, so nothing is cut off.
        assert top >= 0 and bottom <= chart.height and right <= chart.width
    if len(boxes) == 2:
        (_, top_a, _, bottom_a), (_, top_b, _, bottom_b) = boxes
        assert bottom_b < top_a or bottom_a < top_b, boxes
    # Nor the dates under the plot (13 units, centred on their point).
    date_top = chart.date_label_y - trends.ASCENT * 13
    assert all(bottom < date_top for *_, bottom in boxes)


def test_each_label_is_level_with_its_line_when_there_is_room():
    chart = drawn(COURSES[0])  # baseline 7.0: the lines 4.9 and 9.1 are far apart
    for band in chart.bands:
        left, top, right, bottom = band.label_box
        assert top < band.y < bottom  # the line's end points into the label's text


def test_labels_too_close_for_their_lines_are_moved_apart():
    chart = drawn(COURSES[4])  # baseline 0.3: 0.2 and 0.4 are a unit apart
    better, worse = chart.bands
    assert abs(better.y - worse.y) < trends.BAND_SPACING / 2
    assert better.label_y - worse.label_y >= trends.BAND_SPACING


def test_without_threshold_lines_the_plot_keeps_its_width():
    chart = drawn([("0.0", 0, 0, 0), ("2.0", 2, 2, 2)])
    assert chart.bands == [] and chart.plot_right == trends.WIDTH - trends.RIGHT


def test_the_drawn_trend_escapes_every_value():
    """The trend is written in Python (intake/templatetags/trend_chart.py): a label or an id
    holding markup comes out as text."""
    from intake.templatetags.trend_chart import draw

    visits = [
        trends.Visit(pk=1, on=date(2026, 9, 12), peg=Decimal("7.0"), kind_label="<b>Intake</b>"),
        trends.Visit(pk=2, on=date(2026, 10, 3), peg=Decimal("4.0"), kind_label="<script>x"),
    ]
    data = trends.trend(visits, threshold=30)
    html = draw(data, trends.chart(data), trend_id='t"><script>', for_patient=False)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;x" in html and "&lt;b&gt;Intake&lt;/b&gt;" in html
    assert 'id="t&quot;&gt;&lt;script&gt;-heading"' in html
