"""One intake for the clinic's other systems: the FHIR R4 Bundle and the PDF summary as
downloads, and sending the bundle again to the clinic's FHIR server. Each download is written
to the audit trail, sent `no-store`, and named by the record number only (the patient's name
stays out of file names, docs/security.md S13)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from intake import fhir, pdf, selectors, services
from intake.models import FhirPush
from intake.practitioner_views import _intake_context
from portal import audit
from portal.models import AuditEvent
from portal.roles import practitioner_required


def _download(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


@practitioner_required
@require_http_methods(["GET"])
def intake_fhir(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.practice_intake(pk=pk)
    body = json.dumps(fhir.bundle(intake), indent=2, ensure_ascii=False) + "\n"
    audit.record(request, AuditEvent.Action.EXPORT, intake)
    return _download(body, "application/fhir+json; charset=utf-8", f"intake-{intake.pk}-fhir.json")


@practitioner_required
@require_http_methods(["GET"])
def intake_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    size = request.GET.get("size", "a4")
    if size not in pdf.PAGE_SIZES:
        return HttpResponseBadRequest(
            "Unknown paper size: use size=a4 or size=letter.", content_type="text/plain"
        )
    intake = selectors.practice_intake(pk=pk)
    context = _intake_context(intake) | {"printed_at": timezone.now()}
    body = pdf.render(context, request, size=size)
    audit.record(request, AuditEvent.Action.EXPORT, intake)
    return _download(body, "application/pdf", f"intake-{intake.pk}-{size}.pdf")


@practitioner_required
@require_POST
def intake_fhir_push_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the intake's failed push to the FHIR server again (audited by the service)."""
    intake = selectors.practice_intake(pk=pk)
    push = selectors.fhir_push_latest(intake=intake)
    if push is None or push.status != FhirPush.Status.FAILED:
        messages.info(request, "There is no failed push to send again.")
    elif not services.fhir_push_retry(push=push, request=request):
        messages.error(request, "No FHIR server is configured, so nothing was sent.")
    else:
        messages.success(request, "The FHIR bundle is queued to be sent again.")
    return redirect("intake:intake_detail", pk=intake.pk)
