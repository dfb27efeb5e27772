"""Importing appointments from the clinic's scheduler: a CSV file (our template, or an
export whose headings we recognise) or an iCalendar file (.ics) as Jane, Cliniko and
Google Calendar export them.

Every row is checked before anything is written. One bad row and nothing is imported: the
page lists each problem with its row (or event) number and reason. A good file is imported
in one transaction. Each appointment carries the scheduler's own id (the CSV id column, the
event's UID), so importing the same file again changes nothing, and a later export moves
or cancels the appointments it already brought in.

CSV columns (headings in any case and order; the template has them all):
  id            the scheduler's appointment id (required, unique in the file)
  patient_name  the patient's full name (required)
  email         the patient's email address (required)
  start         date and time in clinic time: 2026-12-03 14:30, 2026-12-03T14:30,
                03/12/2026 14:30, or ISO 8601 with an offset (required)
  kind          first visit or follow-up (required; "initial", "new" count as first visit,
                "return", "subsequent" as follow-up)
  practitioner  a practitioner's email address (optional; the importing practitioner if blank)
  status        booked or cancelled (optional; booked if blank)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from intake.selectors import practitioners
from portal.models import User

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
TEMPLATE_COLUMNS = ["id", "patient_name", "email", "start", "kind", "practitioner", "status"]
# Headings seen in schedulers' exports, mapped to ours.
HEADINGS = {
    "id": "id",
    "appointment id": "id",
    "appointment_id": "id",
    "external id": "id",
    "patient_name": "patient_name",
    "patient name": "patient_name",
    "patient": "patient_name",
    "client name": "patient_name",
    "name": "patient_name",
    "email": "email",
    "patient email": "email",
    "client email": "email",
    "email address": "email",
    "start": "start",
    "start time": "start",
    "starts at": "start",
    "appointment start": "start",
    "date and time": "start",
    "kind": "kind",
    "type": "kind",
    "appointment type": "kind",
    "practitioner": "practitioner",
    "practitioner email": "practitioner",
    "status": "status",
}
REQUIRED = ("id", "patient_name", "email", "start", "kind")
FIRST_VISIT_WORDS = ("first", "initial", "new patient", "new")
FOLLOW_UP_WORDS = ("follow", "return", "subsequent", "standard", "review")
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")


@dataclass
class Row:
    number: int
    external_id: str
    patient_name: str
    email: str
    starts_at: datetime
    kind: str
    practitioner: User
    cancelled: bool


@dataclass
class Report:
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    moved: int = 0
    cancelled: int = 0
    unchanged: int = 0
    skipped_past: int = 0
    label: str = "Row"

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        parts = [
            f"{self.created} booked",
            f"{self.moved} moved",
            f"{self.cancelled} cancelled",
            f"{self.unchanged} unchanged",
        ]
        if self.skipped_past:
            parts.append(f"{self.skipped_past} in the past, left out")
        return "Imported: " + ", ".join(parts) + "."


def csv_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(
        ["J-1001", "Alex Example", "alex@example.com", "2030-01-15 09:30", "first visit", "", ""]
    )
    return out.getvalue()


def _kind(text: str) -> str | None:
    words = text.strip().lower().replace("-", " ").replace("_", " ")
    if any(word in words for word in FOLLOW_UP_WORDS):
        return Appointment.Kind.FOLLOW_UP
    if any(word in words for word in FIRST_VISIT_WORDS):
        return Appointment.Kind.FIRST_VISIT
    return None


def _clinic_time(value: str) -> datetime | None:
    value = value.strip()
    zone = ZoneInfo(settings.TIME_ZONE)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        for pattern in TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)  # noqa: DTZ007 - clinic time below
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


class _Checker:
    """What every row is checked against, and the problems found, by row."""

    def __init__(self, *, by: User, report: Report) -> None:
        self.report = report
        self.by = by
        self.practitioners = {user.email: user for user in practitioners()}
        self.seen: set[str] = set()

    def practitioner(self, address: str, number: int) -> User | None:
        address = address.strip().lower()
        if not address:
            if self.by.email in self.practitioners:
                return self.by
            self.error(number, "no practitioner given (the practitioner column is blank)")
            return None
        found = self.practitioners.get(address)
        if found is None:
            self.error(number, f"no practitioner here has the email address {address}")
        return found

    def error(self, number: int, reason: str) -> None:
        self.report.errors.append((number, reason))

    def row(
        self,
        number: int,
        *,
        external_id: str,
        name: str,
        email: str,
        starts_at: datetime | None,
        kind: str | None,
        practitioner: User | None,
        cancelled: bool,
    ) -> Row | None:
        before = len(self.report.errors)
        if not external_id:
            self.error(number, "the id is missing (it is what makes a second import safe)")
        elif external_id in self.seen:
            self.error(number, f"the id {external_id} appears twice in the file")
        self.seen.add(external_id)
        name = " ".join(name.split())
        if not name:
            self.error(number, "the patient's name is missing")
        elif len(name) > 150:
            self.error(number, "the patient's name is longer than 150 characters")
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            self.error(number, f"{email or 'the email address'} is not a valid email address")
        if starts_at is None:
            self.error(number, "the start is not a date and time we can read")
        if kind is None:
            self.error(number, "the kind must be first visit or follow-up")
        if len(self.report.errors) > before or practitioner is None:
            return None
        return Row(number, external_id, name, email, starts_at, kind, practitioner, cancelled)


def read_csv(text: str, *, by: User, report: Report) -> list[Row]:
    reader = csv.reader(io.StringIO(text))
    try:
        headings = next(reader)
    except StopIteration:
        report.errors.append((1, "the file is empty"))
        return []
    columns = {HEADINGS.get(h.strip().lower()): i for i, h in enumerate(headings)}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        report.errors.append((1, f"the heading row has no column for: {', '.join(missing)}"))
        return []
    checker = _Checker(by=by, report=report)
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if number > MAX_ROWS + 1:
            report.errors.append((number, f"more than {MAX_ROWS} rows: split the file"))
            break

        def cell(name: str, values=values) -> str:
            index = columns.get(name)
            return values[index].strip() if index is not None and index < len(values) else ""

        status = cell("status").lower()
        if status not in ("", "booked", "cancelled", "canceled"):
            checker.error(number, f"the status must be booked or cancelled, not {status!r}")
        row = checker.row(
            number,
            external_id=cell("id"),
            name=cell("patient_name"),
            email=cell("email"),
            starts_at=_clinic_time(cell("start")),
            kind=_kind(cell("kind")),
            practitioner=checker.practitioner(cell("practitioner"), number),
            cancelled=status in ("cancelled", "canceled"),
        )
        if row is not None:
            rows.append(row)
    return rows


def _address(value) -> str:
    text = str(value or "")
    return text[7:] if text.lower().startswith("mailto:") else text


def read_ics(data: bytes, *, by: User, report: Report) -> list[Row]:
    """Each VEVENT is a row, numbered from 1 in file order. The patient is the attendee who
    is not a practitioner (name from its CN, else the summary); the practitioner is the
    organizer or an attendee who is one; the kind is read from the summary, description
    and categories (first visit when none says)."""
    report.label = "Event"
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        report.errors.append((1, "this is not an iCalendar file we can read"))
        return []
    checker = _Checker(by=by, report=report)
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = []
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        if number > MAX_ROWS:
            report.errors.append((number, f"more than {MAX_ROWS} events: split the file"))
            break
        attendees = event.get("ATTENDEE") or []
        if not isinstance(attendees, list):
            attendees = [attendees]
        organizer = _address(event.get("ORGANIZER")).lower()
        practitioner_address = organizer if organizer in checker.practitioners else ""
        patient, patient_cn = "", ""
        for attendee in attendees:
            address = _address(attendee).lower()
            if address in checker.practitioners:
                practitioner_address = practitioner_address or address
            elif address and address != organizer and not patient:
                patient, patient_cn = address, str(attendee.params.get("CN", ""))
        start = event.get("DTSTART")
        starts_at = start.dt if start is not None else None
        if isinstance(starts_at, date) and not isinstance(starts_at, datetime):
            checker.error(number, "the event lasts all day: an appointment needs a time")
            starts_at = None
        elif isinstance(starts_at, datetime) and starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=zone)
        words = " ".join(
            str(event.get(name, "")) for name in ("SUMMARY", "DESCRIPTION", "CATEGORIES")
        )
        if not patient:
            checker.error(number, "no patient email address among the event's attendees")
        row = checker.row(
            number,
            external_id=f"ics:{event.get('UID', '')}" if event.get("UID") else "",
            name=patient_cn or str(event.get("SUMMARY", "")),
            email=patient or "missing@invalid",
            starts_at=starts_at,
            kind=_kind(words) or Appointment.Kind.FIRST_VISIT,
            practitioner=checker.practitioner(practitioner_address, number),
            cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
        )
        if row is not None and patient:
            rows.append(row)
    return rows


def import_rows(rows: list[Row], *, by: User, source: str, report: Report) -> None:
    """Write a checked file in one transaction: new ids booked, known ids moved or
    cancelled as the file says, the rest unchanged."""
    now = timezone.now()
    with transaction.atomic():
        known = {
            a.external_id: a
            for a in Appointment.objects.select_for_update().filter(
                external_id__in=[row.external_id for row in rows]
            )
        }
        for row in rows:
            existing = known.get(row.external_id)
            if existing is None:
                if row.cancelled or row.starts_at <= now:
                    report.skipped_past += not row.cancelled
                    continue
                services.appointment_create(
                    patient_name=row.patient_name,
                    email=row.email,
                    practitioner=row.practitioner,
                    starts_at=row.starts_at,
                    kind=row.kind,
                    created_by=by,
                    source=source,
                    external_id=row.external_id,
                )
                report.created += 1
            elif existing.status != Appointment.Status.BOOKED:
                report.unchanged += 1
            elif row.cancelled:
                services.appointment_cancel(appointment=existing)
                report.cancelled += 1
            elif existing.starts_at != row.starts_at and row.starts_at > now:
                services.appointment_update(
                    appointment=existing,
                    starts_at=row.starts_at,
                    practitioner=row.practitioner,
                    patient_name=row.patient_name,
                )
                report.moved += 1
            else:
                report.unchanged += 1


def import_upload(upload: UploadedFile, *, by: User) -> Report:
    report = Report()
    if upload.size and upload.size > MAX_BYTES:
        report.errors.append((1, "the file is larger than 2 MB: split it"))
        return report
    data = upload.read(MAX_BYTES + 1)
    name = (upload.name or "").lower()
    is_ics = name.endswith(".ics") or data.lstrip().startswith(b"BEGIN:VCALENDAR")
    if is_ics:
        rows = read_ics(data, by=by, report=report)
        source = Appointment.Source.ICS
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.errors.append((1, "the file is not UTF-8 text: save it as CSV UTF-8"))
            return report
        rows = read_csv(text.replace("\x00", ""), by=by, report=report)
        source = Appointment.Source.CSV
    if report.ok:
        import_rows(rows, by=by, source=source, report=report)
    return report
