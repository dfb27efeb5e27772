"""The intake app's queued work: sending a reviewed intake's Bundle to the clinic's FHIR
server (see intake.services.fhir_push)."""

from __future__ import annotations

from django_tasks import task


@task()
def push_fhir_bundle(push_id: int, generation: int) -> bool:
    """Send one queued push if this task is still the one meant to; True if it was sent."""
    from intake.services.fhir_push import fhir_push_deliver

    return fhir_push_deliver(push_id=push_id, generation=generation)
