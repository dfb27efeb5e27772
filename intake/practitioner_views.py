"""The practitioner workspace: the intake list, one intake with its flags and answers, the
signed review, re-screening and new invitations.

The practice is a group practice: every practitioner (and admin) sees every intake, so
there is no per-object ownership check here beyond the role. Each look at an intake is
written to the audit trail (docs/security.md S14).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guide.markdown import section_link
from intake import check_ins, practice_html, selectors, services, trends
from intake.export import screening_input, screening_result
from intake.models import AdverseEvent, Flag, Intake, Invitation, Review, ScreeningRun
from intake.practice_forms import (
    MODALITY_LABELS,
    DashboardFilterForm,
    InvitationForm,
    ReviewForm,
)
from intake.screening import RULESET_VERSION, rule_rationale, rule_sources, severities
from intake.screening.sources import sources as screening_sources
from intake.screening.vocabulary import PAIN_REGIONS, REACTION_TIMING, REACTIONS
from intake.services import fhir_push
from intake.services.reviews import REVIEWABLE
from intake.summary import answer_sections
from intake.templatetags.practice import severity_badge, status_badge, status_badge_class
from portal import audit
from portal.models import AuditEvent
from portal.roles import practitioner_required

PAGE_SIZE = 25
URL_ID_MARK = 987654321  # stands for an id in a reversed address, then is replaced
# Beyond this a page number is nonsense (a million intakes at 25 a page is 40,000 pages),
# and a huge OFFSET would only make the database work for nothing.
MAX_PAGE = 100_000
SEARCH_SESSION_KEY = "practice_search"
STATUS_LABELS = dict(Intake.Status.choices)


# Dashboard ----------------------------------------------------------------------------


def _page_number(value: str | None) -> int:
    """The page asked for in the address bar; anything but a sensible number is page 1."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def _text(value: object) -> str:
    """A value escaped for HTML. The standard library's escape, which Django's escape() wraps
    in a check for lazy strings: a row holds none, and on 25 rows of 8 values that check was
    a third of the rows' cost."""
    return escape(str(value), quote=True)


@dataclass(frozen=True, slots=True)
class DashboardRow:
    """One intake as the dashboard lists it, made ready in Python: the page draws 25 of
    these on every load, and the template engine is the slow part of it."""

    url: str
    patient_url: str  # "" until the intake has a patient's account
    patient_name: str
    is_check_in: bool
    appointment: str  # "" when nothing is booked
    is_past: bool
    status: str
    status_label: str
    submitted: str  # "" until the patient submits
    badges: list[tuple[str, str, int]]  # (severity, label, count), highest first
    screened: bool
    peg_score: Decimal | None
    practitioner: str

    def html(self) -> SafeString:
        """The row's <tr>, written here rather than in the template: the dashboard draws
        25 rows on every load, and in Django's template language they were most of the
        page's cost. Every value goes through _text, so it is escaped."""
        if self.appointment:
            past = ' <span class="text-body-secondary small">(past)</span>' if self.is_past else ""
            appointment = _text(self.appointment) + past
        else:
            appointment = "Not booked"
        if self.badges:
            flags = " ".join(
                f'<span class="badge severity-badge {severities.badge_class(severity)}">'
                f"{_text(label)}: {int(count)}</span>"
                for severity, label, count in self.badges
            )
        elif self.screened:
            flags = "None"
        else:
            flags = '<span class="text-body-secondary">Not screened</span>'
        name = _text(self.patient_name or "Unnamed patient")
        visits = (
            f'<br><a class="small" href="{_text(self.patient_url)}">All visits'
            f'<span class="visually-hidden"> of {name}</span></a>'
            if self.patient_url
            else ""
        )
        # A check-in is triaged like an intake; the badge says which it is.
        kind = (
            ' <span class="badge text-bg-info kind-badge">Check-in</span>'
            if self.is_check_in
            else ""
        )
        return mark_safe(  # noqa: S308 - every value in it went through _text above
            f"<tr><td>{appointment}</td>"
            f'<th scope="row"><a href="{_text(self.url)}">{name}</a>{kind}{visits}</th>'
            f'<td><span class="badge {status_badge_class(self.status)}">'
            f"{_text(self.status_label)}</span></td>"
            f"<td>{_text(self.submitted) if self.submitted else '—'}</td>"
            f"<td>{flags}</td>"
            f"<td>{'—' if self.peg_score is None else _text(self.peg_score)}</td>"
            f"<td>{_text(self.practitioner or '—')}</td></tr>"
        )

    @classmethod
    def of(
        cls, intake: dict, *, now, detail_url: tuple[str, str], patient_url: tuple[str, str]
    ) -> DashboardRow:
        """The row of one intake as read by the dashboard (a dict of the selector's
        DASHBOARD_COLUMNS); the two URLs are a page's address either side of the id."""
        counts = intake["flag_counts"] or {}
        when = intake["appointment_at"]
        if when is not None:
            local = timezone.localtime(when)
            appointment = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
        else:
            appointment = ""
        status = intake["status"]
        submitted = ""
        if intake["submitted_at"] is not None:
            sent = timezone.localtime(intake["submitted_at"])
            submitted = f"{sent.day} {sent:%b %Y}"
        return cls(
            url=f"{detail_url[0]}{intake['pk']}{detail_url[1]}",
            patient_url=(
                f"{patient_url[0]}{intake['patient_id']}{patient_url[1]}"
                if intake["patient_id"]
                else ""
            ),
            patient_name=intake["patient_name"],
            is_check_in=intake["kind"] == Intake.Kind.CHECK_IN,
            appointment=appointment,
            is_past=when is not None and when < now,
            status=status,
            status_label=STATUS_LABELS.get(status, status),
            submitted=submitted,
            badges=[
                (severity, severities.LABELS[severity], counts[severity])
                for severity in severities.HIGHEST_FIRST
                if counts.get(severity)
            ],
            screened=status in (Intake.Status.SUBMITTED, Intake.Status.REVIEWED),
            peg_score=intake["peg_score"],
            # As User.__str__ says it: the name, or the email when there is none.
            practitioner=intake["practitioner__full_name"] or intake["practitioner__email"] or "",
        )


def _url_filters(form: DashboardFilterForm) -> dict[str, str]:
    """The filters that may appear in the address bar (never the name search)."""
    params = {}
    for name in form.url_fields:
        value = form.cleaned_data.get(name)
        if value:
            params[name] = "1" if value is True else value
    return params


@practitioner_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DashboardFilterForm(request.POST)
        if "reset" in request.POST:
            request.session.pop(SEARCH_SESSION_KEY, None)
            return redirect("intake:dashboard")
        if "clear_search" in request.POST:
            # The chip's button: the name search goes, the other filters (in the address)
            # stay as they were.
            request.session.pop(SEARCH_SESSION_KEY, None)
            kept = {name: request.GET[name] for name in form.url_fields if request.GET.get(name)}
            target = reverse("intake:dashboard")
            return redirect(f"{target}?{urlencode(kept)}" if kept else target)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"]
            target = reverse("intake:dashboard")
            params = _url_filters(form)
            return redirect(f"{target}?{urlencode(params)}" if params else target)
    else:
        # The address bar holds the filters; the name search comes from the session.
        data = {name: request.GET.get(name, "") for name in DashboardFilterForm.url_fields}
        data["q"] = request.session.get(SEARCH_SESSION_KEY, "")
        form = DashboardFilterForm(data)

    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    page = selectors.dashboard_page(
        filters=filters,
        user=request.user,
        number=_page_number(request.GET.get("page")),
        size=PAGE_SIZE,
        now=now,
    )
    # The intake page's address around the id, reversed once for the whole page.
    detail_url = tuple(reverse("intake:intake_detail", args=[URL_ID_MARK]).split(str(URL_ID_MARK)))
    patient_url = tuple(
        reverse("intake:patient_detail", args=[URL_ID_MARK]).split(str(URL_ID_MARK))
    )
    rows = [
        DashboardRow.of(intake, now=now, detail_url=detail_url, patient_url=patient_url)
        for intake in page.rows
    ]
    return render(
        request,
        "intake/practice/dashboard.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "searching": bool(filters.get("q")),
        },
    )


# One intake ---------------------------------------------------------------------------


def _decorate(flags: list[Flag]) -> list[Flag]:
    """Add what templates show besides the stored flag: the severity in words, why the rule
    exists (as stored with the flag; the current ruleset's words only for flags stored
    before that was recorded) and the link to the guide (only ever a path on this site)."""
    for flag in flags:
        flag.severity_label = severities.label(flag.severity)
        flag.affects_labels = [
            f"{MODALITY_LABELS[code]} ({code})" if code in MODALITY_LABELS else code
            for code in flag.affects or []
        ]
        if flag.rationale is None:
            flag.why, flag.why_sources = rule_rationale(flag.rule), list(rule_sources(flag.rule))
        else:
            flag.why, flag.why_sources = flag.rationale, flag.sources or []
        url = flag.guide_url or ""
        # Django's check, as for `next` (portal.views.safe_next): it knows that browsers
        # read "/\\host" as "//host", another site.
        on_site = url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
        flag.guide_link = section_link(url) if on_site else ""
    return flags


def _group_flags(flags: list[Flag]) -> list[dict]:
    """Flags by severity, highest first; only severities that have flags."""
    _decorate(flags)
    groups = []
    for severity in severities.HIGHEST_FIRST:
        in_group = [flag for flag in flags if flag.severity == severity]
        if in_group:
            groups.append(
                {"severity": severity, "label": severities.LABELS[severity], "flags": in_group}
            )
    return groups


def _pain_summary(intake: Intake) -> dict:
    """Pain regions and PEG items in the words of the JSON contract."""
    pain = check_ins.pain_of(intake)
    regions = [PAIN_REGIONS.get(key, key) for key in pain.get("regions") or []]
    return {
        "regions": regions,
        "duration_months": pain.get("duration_months"),
        "peg": pain.get("peg") or {},
    }


def _intake_context(intake: Intake) -> dict:
    """The intake page's context, which its print view and PDF share. Its queries do not
    grow with the flags, runs or reviews (tests/perf/test_query_counts.py): the runs come
    with their flags in one query, the reviews with the flags they acknowledged in another.
    The flags, the answers, a check-in's changes and the latest review are drawn here
    (intake.practice_html)."""
    runs = selectors.screening_runs(intake=intake)
    current = next((run for run in runs if run.is_current), None)
    earlier = [run for run in runs if not run.is_current]
    for run in earlier:
        run.flag_groups = _group_flags(list(run.flags))
        run.flags_html = practice_html.flag_groups(run.flag_groups, current=False)
    flag_groups = _group_flags(list(current.flags)) if current else []
    reviews = selectors.reviews(intake=intake, runs=runs)
    has_answers = intake.status != Intake.Status.INVITED
    sections = answer_sections(intake) if has_answers else []
    what_changed = selectors.check_in_changes(
        intake=intake, flags_after=current.flags if current else []
    )
    # A check-in's reactions are shown once it is sent (and not withdrawn).
    shows_reactions = intake.is_check_in and intake.is_locked and not intake.is_withdrawn
    return {
        "intake": intake,
        "current_run": current,
        "flag_groups": flag_groups,
        "flags_html": practice_html.flag_groups(flag_groups, current=True),
        "earlier_runs": earlier,
        "ruleset_version": RULESET_VERSION,
        "ruleset_outdated": intake.status in REVIEWABLE
        and (current is None or current.ruleset != RULESET_VERSION),
        "sections": sections,
        "sections_html": practice_html.answer_sections(sections),
        "pain": _pain_summary(intake) if has_answers else None,
        "latest_review": reviews[0] if reviews else None,
        "latest_review_html": practice_html.review(reviews[0]) if reviews else "",
        "reviews": reviews,
        "can_review": intake.status in REVIEWABLE and current is not None,
        "invitation": None if has_answers else selectors.intake_invitation(intake=intake),
        "fhir_push": selectors.fhir_push_latest(intake=intake),
        "fhir_push_configured": fhir_push.configured(),
        "what_changed": what_changed,
        "what_changed_html": practice_html.what_changed(what_changed) if what_changed else "",
        "adverse_events": selectors.adverse_events(intake=intake) if shows_reactions else [],
    }


@practitioner_required
@require_GET
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.practice_intake_page(pk=pk)
    audit.record(request, AuditEvent.Action.VIEW, intake)
    return render(request, "intake/practice/detail.html", _intake_context(intake))


@practitioner_required
@require_GET
def intake_print(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.practice_intake_page(pk=pk)
    audit.record(request, AuditEvent.Action.VIEW, intake)
    return render(request, "intake/practice/print.html", print_context(intake))


def print_context(intake: Intake) -> dict:
    """The print view's context, which the PDF is made from too: the intake page's, the
    time of printing, and the patient's pain trend across all their visits to date."""
    context = _intake_context(intake) | {"printed_at": timezone.now()}
    if intake.patient_id:
        context |= trends.page_context(selectors.patient_trend(patient=intake.patient))
    return context


def _day(when) -> str:
    """A date as the templates' "j M Y" writes it, in clinic time."""
    local = timezone.localtime(when)
    return f"{local.day} {local:%b %Y}"


def _person(row: dict, prefix: str) -> str:
    """A user's name as str(User) gives it (the name, else the email), from values."""
    return row[f"{prefix}__full_name"] or row[f"{prefix}__email"] or ""


def _patient_rows(
    *,
    visits: list[dict],
    appointments: list[dict],
    reviews: list[dict],
    flags: list[dict],
    adverse_events: list[dict],
) -> dict:
    """The patient page's table rows, written here as the dashboard's are: a course of ten
    check-ins brings some fifty flags and a dozen each of visits, appointments and reviews,
    and drawn in the template language they were most of the page's rendering time. Every
    value goes through _text, so it is escaped; the badges are their templates' own
    (intake.templatetags.practice)."""
    # Imported here, as in the selector: appointments builds on intake, not the reverse.
    from appointments.models import Appointment

    detail = reverse("intake:intake_detail", args=[URL_ID_MARK]).split(str(URL_ID_MARK))
    before, after = _text(detail[0]), _text(detail[1])
    kind_labels = dict(Intake.Kind.choices)
    kind_of = {visit["pk"]: visit["kind"] for visit in visits}

    def link(pk: int) -> str:
        kind = kind_of.get(pk, "")
        return (
            f'<a href="{before}{int(pk)}{after}">{_text(kind_labels.get(kind, kind))} {int(pk)}</a>'
        )

    visit_rows = []
    for visit in visits:
        if visit["highest_severity"]:
            highest = _text(visit["highest_severity"].capitalize())
        else:
            highest = "None" if visit["submitted_at"] else "—"
        submitted = _day(visit["submitted_at"]) if visit["submitted_at"] else "—"
        peg = "—" if visit["peg_score"] is None else _text(visit["peg_score"])
        visit_rows.append(
            f'<tr><th scope="row">{link(visit["pk"])}</th>'
            f'<td class="text-nowrap">{_day(visit["created_at"])}</td>'
            f"<td>{status_badge(visit['status'])}</td>"
            f'<td class="text-nowrap">{submitted}</td>'
            f"<td>{peg}</td>"
            f"<td>{highest}</td></tr>"
        )
    appointment_kinds = dict(Appointment.Kind.choices)
    appointment_statuses = dict(Appointment.Status.choices)
    appointment_rows = []
    for appointment in appointments:
        local = timezone.localtime(appointment["starts_at"])
        kind, status = appointment["kind"], appointment["status"]
        appointment_rows.append(
            f'<tr><th scope="row" class="text-nowrap">{local:%a} {local.day} '
            f"{local:%b %Y, %H:%M}</th>"
            f"<td>{_text(appointment_kinds.get(kind, kind))}</td>"
            f"<td>{_text(appointment_statuses.get(status, status))}</td>"
            f"<td>{_text(_person(appointment, 'practitioner'))}</td></tr>"
        )
    decisions = dict(Review.Decision.choices)
    review_rows = []
    for review in reviews:
        local = timezone.localtime(review["signed_at"])
        review_rows.append(
            f'<tr><th scope="row" class="text-nowrap">{local.day} {local:%b %Y, %H:%M}</th>'
            f"<td>{link(review['intake_id'])} (version {int(review['version'])})</td>"
            f"<td>{_text(decisions.get(review['decision'], review['decision']))}</td>"
            f"<td>{_text(_person(review, 'reviewer'))}</td></tr>"
        )
    flag_rows = [
        f'<tr><td class="text-nowrap">{_day(flag["run__created_at"])}</td>'
        f"<td>{link(flag['run__intake_id'])}</td>"
        f"<td>{severity_badge(flag['severity'])}</td>"
        f'<th scope="row">{_text(flag["title"])}</th></tr>'
        for flag in flags
    ]
    event_rows = []
    for event in adverse_events:
        what = _text(REACTIONS.get(event["kind"], event["kind"]))
        if event["timing"]:
            what += f", {_text(REACTION_TIMING.get(event['timing'], event['timing']).lower())}"
        if event["detail"]:
            what += (
                '<span class="d-block small fw-normal">In the patient\'s words: '
                f"“{_text(event['detail'])}”</span>"
            )
        if event["visit__starts_at"]:
            after_visit = (
                f"{_day(event['visit__starts_at'])} with {_text(_person(event, 'practitioner'))}"
            )
        else:
            after_visit = "Not recorded as attended"
        event_rows.append(
            f'<tr><td class="text-nowrap">{_day(event["reported_at"])}</td>'
            f"<td>{link(event['reported_in_id'])}</td>"
            f'<th scope="row">{what}</th>'
            f"<td>{after_visit}</td></tr>"
        )
    return {
        name: mark_safe("".join(rows))  # noqa: S308 - every value in it went through _text
        for name, rows in (
            ("visit_rows", visit_rows),
            ("appointment_rows", appointment_rows),
            ("review_rows", review_rows),
            ("flag_rows", flag_rows),
            ("adverse_event_rows", event_rows),
        )
    }


@practitioner_required
@require_GET
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One patient over time: the pain trend, their intake and check-ins, appointments,
    reviews, flags and reactions after treatment. Any patient's, as every intake is (a
    group practice); an id that is not a patient's is a 404."""
    patient = selectors.practice_patient(pk=pk)
    audit.record(request, AuditEvent.Action.VIEW, patient)
    visits = selectors.patient_visits(patient=patient)
    visit_ids = [row["pk"] for row in visits.rows]
    parts = {
        "visits": visits.rows,
        "appointments": selectors.patient_appointments(patient_id=patient.pk, visit_ids=visit_ids),
        "reviews": selectors.patient_reviews(visit_ids=visit_ids),
        "flags": selectors.patient_flags(visit_ids=visit_ids),
        "adverse_events": selectors.patient_adverse_events(patient_id=patient.pk),
    }
    context = (
        {"patient": patient} | parts | _patient_rows(**parts) | trends.page_context(visits.trend)
    )
    return render(request, "intake/practice/patient.html", context)


@practitioner_required
@require_GET
def intake_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The intake in the screening JSON contract, as a download."""
    intake = selectors.practice_intake(pk=pk)
    audit.record(request, AuditEvent.Action.EXPORT, intake)
    body = json.dumps(screening_input(intake), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    # The file name carries the record number only, never the patient's name.
    response["Content-Disposition"] = f'attachment; filename="intake-{intake.pk}.json"'
    response["Cache-Control"] = "no-store, private"
    return response


@practitioner_required
@require_http_methods(["GET"])
def intake_screening_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The current screening run (flags and what was considered, not raised) as a download,
    in the shape `manage.py screen` prints; a 404 when the intake has not been screened."""
    intake = selectors.practice_intake(pk=pk)
    run = get_object_or_404(ScreeningRun, intake=intake, is_current=True)
    audit.record(request, AuditEvent.Action.EXPORT, intake)
    body = json.dumps(screening_result(run), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="intake-{intake.pk}-screening.json"'
    response["Cache-Control"] = "no-store, private"
    return response


@practitioner_required
@require_http_methods(["GET"])
def intake_review_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every signed review of the intake, overrides and their reasons included, as a
    download: the decision record beside the answers' export."""
    intake = selectors.practice_intake(pk=pk)
    audit.record(request, AuditEvent.Action.EXPORT, intake)
    body = json.dumps(selectors.review_document(intake=intake), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="intake-{intake.pk}-reviews.json"'
    response["Cache-Control"] = "no-store, private"
    return response


@practitioner_required
@require_POST
def rescreen(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.practice_intake(pk=pk)
    if intake.status not in REVIEWABLE:
        messages.error(request, "Only submitted intakes can be screened.")
        return redirect("intake:intake_detail", pk=intake.pk)
    run = services.screening_run(intake=intake, requested_by=request.user, unless_current=True)
    audit.record(request, AuditEvent.Action.UPDATE, intake)
    count = run.flags.count()
    messages.success(
        request,
        f"Screening re-run with ruleset {run.ruleset}: {count} flag{'' if count == 1 else 's'}. "
        "Earlier runs are kept below.",
    )
    return redirect("intake:intake_detail", pk=intake.pk)


# Review -------------------------------------------------------------------------------


@practitioner_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.practice_intake(pk=pk)
    if intake.is_withdrawn:
        messages.error(
            request, "This check-in was withdrawn when its visit was cancelled: nothing to review."
        )
        return redirect("intake:intake_detail", pk=intake.pk)
    if intake.status not in REVIEWABLE:
        messages.error(request, "This intake has not been submitted yet, so it cannot be reviewed.")
        return redirect("intake:intake_detail", pk=intake.pk)
    run = intake.current_run()
    if run is None:
        messages.error(request, "This intake has no screening yet. Run the screening first.")
        return redirect("intake:intake_detail", pk=intake.pk)
    flags = _decorate(list(run.flags.order_by("position")))
    # Highest severity first, as on the intake page.
    flags.sort(key=lambda flag: severities.HIGHEST_FIRST.index(flag.severity))

    conflict = None
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST, flags=flags, user=request.user)
        if form.is_valid() and form.cleaned_data["run"] != run.pk:
            # The screening was run again after the form was opened: the flags being
            # acknowledged are no longer the current ones.
            form.add_error(
                None,
                "The screening was run again after you opened this form. Check the current "
                "flags below and acknowledge them again.",
            )
            form = _rebound(form, run=run.pk)
        if form.is_valid():
            data = form.cleaned_data
            saved = services.review_record(
                intake=intake,
                run=run,
                expected_version=data["version"],
                decision=data["decision"],
                modifications=form.modification_list(),
                overrides=form.overrides(),
                note=data["note"],
                acknowledged=form.acknowledged_flags(),
                reviewer=request.user,
                signed_name=data["signed_name"],
                request=request,
            )
            if saved is not None:
                messages.success(request, "Your review has been signed and saved.")
                return redirect("intake:intake_detail", pk=intake.pk)
            intake.refresh_from_db(fields=["review_version", "status"])
            conflict = intake.latest_review()
            # Keep everything typed; the form now carries the current version, so sending
            # it again (after reading the other review) records a new version on top.
            form = _rebound(form, version=intake.review_version)
            status = 409
    else:
        form = ReviewForm(
            initial={"version": intake.review_version, "run": run.pk},
            flags=flags,
            user=request.user,
        )
    # The page shows the patient's name and flags: every showing is a look at the record
    # (docs/security.md S14), whether the form is new or sent back with errors.
    audit.record(request, AuditEvent.Action.VIEW, intake)
    context = {
        "intake": intake,
        "form": form,
        "flags": flags,
        "run": run,
        "conflict": conflict,
        "latest_review": conflict or intake.latest_review(),
        "severity_labels": severities.LABELS,
    }
    return render(request, "intake/practice/review.html", context, status=status)


def _rebound(form: ReviewForm, **changes) -> ReviewForm:
    """The same form with a few hidden values replaced, keeping what was typed and any
    errors already added."""
    data = form.data.copy()
    for name, value in changes.items():
        data[name] = str(value)
    errors = form.non_field_errors()
    rebound = ReviewForm(data, flags=form.flags, user=form.user)
    if errors:
        rebound.is_valid()
        for error in errors:
            rebound.add_error(None, error)
    return rebound


# Invitations --------------------------------------------------------------------------


@practitioner_required
@require_http_methods(["GET", "POST"])
def new_invitation(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = InvitationForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _, intake, _ = services.invitation_create(
                    patient_name=data["patient_name"],
                    email=data["email"],
                    appointment_at=data["appointment_at"],
                    practitioner=data["practitioner"],
                    created_by=request.user,
                    form_token=data["form_token"],
                )
            except IntegrityError:
                if not Invitation.objects.filter(form_token=data["form_token"]).exists():
                    raise
                # This form was sent already (a double click, or Back and Send again).
                messages.info(request, "That invitation was sent already; it was not sent twice.")
                return redirect("intake:dashboard")
            audit.record(request, AuditEvent.Action.CREATE, intake)
            messages.success(request, f"Invitation sent to {intake.invitation.email}.")
            return redirect("intake:dashboard")
    else:
        form = InvitationForm(user=request.user)
    return render(request, "intake/practice/new_invitation.html", {"form": form})


@practitioner_required
@require_GET
def adverse_events(request: HttpRequest) -> HttpResponse:
    """Reactions after treatment, counted per practitioner and kind: the clinic's own safety
    review. Counts only; each event is on the page of the check-in that reported it."""
    kinds, rows = selectors.adverse_event_counts()
    audit.record(request, AuditEvent.Action.VIEW, AdverseEvent())
    return render(request, "intake/practice/adverse_events.html", {"kinds": kinds, "rows": rows})


@practitioner_required
@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    """The sources the screening rules rest on, each under its code, where the codes shown
    with a flag lead (docs/clinical-reference.md#sources is where they are written)."""
    return render(request, "intake/practice/sources.html", {"sources": screening_sources()})
