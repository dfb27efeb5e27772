"""The practitioner's appointments: the board (where each intake stands), booking, moving,
cancelling, marking, sending again and importing; and the patient's stop-reminders link.

As on the intake pages, every practitioner sees every appointment (a group practice).
Changes are written to the audit trail (docs/security.md S14).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from appointments import imports, selectors, services
from appointments.emails import appointment_from_opt_out
from appointments.forms import AppointmentForm, ImportForm, MoveForm
from appointments.models import Appointment
from portal import audit
from portal.models import AuditEvent
from portal.roles import practitioner_required


@practitioner_required
@require_http_methods(["GET"])
def board(request: HttpRequest) -> HttpResponse:
    only = request.GET.get("only", "")
    past = request.GET.get("when") == "past"
    rows = selectors.board(now=timezone.now(), only=only, past=past)
    return render(
        request,
        "appointments/board.html",
        {"rows": rows, "only": only, "past": past, "limit": selectors.PAGE_LIMIT},
    )


@practitioner_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    form = AppointmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        appointment = services.appointment_create(**form.cleaned_data, created_by=request.user)
        audit.record(request, AuditEvent.Action.CREATE, appointment)
        refused = getattr(appointment, "check_in_refused", "")
        if appointment.invitation_id:
            messages.success(
                request, f"Booked. The invitation to {appointment.email} is on its way."
            )
        elif appointment.intake_id:
            messages.success(request, f"Booked. The check-in to {appointment.email} is on its way.")
        elif refused:
            messages.warning(request, f"Booked. {refused}")
        else:
            messages.success(request, "Booked.")
        return redirect("appointments:board")
    return render(request, "appointments/new.html", {"form": form})


def _appointment(pk: int) -> Appointment:
    return get_object_or_404(Appointment.objects.select_related("intake", "invitation"), pk=pk)


@practitioner_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "Only a booked appointment can be moved.")
        return redirect("appointments:board")
    initial = {"starts_at": timezone.localtime(appointment.starts_at)}
    form = MoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        starts_at = form.cleaned_data["starts_at"]
        services.appointment_update(appointment=appointment, starts_at=starts_at)
        audit.record(request, AuditEvent.Action.UPDATE, appointment)
        messages.success(request, "Moved. Its invitation and reminders follow the new time.")
        return redirect("appointments:board")
    return render(request, "appointments/move.html", {"form": form, "appointment": appointment})


@practitioner_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    if appointment.status == Appointment.Status.BOOKED:
        cancelled = services.appointment_cancel(appointment=appointment)
        audit.record(request, AuditEvent.Action.UPDATE, appointment)
        if cancelled.check_in_withdrawn:
            messages.success(
                request,
                "Cancelled. Its check-in is withdrawn: the patient is no longer asked for it "
                "or reminded.",
            )
        else:
            messages.success(request, "Cancelled. No more reminders will be sent for it.")
    return redirect("appointments:board")


@practitioner_required
@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    status = request.POST.get("status", "")
    if status not in (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        messages.error(request, "Choose attended or no-show.")
    elif appointment.starts_at > timezone.now():
        messages.error(request, "An appointment can be marked once it has started.")
    else:
        services.appointment_mark(appointment=appointment, status=status)
        audit.record(request, AuditEvent.Action.UPDATE, appointment)
    return redirect(f"{reverse('appointments:board')}?when=past")


@practitioner_required
@require_POST
def send_again(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    try:
        services.appointment_send_again(appointment=appointment)
    except services.TooSoon:
        messages.error(request, "Sent several times in the last hour already; try again later.")
    except ValueError:
        messages.info(request, "This intake needs no reminder now.")
    else:
        audit.record(request, AuditEvent.Action.CREATE, appointment)
        messages.success(request, f"A reminder to {appointment.email} is on its way.")
    return redirect("appointments:board")


@practitioner_required
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = imports.import_upload(form.cleaned_data["file"], by=request.user)
        if report.ok:
            audit.record(request, AuditEvent.Action.CREATE, Appointment())
            messages.success(request, report.summary())
            return redirect("appointments:board")
    return render(request, "appointments/import.html", {"form": form, "report": report})


@practitioner_required
@require_http_methods(["GET"])
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointments-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
def stop_reminders(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every reminder. Opening it asks; only the button stops reminders, so a
    mail scanner that follows links stops nothing. The page names no one."""
    appointment = appointment_from_opt_out(token)
    if appointment is None:
        raise Http404
    stopped = appointment.reminders_stopped_at is not None
    if request.method == "POST":
        services.appointment_stop_reminders(appointment=appointment)
        stopped = True
    return render(request, "appointments/stop_reminders.html", {"stopped": stopped})
