"""The repeated blocks of the practitioner's intake page (and of its print view and PDF),
drawn in Python as the dashboard's and the patient page's rows are: the safety flags, each a
card, the answers, a dozen sections of label and value, a check-in's changes since the visit
before and the latest review. In the template language, an `{% include %}` per flag and a
loop per answer were most of the page's rendering time, and the changes, with a badge per
flag, a third of a check-in's.

The HTML is what the templates drew (the flag card was _flag.html, the changes
_what_changed.html, the review _review.html), the same elements, classes, attributes and
text. Every value goes through `text`, so it is escaped; what comes
out is marked safe only here.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from intake.screening import severities


def text(value: object) -> str:
    """A value escaped for HTML (the standard library's escape, as Django's escape() is
    without its check for lazy strings)."""
    return escape(str(value), quote=True)


def severity_badge(severity: str, label: str) -> str:
    """The badge of _severity_badge.html, without a count."""
    return (
        f'<span class="badge severity-badge {severities.badge_class(severity)}">'
        f"{text(label)}</span>"
    )


def source_links(codes: list, *, sources_url: str) -> str:
    """_source_links.html: a flag's source codes, each a link to it on the source list."""
    return ", ".join(
        f'<a href="{sources_url}#{text(code)}" aria-label="Source {text(code)}">{text(code)}</a>'
        for code in codes
    )


def flag_card(flag, *, heading_level: int, sources_url: str) -> str:
    """One flag (decorated by practitioner_views._decorate) as a card, its heading at
    `heading_level` so that headings stay in order."""
    if flag.because:
        reasons = "".join(f"<li>{text(reason)}</li>" for reason in flag.because)
        because = f'<ul class="mb-0 ps-3">{reasons}</ul>'
    else:
        because = "—"
    why = ""
    if flag.why:
        sources = (
            ' <span class="text-body-secondary">(sources '
            f"{source_links(flag.why_sources, sources_url=sources_url)})</span>"
            if flag.why_sources
            else ""
        )
        why = f'<dt class="col-sm-3">Why</dt><dd class="col-sm-9">{text(flag.why)}{sources}</dd>'
    guide = (
        '<dt class="col-sm-3">Guide</dt><dd class="col-sm-9">'
        f'<a href="{text(flag.guide_link)}">Safety guidance: {text(flag.title)}</a></dd>'
        if flag.guide_link
        else ""
    )
    affects = ", ".join(text(label) for label in flag.affects_labels) or "—"
    level = int(heading_level)
    return (
        f'<li class="card mb-3 flag flag-{text(flag.severity)}"><div class="card-body">'
        f'<p class="mb-1">{severity_badge(flag.severity, flag.severity_label)} '
        f'<span class="text-body-secondary small ms-1">Rule {text(flag.rule)} · '
        f"{text(flag.category)}</span></p>"
        f'<h{level} class="h6 card-title mb-2">{text(flag.title)}</h{level}>'
        '<dl class="row mb-0 small">'
        f'<dt class="col-sm-3">Because</dt><dd class="col-sm-9">{because}</dd>'
        f'<dt class="col-sm-3">Action</dt><dd class="col-sm-9">{text(flag.action)}</dd>'
        f"{why}"
        f'<dt class="col-sm-3">Affects</dt><dd class="col-sm-9">{affects}</dd>'
        f"{guide}</dl></div></li>"
    )


def flag_groups(groups: list[dict], *, current: bool) -> SafeString:
    """Flags by severity (practitioner_views._group_flags): the current run's under an h3
    with their count, an earlier run's under an h4 (inside its <details>)."""
    sources_url = text(reverse("intake:sources"))
    parts = []
    for group in groups:
        if current:
            parts.append(f'<h3 class="h5 mt-3">{text(group["label"])} ({len(group["flags"])})</h3>')
        else:
            parts.append(f'<h4 class="h6 mt-2">{text(group["label"])}</h4>')
        cards = "".join(
            flag_card(flag, heading_level=4 if current else 5, sources_url=sources_url)
            for flag in group["flags"]
        )
        parts.append(f'<ul class="list-unstyled">{cards}</ul>')
    return mark_safe("".join(parts))  # noqa: S308 - every value in it went through text()


def answer_value(value: object) -> str:
    """An answer as `value|default:"—"|linebreaksbr` shows it: escaped, each line break
    a <br>."""
    if not value:
        return "—"
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text(lines).replace("\n", "<br>")


def answer_sections(sections: list) -> SafeString:
    """The answers (intake.summary.answer_sections), a heading and a list per step."""
    if not sections:
        return mark_safe("<p>No answers saved yet.</p>")
    parts = []
    for section in sections:
        rows = "".join(
            f'<dt class="col-sm-4">{text(label)}</dt>'
            f'<dd class="col-sm-8">{answer_value(value)}</dd>'
            for label, value in section.rows
        )
        parts.append(
            f'<h3 class="h5 mt-3">{text(section.title)}</h3><dl class="row answers">{rows}</dl>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value in it went through text()


def when(value, fmt: str) -> str:
    """A date or datetime as the `date` filter writes it: a datetime in clinic time."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return date_format(value, fmt)


def _flag_badge(flag) -> str:
    """The badge the "what changed" list puts after a change: the severity in words."""
    return (
        f'<span class="badge {severities.badge_class(flag.severity)}">'
        f"{text(severities.label(flag.severity))}</span>"
    )


def what_changed(changed) -> SafeString:
    """A check-in's changes since the visit before (intake.changes.WhatChanged), ahead of
    its flags: each reported change with the new flags it led to, new flags no change
    explains, flags no longer raised, and the flags raised both times."""
    since = changed.since
    heading = f" since {text(when(since, 'j M Y'))}" if since else ""
    parts = [
        '<section aria-labelledby="changed-heading" class="mb-4 what-changed">',
        f'<h2 id="changed-heading">What changed{heading}</h2>',
    ]
    if changed.anything:
        new_since = f"New since {text(when(since, 'j M'))}: " if since else ""
        items = []
        for change in changed.changes:
            led_to = ";".join(f" → {_flag_badge(flag)} {text(flag.title)}" for flag in change.flags)
            items.append(
                f'<li class="mb-2 change change-{text(change.kind)}">'
                f"<strong>{new_since}{text(change.text)}</strong>{led_to}</li>"
            )
        for flag in changed.new_flags:
            kind = "red flag" if flag.category == "red_flag" else "flag"
            items.append(
                '<li class="mb-2 change change-new-flag">'
                f"<strong>New {kind}: {text(flag.title)}</strong> → {_flag_badge(flag)}</li>"
            )
        for flag in changed.no_longer:
            items.append(
                '<li class="mb-2 change change-gone">No longer raised: '
                f"{text(flag.title)} (was {text(severities.label(flag.severity))})</li>"
            )
        parts.append(f'<ul class="list-unstyled">{"".join(items)}</ul>')
    else:
        parts.append("<p>Nothing reported as changed, and no flag came or went.</p>")
    if changed.unchanged:
        titles = "; ".join(text(flag.title) for flag in changed.unchanged)
        parts.append(
            f'<p class="mb-0">Raised as before ({len(changed.unchanged)}): {titles}. '
            "Each is listed in full under “Safety flags”.</p>"
        )
    parts.append("</section>")
    return mark_safe("".join(parts))  # noqa: S308 - every value in it went through text()


def review(shown) -> SafeString:
    """A signed review (selectors.ShownReview): the decision, its modifications and
    overrides with their reasons, the note, the flags acknowledged and the signature."""
    rows = [
        '<dt class="col-sm-3">Decision</dt>'
        f'<dd class="col-sm-9"><strong>{text(shown.decision_label)}</strong></dd>'
    ]
    if shown.modifications:
        items = "".join(f"<li>{text(item.get('text', ''))}</li>" for item in shown.modifications)
        rows.append(
            '<dt class="col-sm-3">Modifications</dt>'
            f'<dd class="col-sm-9"><ul class="mb-0 ps-3">{items}</ul></dd>'
        )
    if shown.overrides:
        items = "".join(
            f"<li><strong>{text(item.get('rule', ''))} {text(item.get('title', ''))}</strong> "
            f"({text(item.get('severity', ''))}), treated despite it. "
            f"Reason: {text(item.get('reason', ''))}</li>"
            for item in shown.overrides
        )
        rows.append(
            '<dt class="col-sm-3">Flags overridden</dt>'
            f'<dd class="col-sm-9"><ul class="mb-0 ps-3 review-overrides">{items}</ul></dd>'
        )
    acknowledged = (
        "; ".join(f"{text(flag.rule)} {text(flag.title)}" for flag in shown.acknowledged_flags)
        or "None"
    )
    rows.append(
        '<dt class="col-sm-3">Note</dt>'
        f'<dd class="col-sm-9">{answer_value(shown.note)}</dd>'
        '<dt class="col-sm-3">Flags acknowledged</dt>'
        f'<dd class="col-sm-9">{acknowledged}</dd>'
        '<dt class="col-sm-3">Signed</dt>'
        f'<dd class="col-sm-9">{text(shown.signed_name)} ({text(shown.reviewer_email)}), '
        f"{text(when(shown.signed_at, 'j F Y, H:i'))} · version {text(shown.version)}</dd>"
    )
    return mark_safe(f'<dl class="row latest-review">{"".join(rows)}</dl>')  # noqa: S308 - every value in it went through text()
