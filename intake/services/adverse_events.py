"""Reactions after treatment, reported on a check-in, kept as adverse events."""

from __future__ import annotations

from django.db import transaction

from intake.models import AdverseEvent, Intake


def _visit_before(check_in: Intake):
    """The patient's last attended appointment before the check-in's, or None if none is
    recorded as attended (then no practitioner is named: the count is not guessed)."""
    from appointments.models import Appointment

    visits = Appointment.objects.filter(
        patient_id=check_in.patient_id, status=Appointment.Status.ATTENDED
    )
    if check_in.appointment_at:
        visits = visits.filter(starts_at__lt=check_in.appointment_at)
    return visits.select_related("practitioner").order_by("-starts_at", "-pk").first()


@transaction.atomic
def adverse_event_record_check_in(*, check_in: Intake) -> list[AdverseEvent]:
    """One adverse event per reaction the check-in reports, tied to the visit it followed."""
    answers = (check_in.answers or {}).get("reactions") or {}
    if answers.get("had_reaction") != "yes":
        return []
    visit = _visit_before(check_in)
    return AdverseEvent.objects.bulk_create(
        AdverseEvent(
            patient_id=check_in.patient_id,
            reported_in=check_in,
            visit=visit,
            practitioner=visit.practitioner if visit else None,
            kind=kind,
            timing=answers.get("timing") or "",
            detail=answers.get("detail") or "",
        )
        for kind in answers.get("reactions", [])
    )
