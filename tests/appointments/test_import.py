"""Importing appointments: CSV (our template and schedulers' headings) and iCalendar as
Jane, Cliniko and Google Calendar export them. Every row checked, errors by row, nothing
half-imported, the same file twice changes nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains

from appointments.models import Appointment
from intake.models import Invitation
from outbox.models import Email


def upload(client, name: str, body: str | bytes, follow: bool = True):
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        reverse("appointments:import"),
        {"file": SimpleUploadedFile(name, data, content_type="text/plain")},
        follow=follow,
    )


GOOD_CSV = """id,patient_name,email,start,kind,practitioner,status
J-1,Alice Able,alice@example.com,2031-01-15 09:30,first visit,prac@example.com,
J-2,Bob Baker,bob@example.com,15/01/2031 11:00,Follow-up,,booked
J-3,Cara Cole,cara@example.com,2031-01-16T14:00,Initial consultation,,
"""


def test_it_offers_a_template_with_every_column(practitioner_client):
    response = practitioner_client.get(reverse("appointments:import_template"))
    assert response["Content-Disposition"].startswith("attachment")
    heading = response.content.decode().splitlines()[0]
    assert heading == "id,patient_name,email,start,kind,practitioner,status"


def test_it_imports_a_good_csv_and_invites_the_first_visits(practitioner_client, practitioner):
    response = upload(practitioner_client, "jane.csv", GOOD_CSV)
    assertContains(response, "Imported: 3 booked, 0 moved, 0 cancelled, 0 unchanged.")
    rows = {a.external_id: a for a in Appointment.objects.all()}
    assert set(rows) == {"J-1", "J-2", "J-3"}
    assert rows["J-2"].kind == Appointment.Kind.FOLLOW_UP
    assert rows["J-3"].kind == Appointment.Kind.FIRST_VISIT
    assert rows["J-1"].practitioner == practitioner
    # 09:30 in the clinic's zone (GMT in January).
    assert rows["J-1"].starts_at.isoformat() == "2031-01-15T09:30:00+00:00"
    assert Invitation.objects.count() == 2
    assert Email.objects.filter(kind="invitation").count() == 2


def test_it_changes_nothing_when_the_same_file_comes_twice(practitioner_client):
    upload(practitioner_client, "jane.csv", GOOD_CSV)
    response = upload(practitioner_client, "jane.csv", GOOD_CSV)
    assertContains(response, "Imported: 0 booked, 0 moved, 0 cancelled, 3 unchanged.")
    assert Appointment.objects.count() == 3
    assert Email.objects.count() == 2


def test_it_moves_and_cancels_from_a_later_export(practitioner_client):
    upload(practitioner_client, "jane.csv", GOOD_CSV)
    later = GOOD_CSV.replace("2031-01-15 09:30", "2031-01-20 10:00").replace(
        "Follow-up,,booked", "Follow-up,,cancelled"
    )
    response = upload(practitioner_client, "jane.csv", later)
    assertContains(response, "Imported: 0 booked, 1 moved, 1 cancelled, 1 unchanged.")
    alice = Appointment.objects.get(external_id="J-1")
    assert alice.invitation.expires_at == alice.starts_at
    assert Appointment.objects.get(external_id="J-2").status == Appointment.Status.CANCELLED


def test_it_lists_every_bad_row_and_imports_nothing(practitioner_client):
    bad = (
        GOOD_CSV
        + "J-4,Dan Dee,not-an-email,2031-01-17 09:00,first visit,,\n"
        + "J-1,Eve Echo,eve@example.com,tomorrow-ish,first visit,,\n"
        + "J-6,,fay@example.com,2031-01-17 10:00,massage,nobody@example.com,\n"
    )
    response = upload(practitioner_client, "jane.csv", bad, follow=False)
    assert response.status_code == 200
    assertContains(response, "Nothing was imported: 6 problems")
    assertContains(response, "Row 5: not-an-email is not a valid email address")
    assertContains(response, "Row 6: the id J-1 appears twice in the file")
    assertContains(response, "Row 6: the start is not a date and time we can read")
    assertContains(response, "Row 7: the patient&#x27;s name is missing")
    assertContains(response, "Row 7: the kind must be first visit or follow-up")
    assertContains(response, "Row 7: no practitioner here has the email address nobody@example.com")
    assert not Appointment.objects.exists()
    assert not Email.objects.exists()


def test_it_explains_a_file_it_cannot_read(practitioner_client):
    response = upload(practitioner_client, "x.csv", "name,when\nA,B\n", follow=False)
    assertContains(response, "the heading row has no column for: id, email, start, kind")
    response = upload(practitioner_client, "x.csv", b"\xff\xfe\x00bad", follow=False)
    assertContains(response, "not UTF-8")
    response = upload(practitioner_client, "x.ics", b"BEGIN:VCALENDAR\nnonsense", follow=False)
    assert response.status_code == 200
    assert not Appointment.objects.exists()


def test_it_accepts_headings_as_schedulers_write_them(practitioner_client):
    cliniko = (
        "Appointment ID,Patient Name,Patient Email,Appointment Start,Appointment Type\n"
        "C-77,Gil Green,gil@example.com,2031-02-01 09:00,Initial Acupuncture\n"
    )
    assertContains(upload(practitioner_client, "cliniko.csv", cliniko), "1 booked")
    assert Appointment.objects.get().external_id == "C-77"


def ics(*events: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN"]
        + list(events)
        + ["END:VCALENDAR", ""]
    )


def event(uid: str, start: str, *lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", start, *lines, "END:VEVENT"])


GOOGLE = ics(
    event(
        "abc123@google.com",
        "DTSTART:20310310T100000Z",
        "SUMMARY:New patient - Hana Hill",
        "ORGANIZER;CN=Dr Lin Wei:mailto:prac@example.com",
        "ATTENDEE;CN=Dr Lin Wei;ROLE=CHAIR:mailto:prac@example.com",
        "ATTENDEE;CN=Hana Hill;ROLE=REQ-PARTICIPANT:mailto:hana@example.com",
    ),
    event(
        "jane-991",
        "DTSTART;TZID=Europe/London:20310311T150000",
        "SUMMARY:Follow-up Treatment",
        "ATTENDEE;CN=Ivo Iles:mailto:ivo@example.com",
    ),
)


def test_it_imports_an_ics_export(practitioner_client, practitioner):
    response = upload(practitioner_client, "calendar.ics", GOOGLE)
    assertContains(response, "Imported: 2 booked")
    hana = Appointment.objects.get(external_id="ics:abc123@google.com")
    assert (hana.patient_name, hana.email, hana.kind) == (
        "Hana Hill",
        "hana@example.com",
        Appointment.Kind.FIRST_VISIT,
    )
    assert hana.practitioner == practitioner
    ivo = Appointment.objects.get(external_id="ics:jane-991")
    assert ivo.kind == Appointment.Kind.FOLLOW_UP
    assert ivo.starts_at.isoformat() == "2031-03-11T15:00:00+00:00"
    again = upload(practitioner_client, "calendar.ics", GOOGLE)
    assertContains(again, "0 booked, 0 moved, 0 cancelled, 2 unchanged")


def test_it_lists_bad_events_by_number(practitioner_client):
    bad = ics(
        event("ok-1", "DTSTART:20310310T100000Z", "ATTENDEE;CN=Ok:mailto:ok@example.com"),
        event("all-day", "DTSTART;VALUE=DATE:20310310", "ATTENDEE:mailto:day@example.com"),
        event("nobody", "DTSTART:20310310T100000Z", "SUMMARY:Block"),
    )
    response = upload(practitioner_client, "calendar.ics", bad, follow=False)
    assertContains(response, "Event 2: the event lasts all day")
    assertContains(response, "Event 3: no patient email address among the event")
    assert not Appointment.objects.exists()
