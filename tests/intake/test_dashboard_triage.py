"""Triage on the dashboard (issue 12, part 4): unreviewed intakes with a refer flag first,
whatever their appointment date, then contraindicated; a submitted-date column; refer and
contraindicated badges that differ in colour and words, with readable text."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from intake.models import Intake
from intake.templatetags.practice import severity_badge_class

URL = reverse("intake:dashboard")
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


def make(name: str, *, days: float | None, severity: str = "", waited: float = 1, **extra):
    now = timezone.now()
    extra.setdefault("status", Intake.Status.SUBMITTED)
    return Intake.objects.create(
        patient_name=name,
        appointment_at=None if days is None else now + timedelta(days=days),
        highest_severity=severity,
        flag_counts={severity: 1} if severity else {},
        submitted_at=now - timedelta(days=waited) if extra["status"] != "in_progress" else None,
        **extra,
    )


def names(response) -> list[str]:
    return [row.patient_name for row in response.context["rows"]]


def test_unreviewed_refer_then_contraindicated_come_first(practitioner_client):
    make("Soon, caution", days=0.5, severity="caution")
    make("Refer, far off", days=60, severity="refer", waited=1)
    make("Refer, long waiting, past", days=-3, severity="refer", waited=5)
    make("Contraindicated, unbooked", days=None, severity="contraindicated")
    make("Refer, reviewed", days=2, severity="refer", status=Intake.Status.REVIEWED)
    make("In progress", days=1, status=Intake.Status.IN_PROGRESS)
    make("Past, none", days=-1)

    response = practitioner_client.get(URL)

    assert names(response) == [
        "Refer, long waiting, past",
        "Refer, far off",
        "Contraindicated, unbooked",
        "Soon, caution",
        "In progress",
        "Refer, reviewed",
        "Past, none",
    ]


def test_the_order_holds_across_pages(practitioner_client):
    for i in range(20):
        make(f"Refer {i:02}", days=30, severity="refer", waited=40 - i)
    for i in range(10):
        make(f"Contra {i:02}", days=30, severity="contraindicated", waited=40 - i)
    for i in range(5):
        make(f"Upcoming {i}", days=i + 1)

    first = practitioner_client.get(URL)
    second = practitioner_client.get(URL, {"page": 2})

    assert names(first) == [f"Refer {i:02}" for i in range(20)] + [
        f"Contra {i:02}" for i in range(5)
    ]
    assert names(second) == [f"Contra {i:02}" for i in range(5, 10)] + [
        f"Upcoming {i}" for i in range(5)
    ]
    assert not second.context["page_obj"].has_next


def test_filters_keep_the_triage_order(practitioner_client):
    make("Reviewed refer", days=1, severity="refer", status=Intake.Status.REVIEWED)
    make("Unreviewed refer", days=10, severity="refer")

    response = practitioner_client.get(URL, {"severity": "refer"})

    assert names(response) == ["Unreviewed refer", "Reviewed refer"]


def test_it_shows_the_submitted_date(practitioner_client):
    sent = make("Sent", days=3, waited=0)
    make("Not yet", days=4, status=Intake.Status.IN_PROGRESS)

    response = practitioner_client.get(URL)

    assertContains(response, '<th scope="col">Submitted</th>', html=True)
    local = timezone.localtime(sent.submitted_at)
    rows = {row.patient_name: row.submitted for row in response.context["rows"]}
    assert rows == {"Sent": f"{local.day} {local:%b %Y}", "Not yet": ""}
    assert datetime.strptime(rows["Sent"], "%d %b %Y").date() == local.date()


def test_refer_and_contraindicated_badges_differ_in_words_and_colour(practitioner_client):
    make("Rae", days=1, severity="refer")
    make("Cole", days=1, severity="contraindicated")

    response = practitioner_client.get(URL)

    assertContains(response, '<span class="badge severity-badge severity-refer">Refer: 1</span>')
    assertContains(
        response,
        '<span class="badge severity-badge severity-contraindicated">Contraindicated: 1</span>',
    )
    assert severity_badge_class("refer") != severity_badge_class("contraindicated")


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def badge_colours(css_class: str) -> tuple[str, str]:
    rule = re.search(rf"\.badge\.{css_class} \{{([^}}]*)\}}", CSS.read_text())
    assert rule, css_class
    background = re.search(r"background-color: (#[0-9a-f]{6})", rule.group(1)).group(1)
    colour = re.search(r"[^-]color: (#[0-9a-f]{3,6})", " " + rule.group(1)).group(1)
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour, background


def test_the_badge_text_contrast_is_at_least_4_5_to_1():
    refer = badge_colours("severity-refer")
    contraindicated = badge_colours("severity-contraindicated")

    assert refer[1] != contraindicated[1]
    for colour, background in (refer, contraindicated):
        assert contrast(colour, background) >= 4.5, (colour, background)
    assert contrast("#000000", "#ffffff") == 21  # the check itself, on the known extreme
