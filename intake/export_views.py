"""Downloads of one intake for the clinic's other systems: the FHIR R4 Bundle and the PDF
summary. Each download is written to the audit trail, sent `no-store`, and named by the
record number only (the patient's name stays out of file names, docs/security.md S13)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_http_methods

from intake import fhir, pdf, selectors
from intake.practitioner_views import print_context
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
    body = pdf.render(print_context(intake), request, size=size)
    audit.record(request, AuditEvent.Action.EXPORT, intake)
    return _download(body, "application/pdf", f"intake-{intake.pk}-{size}.pdf")
