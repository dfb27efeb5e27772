"""The patient's living medicine list (`MedicationRecord`): written from the first intake's
medicines when it is submitted, and from each check-in's "still taking / stopped /
started" answers when that is submitted. Dates are as the patient reported them."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from intake.models import Intake, MedicationRecord

ROW_FIELDS = ("dose", "frequency", "reason")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _record(patient_id: int, source: Intake, item: dict) -> MedicationRecord:
    return MedicationRecord(
        patient_id=patient_id,
        name=item["name"][:150],
        started_on=_day(item.get("started_on")),
        started_in=source,
        **{
            key: (item.get(key) or "")[: MedicationRecord._meta.get_field(key).max_length]
            for key in ROW_FIELDS
        },
    )


@transaction.atomic
def medication_record_start_listed(*, intake: Intake, items: list[dict]) -> list[MedicationRecord]:
    """Start a record for each medicine of `items` (the contract's `medications` shape, or an
    intake's medicine rows) as reported by `intake`. Called with a submitted intake's
    medicines, and with the picture of a patient who has no records yet (an intake
    submitted before records were kept)."""
    rows = [_record(intake.patient_id, intake, item) for item in items if item.get("name")]
    return MedicationRecord.objects.bulk_create(rows)


@transaction.atomic
def medication_record_apply_check_in(*, check_in: Intake) -> None:
    """Stop the records the check-in reported stopped (with the day, if given) and start a
    record for each medicine it reported started. A record another check-in has stopped
    meanwhile stays as that one said."""
    answers = (check_in.answers or {}).get("medicines") or {}
    for item in answers.get("records", []):
        if item.get("still"):
            continue
        MedicationRecord.objects.filter(
            pk=item["id"], patient_id=check_in.patient_id, stopped_in__isnull=True
        ).update(stopped_in=check_in, stopped_on=_day(item.get("stopped_on")))
    medication_record_start_listed(intake=check_in, items=answers.get("started", []))
