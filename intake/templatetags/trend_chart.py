"""`{% pain_trend %}`: the PEG trend section (intake/trends.py), drawn in Python.

Shared by the practitioner's patient page, the print view (and so the PDF) and the patient's
own page: a summary sentence, the chart as SVG, the same figures as a table (the chart's
accessible equivalent) and a note on the threshold. It was a template of loops over the
chart's points and the table's rows; drawn in the template language it was about half of
the patient page's rendering time. Every value goes through `_text`, so it is escaped.

No style attribute anywhere (the CSP forbids them): classes, and SVG presentation
attributes. `trend_id` keeps ids unique on a page; `for_patient` words it for the patient.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from intake.trends import Chart, Point, Trend

register = template.Library()

PEG_COLOUR = "#0b4f8a"
ITEM_COLOUR = "#555"
IMPROVED_COLOUR = "#146c2e"
WORSENED_COLOUR = "#a01818"
TABLE_TITLE = (
    "PEG score and items at each visit, with the change from the first visit (0 best, 10 worst)"
)
IMMPACT = (
    "IMMPACT: Dworkin RH et al., “Interpreting the clinical importance of treatment outcomes "
    "in chronic pain clinical trials: IMMPACT recommendations”, <cite>J Pain</cite> "
    "2008;9(2):105–121"
)


def _text(value: object) -> str:
    """A value escaped for HTML (the standard library's escape: no lazy strings here)."""
    return escape(str(value), quote=True)


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{_text(dash)}"' if dash else ""


def _svg(data: Trend, chart: Chart, trend_id: str, for_patient: bool) -> list[str]:
    where = "below" if for_patient else "after the chart"
    out = [
        f'<svg class="trend-chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{trend_id}-title {trend_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">',
        f'<title id="{trend_id}-title">PEG score and its three items at each visit, '
        "0 (best) to 10 (worst)</title>",
        f'<desc id="{trend_id}-desc">{_text(data.summary)}. The table {where} gives every '
        "value.</desc>",
    ]
    # Grid and axes: 0 at the bottom, 10 (worst) at the top.
    for y, value in chart.y_ticks:
        out.append(
            f'<line class="trend-grid" x1="{chart.plot_left}" x2="{chart.plot_right}" '
            f'y1="{y}" y2="{y}" stroke="#d0d0d0" stroke-width="1"/>'
            f'<text class="trend-axis" x="{chart.tick_label_x}" y="{y}" dy="4" '
            f'text-anchor="end" fill="#333">{value}</text>'
        )
    # Each threshold's label stands right of the plot, level with its line's end, clear of
    # every line and point.
    for band in chart.bands:
        out.append(
            f'<line class="trend-band" x1="{chart.plot_left}" x2="{chart.plot_right}" '
            f'y1="{band.y}" y2="{band.y}" stroke="#555" stroke-width="1" '
            'stroke-dasharray="1 3"/>'
            f'<text class="trend-band-label" x="{band.label_x}" y="{band.label_y}" '
            f'text-anchor="start" fill="#333" font-size="11">{_text(band.label)}</text>'
        )
    for x, label in chart.x_labels:
        out.append(
            f'<text class="trend-axis" x="{x}" y="{chart.date_label_y}" text-anchor="middle" '
            f'fill="#333">{_text(label)}</text>'
        )
    # The three items, thin and dashed differently; the PEG score on top, thick and solid.
    for line in reversed(chart.lines):
        if line.key == "peg":
            out.append(
                f'<polyline class="trend-line trend-line-peg" points="{_text(line.path)}" '
                f'fill="none" stroke="{PEG_COLOUR}" stroke-width="3" stroke-linejoin="round"/>'
            )
        else:
            out.append(
                f'<polyline class="trend-line trend-line-item" points="{_text(line.path)}" '
                f'fill="none" stroke="{ITEM_COLOUR}" stroke-width="1.5"{_dash(line.dash)}/>'
            )
    for point in chart.points:
        marker = f" trend-point-{_text(point.marker)}" if point.marker else ""
        out.append(f'<g class="trend-point{marker}"><title>{_text(point.label)}</title>')
        if point.marker == "improved":
            out.append(
                f'<circle cx="{point.x}" cy="{point.y}" r="9" fill="none" '
                f'stroke="{IMPROVED_COLOUR}" stroke-width="2.5"/>'
            )
        elif point.marker == "worsened":
            left, top = point.box
            out.append(
                f'<rect x="{left}" y="{top}" width="16" height="16" fill="none" '
                f'stroke="{WORSENED_COLOUR}" stroke-width="2.5"/>'
            )
        radius, fill = (5, "#fff") if point.is_baseline else (4, PEG_COLOUR)
        out.append(
            f'<circle cx="{point.x}" cy="{point.y}" r="{radius}" fill="{fill}" '
            f'stroke="{PEG_COLOUR}" stroke-width="2"/></g>'
        )
    out.append("</svg>")
    return out


def _legend(data: Trend, chart: Chart) -> list[str]:
    out = [
        '<figcaption class="trend-legend small">',
        '<ul class="list-unstyled mb-1" aria-label="Key to the chart">',
    ]
    for line in chart.lines:
        colour, width = (PEG_COLOUR, "3") if line.key == "peg" else (ITEM_COLOUR, "1.5")
        out.append(
            '<li class="trend-key"><svg class="trend-swatch" viewBox="0 0 28 10" '
            'aria-hidden="true" focusable="false"><line x1="0" x2="28" y1="5" y2="5" '
            f'stroke="{colour}" stroke-width="{width}"{_dash(line.dash)}/></svg> '
            f"{_text(line.label)}</li>"
        )
    threshold = int(data.threshold)
    out += [
        '<li class="trend-key"><svg class="trend-swatch" viewBox="0 0 28 20" aria-hidden="true" '
        'focusable="false"><circle cx="14" cy="10" r="8" fill="none" '
        f'stroke="{IMPROVED_COLOUR}" stroke-width="2.5"/></svg> '
        f"Improvement of at least {threshold}% from the first visit</li>",
        '<li class="trend-key"><svg class="trend-swatch" viewBox="0 0 28 20" aria-hidden="true" '
        'focusable="false"><rect x="6" y="2" width="16" height="16" fill="none" '
        f'stroke="{WORSENED_COLOUR}" stroke-width="2.5"/></svg> '
        f"Worsening of at least {threshold}%</li>",
        "</ul>",
        "</figcaption>",
    ]
    return out


def _optional(value: object) -> str:
    return "—" if value is None else _text(value)


def _change_cell(point: Point) -> str:
    if point.is_baseline:
        return "Baseline"
    change = point.change
    text = _text(change.points_text)
    if change.percent_text:
        text += f" ({_text(change.percent_text)})"
    if point.marker == "improved":
        text += ' <strong class="trend-mark">Meaningful improvement</strong>'
    elif point.marker == "worsened":
        text += ' <strong class="trend-mark">Meaningful worsening</strong>'
    return (
        f'{text} <span class="d-block small text-body-secondary">{_text(change.explanation)}</span>'
    )


def _table(data: Trend, trend_id: str) -> list[str]:
    # The caption is shown above the box the table scrolls in, so that it wraps to a
    # phone's width; the table keeps a hidden one of its own.
    out = [
        f'<p class="trend-table-title" id="{trend_id}-caption">{TABLE_TITLE}</p>',
        '<div class="table-responsive trend-table-wrap" role="region" '
        f'aria-labelledby="{trend_id}-caption" tabindex="0">',
        '<table class="table table-sm trend-table">',
        f'<caption class="visually-hidden">{TABLE_TITLE}</caption>',
        "<thead><tr>"
        '<th scope="col">Date</th>'
        '<th scope="col">Visit</th>'
        '<th scope="col">PEG</th>'
        '<th scope="col"><abbr title="Average pain intensity">Pain</abbr></th>'
        '<th scope="col"><abbr title="Interference with enjoyment of life">Enjoyment</abbr></th>'
        '<th scope="col"><abbr title="Interference with general activity">Activity</abbr></th>'
        '<th scope="col">Change from first visit</th>'
        "</tr></thead>",
        "<tbody>",
    ]
    for point in data.points:
        visit = point.visit
        row_class = f' class="trend-row-{_text(point.marker)}"' if point.marker else ""
        on = visit.on
        out.append(
            f"<tr{row_class}>"
            f'<th scope="row" class="text-nowrap">{on.day} {on:%b %Y}</th>'
            f'<td class="text-nowrap">{_text(visit.kind_label)}</td>'
            f"<td>{_optional(visit.peg)}</td>"
            f"<td>{_optional(visit.items.get('peg_pain'))}</td>"
            f"<td>{_optional(visit.items.get('peg_enjoyment'))}</td>"
            f"<td>{_optional(visit.items.get('peg_activity'))}</td>"
            f'<td class="trend-change">{_change_cell(point)}</td>'
            "</tr>"
        )
    out += ["</tbody>", "</table>", "</div>"]
    return out


def _help(data: Trend, for_patient: bool) -> list[str]:
    threshold = int(data.threshold)
    if for_patient:
        return [
            '<p class="mb-1">Your PEG score is the average of three questions you answer from '
            "0 to 10: how bad your pain was, and how much it got in the way of enjoying life and "
            "of everyday activity. Lower is better. Your first visit is the starting point.</p>",
            f'<p class="mb-0">A change of {threshold}% or more from your first visit is marked. '
            f"Pain researchers count a fall that size as an important improvement ({IMMPACT}). "
            "A rise of the same size is marked too. Talk to your practitioner about what your "
            "scores mean for you.</p>",
        ]
    return [
        '<p class="mb-1">The PEG score is the average of three questions scored 0 to 10: '
        "average pain, and how much pain interfered with enjoyment of life and with general "
        "activity. Lower is better. The first visit's score is the baseline.</p>",
        f'<p class="mb-0">A change of at least {threshold}% from the baseline is marked as '
        "clinically meaningful, a fall as an improvement and a rise as a worsening. The "
        f"threshold follows {IMMPACT}, which treats a fall in chronic pain of at least 30% as "
        "moderately important and at least 50% as substantial. IMMPACT set these for pain "
        "intensity in trials; using them for the PEG and for one patient is this clinic's "
        "reading, not a validated cut-off.</p>",
    ]


def draw(data: Trend, chart: Chart | None, *, trend_id: str, for_patient: bool) -> SafeString:
    """The whole trend section's HTML."""
    trend_id = _text(trend_id)
    heading = "Your pain over time" if for_patient else "Pain over time (PEG)"
    out = [
        f'<section aria-labelledby="{trend_id}-heading" class="mb-4 trend">',
        f'<h2 id="{trend_id}-heading">{heading}</h2>',
        f'<p class="trend-summary" id="{trend_id}-summary">{_text(data.summary)}</p>',
    ]
    if chart:
        out.append('<figure class="trend-figure">')
        out += _svg(data, chart, trend_id, for_patient)
        out += _legend(data, chart)
        out.append("</figure>")
        out += _table(data, trend_id)
    out.append('<div class="trend-help small text-body-secondary">')
    out += _help(data, for_patient)
    out += ["</div>", "</section>"]
    return mark_safe("\n".join(out))  # noqa: S308 - every value in it went through _text


@register.simple_tag(takes_context=True)
def pain_trend(context, trend_id: str, for_patient: bool = False) -> SafeString:
    """The trend section of the `trend` and `chart` in the context (trends.page_context)."""
    return draw(context["trend"], context.get("chart"), trend_id=trend_id, for_patient=for_patient)
