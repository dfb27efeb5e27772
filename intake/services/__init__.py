"""The write layer: every change the intake app makes to the database goes through one of
these functions, named `<noun>_<verb>` and called with keyword arguments only (after
HackSoft's Django styleguide and Zulip's `actions/`). Views and commands validate input
with forms, then call a service; they never save a model themselves.

Each function is one transaction. Rows that two requests could race on (an invitation, an
intake, a pending registration) are locked or updated conditionally, so a double click
never does anything twice.
"""

from __future__ import annotations

from intake.services.adverse_events import adverse_event_record_check_in
from intake.services.check_ins import (
    NoCheckIn,
    check_in_create,
    check_in_submitted,
    check_in_withdraw,
)
from intake.services.fhir_push import (
    fhir_push_enqueue,
    fhir_push_retry,
    fhir_pushes_requeue_stranded,
)
from intake.services.intakes import (
    FINISH_LATER,
    IntakeLocked,
    intake_draft_save,
    intake_start,
    intake_step_save,
    intake_submit,
)
from intake.services.invitations import Claim, invitation_claim, invitation_create
from intake.services.medications import (
    medication_record_apply_check_in,
    medication_record_start_listed,
)
from intake.services.red_flags import red_flag_notice_record
from intake.services.registration import (
    patient_create,
    registration_finish,
    registration_start,
)
from intake.services.reviews import InconsistentDecision, review_record
from intake.services.screening import flag_rows, screening_run

__all__ = [
    "FINISH_LATER",
    "Claim",
    "InconsistentDecision",
    "IntakeLocked",
    "fhir_push_enqueue",
    "fhir_push_retry",
    "fhir_pushes_requeue_stranded",
    "NoCheckIn",
    "adverse_event_record_check_in",
    "check_in_create",
    "check_in_submitted",
    "check_in_withdraw",
    "medication_record_apply_check_in",
    "medication_record_start_listed",
    "flag_rows",
    "intake_draft_save",
    "intake_start",
    "intake_step_save",
    "intake_submit",
    "invitation_claim",
    "invitation_create",
    "patient_create",
    "red_flag_notice_record",
    "registration_finish",
    "registration_start",
    "review_record",
    "screening_run",
]
