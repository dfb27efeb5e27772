"""The practitioner's list of intakes: order, filters, search, pages, query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from intake.models import Intake
from portal import roles
from tests.helpers import make_user

URL = reverse("intake:dashboard")


def make_intake(name: str, *, days: float | None = 1, **extra) -> Intake:
    when = None if days is None else timezone.now() + timedelta(days=days)
    extra.setdefault("status", Intake.Status.SUBMITTED)
    return Intake.objects.create(patient_name=name, appointment_at=when, **extra)


def listed_names(response) -> list[str]:
    return [row.patient_name for row in response.context["rows"]]


def test_it_lists_upcoming_then_past_then_unbooked(practitioner_client):
    make_intake("Past recent", days=-1)
    make_intake("Unbooked", days=None)
    make_intake("Upcoming later", days=5)
    make_intake("Past old", days=-30)
    make_intake("Upcoming soon", days=0.1)

    response = practitioner_client.get(URL)

    assert listed_names(response) == [
        "Upcoming soon",
        "Upcoming later",
        "Past recent",
        "Past old",
        "Unbooked",
    ]


def test_it_keeps_the_order_across_pages_that_straddle_the_groups(practitioner_client):
    # 20 upcoming, 8 past, 2 unbooked: page 1 ends inside the past group and page 2 runs
    # from the past group into the unbooked one.
    for i in range(20):
        make_intake(f"Upcoming {i:02}", days=i + 1)
    for i in range(8):
        make_intake(f"Past {i}", days=-(i + 1))
    make_intake("Unbooked old", days=None, created_at=timezone.now() - timedelta(days=3))
    make_intake("Unbooked new", days=None)

    first = practitioner_client.get(URL)
    second = practitioner_client.get(URL, {"page": 2})

    assert first.context["page_obj"].has_next
    assert not second.context["page_obj"].has_next
    assert listed_names(first) == [f"Upcoming {i:02}" for i in range(20)] + [
        f"Past {i}" for i in range(5)
    ]
    assert listed_names(second) == ["Past 5", "Past 6", "Past 7", "Unbooked new", "Unbooked old"]


def test_it_shows_each_rows_details_and_the_invite_link(practitioner_client, practitioner):
    make_intake(
        "Mary Major",
        peg_score=Decimal("6.3"),
        flag_counts={"refer": 1, "caution": 2},
        highest_severity="refer",
        practitioner=practitioner,
    )
    make_intake("Ivy Invited", status=Intake.Status.INVITED)

    response = practitioner_client.get(URL)

    assertContains(response, "Mary Major")
    assertContains(response, "6.3")
    # Severity in words, not only a colour.
    assertContains(response, "Refer: 1")
    assertContains(response, "Caution: 2")
    assertContains(response, "Dr Lin Wei")
    assertContains(response, "Not screened")
    assertContains(response, f'href="{reverse("intake:new_invitation")}"')
    assertContains(response, '<th scope="col">Flags</th>', html=True)


def test_it_shows_every_practitioners_intakes(practitioner_client):
    colleague = make_user(
        "col@example.com", role=roles.PRACTITIONER, full_name="Cal Colleague", staff=True
    )
    make_intake("Covered Patient", practitioner=colleague)

    assertContains(practitioner_client.get(URL), "Covered Patient")


def test_it_filters_by_status(practitioner_client):
    make_intake("Sam Submitted")
    make_intake("Rita Reviewed", status=Intake.Status.REVIEWED)
    make_intake("Ivy Invited", status=Intake.Status.INVITED)

    response = practitioner_client.get(URL, {"status": "reviewed"})

    assert listed_names(response) == ["Rita Reviewed"]


def test_it_filters_by_highest_severity(practitioner_client):
    make_intake("Rae Refer", highest_severity="refer", flag_counts={"refer": 1})
    make_intake("Cat Caution", highest_severity="caution", flag_counts={"caution": 3})
    make_intake("Nell None")

    assert listed_names(practitioner_client.get(URL, {"severity": "caution"})) == ["Cat Caution"]
    assert listed_names(practitioner_client.get(URL, {"severity": "none"})) == ["Nell None"]


def test_it_filters_to_my_patients(practitioner_client, practitioner, admin_user):
    make_intake("Mine", practitioner=practitioner)
    make_intake("Theirs", practitioner=admin_user)

    assert listed_names(practitioner_client.get(URL, {"mine": "1"})) == ["Mine"]


def test_it_ignores_an_unknown_filter_value(practitioner_client):
    make_intake("Sam Submitted")

    response = practitioner_client.get(URL, {"status": "deleted"})

    assert response.status_code == 200
    assert listed_names(response) == ["Sam Submitted"]


def test_it_searches_by_name_without_putting_it_in_the_url(practitioner_client):
    make_intake("Nguyễn Văn An")
    make_intake("Mary O'Brien")

    response = practitioner_client.post(URL, {"q": "o'bri", "status": "submitted"})

    # The name stays out of the address bar; the other filters go into it.
    assertRedirects(response, f"{URL}?status=submitted", fetch_redirect_response=False)
    assert "bri" not in response["Location"]
    response = practitioner_client.get(response["Location"])
    assert listed_names(response) == ["Mary O'Brien"]
    assertContains(response, 'value="o&#x27;bri"')

    practitioner_client.post(URL, {"q": "nguyễn"})
    assert listed_names(practitioner_client.get(URL)) == ["Nguyễn Văn An"]

    practitioner_client.post(URL, {"reset": "Clear filters", "q": "nguyễn"})
    assert len(listed_names(practitioner_client.get(URL))) == 2


def test_it_shows_the_remembered_search_as_a_filter_that_clears(practitioner_client):
    make_intake("Mary O'Brien")
    make_intake("Sam Other")
    assertNotContains(practitioner_client.get(URL), "Clear name search")

    practitioner_client.post(URL, {"q": "o'brien", "severity": "none"})
    # Another day, the dashboard opened afresh: the search is still on, and says so.
    response = practitioner_client.get(URL, {"severity": "none"})
    assert listed_names(response) == ["Mary O'Brien"]
    assertContains(response, "Patient name: “o&#x27;brien”")
    assertContains(response, '<button type="submit" name="clear_search"')
    assertContains(response, f'action="{URL}?severity=none"')

    response = practitioner_client.post(f"{URL}?severity=none", {"clear_search": ""})
    # The other filters stay; only the name search goes.
    assertRedirects(response, f"{URL}?severity=none", fetch_redirect_response=False)
    response = practitioner_client.get(response["Location"])
    assert set(listed_names(response)) == {"Mary O'Brien", "Sam Other"}
    assertNotContains(response, "Clear name search")
    assertNotContains(response, "o&#x27;brien")


def test_it_pages_25_at_a_time_and_keeps_the_filters(practitioner_client):
    for i in range(30):
        make_intake(f"Patient {i:02}", days=i + 1)
    make_intake("Other status", status=Intake.Status.REVIEWED)

    first = practitioner_client.get(URL, {"status": "submitted"})
    second = practitioner_client.get(URL, {"status": "submitted", "page": 2})

    assert len(first.context["rows"]) == 25
    assertContains(first, 'href="?status=submitted&amp;page=2"')
    assert listed_names(second) == [f"Patient {i:02}" for i in range(25, 30)]
    assertContains(second, 'href="?status=submitted&amp;page=1"')
    assertNotContains(second, "Other status")


def test_it_reads_past_the_groups_to_a_later_page(practitioner_client):
    # Page 3 starts beyond both the 20 upcoming and the 40 past intakes, in the unbooked ones.
    for i in range(20):
        make_intake(f"Upcoming {i:02}", days=i + 1)
    for i in range(40):
        make_intake(f"Past {i:02}", days=-(i + 1))
    for i in range(3):
        make_intake(f"Unbooked {i}", days=None, created_at=timezone.now() - timedelta(hours=i))

    third = practitioner_client.get(URL, {"page": 3})

    assert listed_names(third) == [f"Past {i:02}" for i in range(30, 40)] + [
        "Unbooked 0",
        "Unbooked 1",
        "Unbooked 2",
    ]
    assert not third.context["page_obj"].has_next
    assertContains(third, 'href="?page=2"')


@pytest.mark.parametrize("page", ["9", "0", "-1", "many", "1e9"])
def test_it_answers_any_page_number_without_an_error(practitioner_client, page):
    make_intake("Only Patient")
    response = practitioner_client.get(URL, {"page": page})
    assert response.status_code == 200
    if page == "9":
        assertContains(response, "There are no more intakes")
        assertContains(response, 'href="?page=1"')
    else:
        assert listed_names(response) == ["Only Patient"]
