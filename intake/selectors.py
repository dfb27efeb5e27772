"""The reads that build pages: each function fetches what one page (or one part of it)
shows, with the queries shaped for it. Views call these and never query models themselves;
the writes are in intake.services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from intake import changes, check_ins, steps, trends
from intake.models import (
    AdverseEvent,
    ConsentSignature,
    ConsentText,
    FhirPush,
    Flag,
    Intake,
    Invitation,
    Review,
    ScreeningRun,
)
from intake.screening.vocabulary import REACTION_TIMING, REACTIONS
from intake.services.intakes import DRAFTS
from portal import roles
from portal.models import User
from portal.prepared import columns, instance_from, prepared_values

# What a dashboard row shows, and no more: the answers alone can be kilobytes an intake.
# Read as plain values, not model instances: building 50 instances (intakes and their
# practitioners) for one page cost more than drawing the rows.
DASHBOARD_COLUMNS = (
    "pk",
    "patient_id",
    "kind",
    "status",
    "appointment_at",
    "submitted_at",
    "patient_name",
    "flag_counts",
    "peg_score",
    "practitioner__full_name",
    "practitioner__email",
)


# The patient's own intakes ---------------------------------------------------------------


@prepared_values
def _own_intake_row(*, pk: int, patient_id: int) -> QuerySet:
    return Intake.objects.filter(pk=pk, patient_id=patient_id).values(*columns(Intake))


def patient_intake(*, user: User, pk: int) -> Intake | None:
    """The intake `pk` if it is this patient's, else None (the view answers 404). Read on
    every wizard page: compiling the query was most of its cost."""
    found = _own_intake_row(pk=pk, patient_id=user.pk)
    return instance_from(Intake, found[0]) if found else None


# Unfinished: what the patient can still fill in.
UNFINISHED = (Intake.Status.INVITED, Intake.Status.IN_PROGRESS)


def patient_entry(*, user: User, now: datetime) -> Intake | None:
    """Where "My intake" (and every emailed link to it) leads: the patient's unfinished
    intake or check-in that is due first, else the last one they sent. Unfinished ones go
    by their appointment: the soonest still ahead, then any without an appointment (newest
    first), then those whose appointment has passed (latest first). A withdrawn check-in
    (its visit was cancelled) is never offered. One query.

    Newest-made was not enough: a first-visit intake booked after a check-in (a returning
    patient's new course) hid a check-in due sooner, and the other way round."""
    unfinished = Q(status__in=UNFINISHED)
    group = Case(
        When(unfinished & Q(appointment_at__gte=now), then=Value(0)),
        When(unfinished & Q(appointment_at__isnull=True), then=Value(1)),
        When(unfinished, then=Value(2)),
        default=Value(3),
    )
    # Soonest first among those ahead; latest first among the rest (a negated epoch would
    # need a database function, so the two orders are two keys, each null outside its group).
    ahead = Case(When(unfinished & Q(appointment_at__gte=now), then=F("appointment_at")))
    passed = Case(When(unfinished & Q(appointment_at__lt=now), then=F("appointment_at")))
    return (
        Intake.objects.filter(patient=user)
        .exclude(status=Intake.Status.WITHDRAWN)
        .annotate(entry_group=group, entry_ahead=ahead, entry_passed=passed)
        .order_by(
            "entry_group",
            F("entry_ahead").asc(nulls_last=True),
            F("entry_passed").desc(nulls_last=True),
            F("submitted_at").desc(nulls_last=True),
            "-created_at",
            "-pk",
        )
        .first()
    )


def draft_for(*, intake: Intake, step: steps.Step) -> QueryDict | None:
    """What was typed on a step that did not validate, as the form data to show again."""
    draft = (intake.answers or {}).get(DRAFTS, {}).get(step.identifier)
    if not draft:
        return None
    data = QueryDict(mutable=True)
    for key, values in draft.items():
        data.setlist(key, values)
    return data


def drafted_steps(*, intake: Intake) -> list[steps.Step]:
    """The steps with a draft waiting, for the review page's warning."""
    drafts = (intake.answers or {}).get(DRAFTS, {})
    return [steps.get(intake, key) for key in drafts if steps.get(intake, key)]


# The practice ----------------------------------------------------------------------------


def practitioners() -> QuerySet[User]:
    """Who an invitation can be for: active practitioners, by name."""
    return (
        User.objects.filter(groups__name=roles.PRACTITIONER, is_staff=True, is_active=True)
        .order_by("full_name", "email")
        .distinct()
    )


def practice_intake(*, pk: int) -> Intake:
    """One intake for a practitioner's page, with what every such page shows (the consent
    signature for the answers' consent section too); 404 if none."""
    return get_object_or_404(
        Intake.objects.select_related(
            "practitioner", "invitation", "invitation__created_by", "consent__consent_text"
        ),
        pk=pk,
    )


# What the intake page shows of the practitioner and of the consent signature, read with
# the intake in one query.
PAGE_PRACTITIONER = ("id", "full_name", "email")
PAGE_CONSENT = ("id", "consent_text_id", "typed_name", "signed_at")


@prepared_values
def _intake_page_row(*, pk: int) -> QuerySet:
    return (
        Intake.objects.filter(pk=pk)
        .annotate(has_fhir_push=Exists(FhirPush.objects.filter(intake=OuterRef("pk"))))
        .values(
            *columns(Intake),
            "has_fhir_push",
            *(f"practitioner__{name}" for name in PAGE_PRACTITIONER),
            *(f"consent__{name}" for name in PAGE_CONSENT),
            "consent__consent_text__version",
        )
    )


def practice_intake_page(*, pk: int) -> Intake:
    """One intake for the practitioner's intake page, with its practitioner (name and email)
    and its consent signature (with the wording's version) in place, as `select_related`
    would put them; 404 if none. Not the invitation, which the page shows only while the
    patient has not started (then `intake_invitation` reads it). `has_fhir_push`: whether
    `fhir_push_latest` has anything to read (most intakes were never pushed, and an EXISTS
    costs less than a query). One compiled read: building and compiling this query, with
    its joins, cost a fifth of the page (bench/README.md, 2026-12-06)."""
    found = _intake_page_row(pk=pk)
    if not found:
        raise Http404
    row = found[0]
    intake = instance_from(Intake, row)
    intake.has_fhir_push = row["has_fhir_push"]
    practitioner = None
    if row["practitioner__id"] is not None:
        practitioner = instance_from(
            User, {name: row[f"practitioner__{name}"] for name in PAGE_PRACTITIONER}
        )
    Intake.practitioner.field.set_cached_value(intake, practitioner)
    signature = None
    if row["consent__id"] is not None:
        signature = instance_from(
            ConsentSignature,
            {name: row[f"consent__{name}"] for name in PAGE_CONSENT} | {"intake_id": intake.pk},
        )
        wording = instance_from(
            ConsentText,
            {
                "id": row["consent__consent_text_id"],
                "version": row["consent__consent_text__version"],
            },
        )
        ConsentSignature.consent_text.field.set_cached_value(signature, wording)
        ConsentSignature.intake.field.set_cached_value(signature, intake)
    Intake.consent.related.set_cached_value(intake, signature)
    return intake


def intake_invitation(*, intake: Intake) -> Invitation | None:
    """The invitation of an intake the patient has not started yet, with who sent it."""
    if intake.invitation_id is None:
        return None
    if Intake.invitation.is_cached(intake):  # read with the intake (practice_intake)
        return intake.invitation
    return Invitation.objects.select_related("created_by").filter(pk=intake.invitation_id).first()


@dataclass
class ShownFlag:
    """A flag as the intake page shows it: the stored flag's values (read as values, not
    model instances), to which the page adds its words (practitioner_views._decorate)."""

    pk: int
    run_id: int
    position: int
    rule: str
    category: str
    severity: str
    title: str
    action: str
    because: list
    affects: list
    guide_url: str
    rationale: str | None
    sources: list | None


@dataclass
class ShownRun:
    """A screening run as the intake page shows it, with its flags in the engine's order."""

    pk: int
    ruleset: str
    created_at: datetime
    is_current: bool
    considered: list
    requested_by: str  # as User.__str__ says it; "" when the run came on submission
    flags: list[ShownFlag]

    @property
    def flag_total(self) -> int:
        return len(self.flags)


RUN_FIELDS = ("pk", "ruleset", "created_at", "is_current", "considered")
FLAG_FIELDS = (
    "position",
    "rule",
    "category",
    "severity",
    "title",
    "action",
    "because",
    "affects",
    "guide_url",
    "rationale",
    "sources",
)


@prepared_values
def _run_rows(*, intake_id: int) -> QuerySet:
    return (
        ScreeningRun.objects.filter(intake_id=intake_id)
        .values(
            *RUN_FIELDS,
            "requested_by__full_name",
            "requested_by__email",
            "flags__id",
            *(f"flags__{name}" for name in FLAG_FIELDS),
        )
        .order_by("-created_at", "-pk", "flags__position", "flags__id")
    )


def screening_runs(*, intake: Intake) -> list[ShownRun]:
    """Every run of the intake, newest first, each with its flags in order. One query: the
    runs joined (LEFT OUTER) with their flags, a row per flag and one for a run without
    any, read as values. Runs and their flags in two queries of model instances were a
    sixth of the page's time."""
    runs: dict[int, ShownRun] = {}
    for row in _run_rows(intake_id=intake.pk):
        run = runs.get(row["pk"])
        if run is None:
            run = runs[row["pk"]] = ShownRun(
                **{name: row[name] for name in RUN_FIELDS},
                # As User.__str__ says it: the name, or the email when there is none.
                requested_by=row["requested_by__full_name"] or row["requested_by__email"] or "",
                flags=[],
            )
        if row["flags__id"] is not None:
            run.flags.append(
                ShownFlag(
                    pk=row["flags__id"],
                    run_id=run.pk,
                    **{name: row[f"flags__{name}"] for name in FLAG_FIELDS},
                )
            )
    return list(runs.values())


def fhir_push_latest(*, intake: Intake) -> FhirPush | None:
    """The intake's most recent push to the clinic's FHIR server, if any (none to read when
    the intake was read with `has_fhir_push` false)."""
    if getattr(intake, "has_fhir_push", True) is False:
        return None
    return intake.fhir_pushes.order_by("-created_at", "-pk").first()


@dataclass
class ShownReview:
    """A signed review as the intake page shows it, with the flags it acknowledged."""

    pk: int
    run_id: int
    version: int
    decision: str
    modifications: list
    overrides: list
    note: str
    signed_name: str
    signed_at: datetime
    reviewer: str  # as User.__str__ says it
    reviewer_email: str
    ruleset: str
    acknowledged_flags: list[ShownFlag]

    @property
    def decision_label(self) -> str:
        return Review.Decision(self.decision).label if self.decision in DECISIONS else self.decision


DECISIONS = set(Review.Decision.values)
REVIEW_FIELDS = (
    "pk",
    "version",
    "decision",
    "modifications",
    "overrides",
    "note",
    "signed_name",
    "signed_at",
)


@prepared_values
def _review_rows(*, intake_id: int) -> QuerySet:
    return (
        Review.objects.filter(intake_id=intake_id)
        .values(
            *REVIEW_FIELDS,
            "run",
            "run__ruleset",
            "reviewer__full_name",
            "reviewer__email",
            "acknowledged_flags",
        )
        .order_by("-version")
    )


def reviews(*, intake: Intake, runs: list[ShownRun]) -> list[ShownReview]:
    """Every review of the intake, the one in force first, each with the flags it
    acknowledged (in their run's order). One query: the reviews joined with their
    reviewers, their runs' rulesets and (LEFT OUTER) the ids of the flags they acknowledged,
    a row per flag. The flags themselves are the intake's, already read with `runs`."""
    rows = _review_rows(intake_id=intake.pk)
    flags = {flag.pk: flag for run in runs for flag in run.flags}
    found: dict[int, ShownReview] = {}
    acknowledged: dict[int, list[int]] = {}
    for row in rows:
        review = found.get(row["pk"])
        if review is None:
            review = found[row["pk"]] = ShownReview(
                **{name: row[name] for name in REVIEW_FIELDS},
                run_id=row["run"],
                reviewer=row["reviewer__full_name"] or row["reviewer__email"],
                reviewer_email=row["reviewer__email"],
                ruleset=row["run__ruleset"],
                acknowledged_flags=[],
            )
            acknowledged[review.pk] = []
        if row["acknowledged_flags"] is not None:
            acknowledged[review.pk].append(row["acknowledged_flags"])
    missing = {pk for ids in acknowledged.values() for pk in ids if pk not in flags}
    # Never expected (a review is of one of the intake's own runs), but a flag left off
    # the record of what was acknowledged would misstate it: read rather than dropped.
    for flag in Flag.objects.filter(pk__in=missing) if missing else ():
        flags[flag.pk] = ShownFlag(
            pk=flag.pk, run_id=flag.run_id, **{name: getattr(flag, name) for name in FLAG_FIELDS}
        )
    order = {run.pk: index for index, run in enumerate(runs)}
    for review in found.values():
        shown = [flags[pk] for pk in acknowledged[review.pk]]
        shown.sort(key=lambda flag: (order.get(flag.run_id, len(order)), flag.position, flag.pk))
        review.acknowledged_flags = shown
    return list(found.values())


def dashboard_intakes(*, filters: dict, user: User) -> QuerySet:
    """The intakes the dashboard's filters let through, as DASHBOARD_COLUMNS values."""
    intakes = Intake.objects.values(*DASHBOARD_COLUMNS)
    if filters.get("q"):
        intakes = intakes.filter(patient_name__icontains=filters["q"])
    if filters.get("status"):
        intakes = intakes.filter(status=filters["status"])
    else:
        # A withdrawn check-in (its follow-up visit was cancelled) asks nothing of anyone,
        # and its cancelled visit's date would list it among the upcoming ones: it is
        # shown when its status is asked for.
        intakes = intakes.exclude(status=Intake.Status.WITHDRAWN)
    if filters.get("severity") == "none":
        intakes = intakes.filter(highest_severity="")
    elif filters.get("severity"):
        intakes = intakes.filter(highest_severity=filters["severity"])
    if filters.get("mine"):
        intakes = intakes.filter(practitioner=user)
    return intakes


# Unreviewed intakes with these highest flags come first, in this order, whatever their
# appointment date: a refer flag means medical assessment before any treatment.
TRIAGE_SEVERITIES = ("refer", "contraindicated")


@dataclass(frozen=True)
class AppointmentPage:
    """One page of the dashboard's intakes in triage, then appointment order: submitted
    (unreviewed) intakes whose highest flag is refer, then contraindicated, each group
    longest-waiting first; then upcoming appointments (soonest first), past ones (most
    recent first) and intakes with no appointment (newest first).

    One ORDER BY over "is it upcoming?" would depend on the time of the request, which no
    index can serve: every page would sort every matching row. Each group instead has a
    plain ordering that an index serves (the triage groups a partial index of their own),
    and a page reads straight from the indexes, group after group. Nothing is counted: a
    COUNT over a practice's years of intakes cost far more than the page itself (20-60 ms
    at 100,000 intakes), so the pages go by Previous and Next, and one row more than a page
    tells whether there is a next.
    """

    number: int
    rows: list
    has_next: bool

    @classmethod
    def read(cls, intakes: QuerySet, *, number: int, size: int, now: datetime) -> AppointmentPage:
        unreviewed = intakes.filter(status=Intake.Status.SUBMITTED)
        triage = tuple(
            unreviewed.filter(highest_severity=severity).order_by("submitted_at", "pk")
            for severity in TRIAGE_SEVERITIES
        )
        rest = intakes.exclude(
            status=Intake.Status.SUBMITTED, highest_severity__in=TRIAGE_SEVERITIES
        )
        groups = (
            *triage,
            rest.filter(appointment_at__gte=now).order_by("appointment_at", "-created_at", "-pk"),
            rest.filter(appointment_at__lt=now).order_by("-appointment_at", "-created_at", "-pk"),
            rest.filter(appointment_at__isnull=True).order_by("-created_at", "-pk"),
        )
        offset, wanted = (number - 1) * size, size + 1
        rows: list = []
        for group in groups:
            got = list(group[offset : offset + wanted])
            if offset and not got:
                # The page starts after this group; a count bounded by the offset says by
                # how much (it reads at most `offset` index entries, as OFFSET itself would).
                offset -= group[:offset].count()
                continue
            rows.extend(got)
            wanted -= len(got)
            offset = 0
            if not wanted:
                break
        return cls(number=number, rows=rows[:size], has_next=len(rows) > size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def dashboard_page(
    *, filters: dict, user: User, number: int, size: int, now: datetime
) -> AppointmentPage:
    return AppointmentPage.read(
        dashboard_intakes(filters=filters, user=user), number=number, size=size, now=now
    )


@prepared_values
def _previous_visit_row(*, pk: int) -> QuerySet:
    return Intake.objects.filter(pk=pk).values(*columns(Intake))


@prepared_values
def _current_flag_rows(*, intake_id: int) -> QuerySet:
    return (
        Flag.objects.filter(run__intake_id=intake_id, run__is_current=True)
        .values("id", "run_id", *FLAG_FIELDS)
        .order_by("position", "pk")
    )


def check_in_changes(*, intake: Intake, flags_after: list[ShownFlag]) -> changes.WhatChanged | None:
    """What a submitted check-in changed since the intake or check-in before it (for the
    top of its page), against that visit's current flags; None for an intake or a check-in
    not yet sent. `flags_after`: the check-in's current flags, which the page has read.
    The visit before and its flags are two compiled reads: as querysets of model instances
    they were a fifth of a sent check-in's page."""
    # The picture first: an unsent check-in has none, and then the visit before is not read.
    if not intake.is_check_in or not intake.picture or intake.previous_id is None:
        return None
    found = _previous_visit_row(pk=intake.previous_id)
    if not found:
        return None
    previous = instance_from(Intake, found[0])
    flags_before = [
        ShownFlag(pk=row.pop("id"), **row) for row in _current_flag_rows(intake_id=previous.pk)
    ]
    return changes.compare(
        before=check_ins.picture_of(previous),
        after=intake.picture,
        flags_before=flags_before,
        flags_after=list(flags_after),
        since=timezone.localdate(previous.submitted_at) if previous.submitted_at else None,
    )


@dataclass(frozen=True)
class ShownAdverseEvent:
    """A reaction after treatment as a check-in's page words it."""

    kind: str  # the reaction's words (REACTIONS)
    timing: str  # when it began, in words (REACTION_TIMING), or ""
    detail: str  # the patient's own words
    visit_starts_at: datetime | None  # the visit it followed, when one is recorded
    practitioner: str  # that visit's, as User.__str__ says it


@prepared_values
def _adverse_event_rows(*, intake_id: int) -> QuerySet:
    return (
        AdverseEvent.objects.filter(reported_in_id=intake_id)
        .values(
            "kind",
            "timing",
            "detail",
            "visit__starts_at",
            "practitioner__full_name",
            "practitioner__email",
        )
        .order_by("kind", "pk")
    )


def adverse_events(*, intake: Intake) -> list[ShownAdverseEvent]:
    """The reactions a check-in reported, with the visit each followed and its practitioner."""
    return [
        ShownAdverseEvent(
            kind=REACTIONS.get(row["kind"], row["kind"]),
            timing=REACTION_TIMING.get(row["timing"], row["timing"]),
            detail=row["detail"],
            visit_starts_at=row["visit__starts_at"],
            practitioner=row["practitioner__full_name"] or row["practitioner__email"] or "",
        )
        for row in _adverse_event_rows(intake_id=intake.pk)
    ]


@dataclass(frozen=True)
class AdverseEventCount:
    practitioner: str  # a name, or "" when no attended visit was recorded before it
    by_kind: list[int]  # in the order of KINDS
    total: int


def adverse_event_counts() -> tuple[list[str], list[AdverseEventCount]]:
    """Reactions after treatment counted per practitioner of the visit they followed and
    per kind, for the clinic's own safety review: the kinds' labels and one row per
    practitioner (most first). One grouped query."""
    kinds = list(REACTIONS)
    counts: dict[int | None, dict] = {}
    names: dict[int | None, str] = {}
    grouped = (
        AdverseEvent.objects.values(
            "practitioner", "practitioner__full_name", "practitioner__email", "kind"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        key = row["practitioner"]
        names[key] = row["practitioner__full_name"] or row["practitioner__email"] or ""
        counts.setdefault(key, {})[row["kind"]] = row["n"]
    rows = [
        AdverseEventCount(
            practitioner=names[key],
            by_kind=[by_kind.get(kind, 0) for kind in kinds],
            total=sum(by_kind.values()),
        )
        for key, by_kind in counts.items()
    ]
    rows.sort(key=lambda row: (-row.total, row.practitioner == "", row.practitioner))
    return [REACTIONS[kind] for kind in kinds], rows


def review_document(*, intake: Intake) -> dict:
    """The intake's signed reviews, newest first, as the review record download gives them."""
    reviews = intake.reviews.select_related("run").order_by("-version")
    return {
        "intake": intake.pk,
        "reviews": [
            {
                "version": review.version,
                "ruleset": review.run.ruleset,
                "decision": review.decision,
                "modifications": review.modifications,
                "overrides": review.overrides,
                "note": review.note,
                "signed_name": review.signed_name,
                "signed_at": review.signed_at.isoformat(),
            }
            for review in reviews
        ],
    }


# One patient over time -------------------------------------------------------------------

# Statuses whose answers were sent: the points of the pain trend.
SENT = (Intake.Status.SUBMITTED, Intake.Status.REVIEWED)
# Where each kind keeps its PEG items in its answers (the step steps.PEG_STEP names): read
# as values of those keys alone, never the whole answers document (kilobytes each).
PEG_HOLDERS = {kind: f"answers__{key}" for kind, key in steps.PEG_STEP.items()}

# The patient page reads plain values, not model instances: compiling queries that join
# wide models and building an instance per row of a course of care cost more than all the
# rest of the page.


@prepared_values
def _patient_account(*, pk: int) -> QuerySet:
    return User.objects.filter(pk=pk, groups__name=roles.PATIENT).values("id", "full_name", "email")


def practice_patient(*, pk: int) -> User:
    """The patient account `pk` for a practitioner's page (its id, name and email only, as
    `.only()` would load it); 404 for any other id (a staff account's, or none)."""
    found = _patient_account(pk=pk)
    if not found:
        raise Http404
    return instance_from(User, found[0])


def _trend_visit(row: dict, labels: dict) -> trends.Visit:
    answers = row.get(PEG_HOLDERS.get(row["kind"], ""))
    answers = answers if isinstance(answers, dict) else {}
    return trends.Visit(
        pk=row["pk"],
        on=timezone.localtime(row["submitted_at"]).date(),
        peg=row["peg_score"],
        items={key: answers.get(key) for key, _, _ in trends.ITEMS},
        kind=row["kind"],
        kind_label=labels.get(row["kind"], row["kind"]),
    )


def _trend_of(rows: list[dict]) -> trends.Trend:
    """The PEG trend over those of `rows` (values of the patient's intakes, PEG_HOLDERS
    among them) that were sent."""
    labels = dict(Intake.Kind.choices)
    visits = [
        _trend_visit(row, labels)
        for row in rows
        if row["status"] in SENT and row["submitted_at"] is not None
    ]
    return trends.trend(visits, threshold=settings.PEG_MEANINGFUL_CHANGE_PERCENT)


def patient_trend(*, patient: User) -> trends.Trend:
    """The PEG trend over the patient's submitted intake and check-ins (intake.trends), the
    first the baseline. One query, of the PEG items' steps of the answers only."""
    rows = (
        Intake.objects.filter(patient=patient, status__in=SENT, submitted_at__isnull=False)
        .values("pk", "kind", "status", "submitted_at", "peg_score", *set(PEG_HOLDERS.values()))
        .order_by("submitted_at", "pk")
    )
    return _trend_of(list(rows))


@dataclass(frozen=True)
class PatientVisits:
    """The patient's intake and check-ins, oldest first, as the patient page's table reads
    them (values: pk, kind, status, created_at, submitted_at, peg_score, highest_severity),
    and the PEG trend over those sent: one query for both."""

    rows: list[dict]
    trend: trends.Trend


@prepared_values
def _patient_visit_rows(*, patient_id: int) -> QuerySet:
    return (
        Intake.objects.filter(patient_id=patient_id)
        .values(
            "pk",
            "kind",
            "status",
            "created_at",
            "submitted_at",
            "peg_score",
            "highest_severity",
            *set(PEG_HOLDERS.values()),
        )
        .order_by("created_at", "pk")
    )


def patient_visits(*, patient: User) -> PatientVisits:
    rows = _patient_visit_rows(patient_id=patient.pk)
    return PatientVisits(rows=rows, trend=_trend_of(rows))


@prepared_values
def patient_appointments(*, patient_id: int, visit_ids: list[int]) -> QuerySet:
    """The patient's appointments, oldest first: booked for their account, or for one of
    their intakes and check-ins `visit_ids` (a first visit booked before the patient had an
    account). The visits' ids are given, not joined: an OR over a join made PostgreSQL read
    every appointment and every intake, where an OR of two indexed columns is two index
    lookups."""
    # Imported here: appointments builds on intake, and only this page reads back.
    from appointments.models import Appointment

    return (
        Appointment.objects.filter(Q(patient_id=patient_id) | Q(intake_id__in=visit_ids))
        .values("starts_at", "kind", "status", "practitioner__full_name", "practitioner__email")
        .order_by("starts_at", "pk")
    )


@prepared_values
def patient_reviews(*, visit_ids: list[int]) -> QuerySet:
    """Every signed review of the patient's intakes and check-ins `visit_ids`, oldest first."""
    return (
        Review.objects.filter(intake_id__in=visit_ids)
        .values(
            "signed_at",
            "intake_id",
            "version",
            "decision",
            "reviewer__full_name",
            "reviewer__email",
        )
        .order_by("signed_at", "pk")
    )


@prepared_values
def patient_flags(*, visit_ids: list[int]) -> QuerySet:
    """The flags of the current screening of each of the patient's intakes and check-ins
    `visit_ids`, oldest screening first and in the engine's order within one, as the values
    the patient page's table shows (severity, title, when screened, which visit): a course
    of check-ins has dozens of flags, and their reasons and sources (JSON) are on each
    intake's own page."""
    return (
        Flag.objects.filter(run__intake_id__in=visit_ids, run__is_current=True)
        .values("severity", "title", "run__created_at", "run__intake_id")
        .order_by("run__created_at", "run__pk", "position")
    )


@prepared_values
def patient_adverse_events(*, patient_id: int) -> QuerySet:
    """The reactions after treatment the patient reported on their check-ins, oldest
    first, with the visit each followed and its practitioner."""
    return (
        AdverseEvent.objects.filter(patient_id=patient_id)
        .values(
            "reported_at",
            "reported_in_id",
            "kind",
            "timing",
            "detail",
            "visit__starts_at",
            "practitioner__full_name",
            "practitioner__email",
        )
        .order_by("reported_at", "pk")
    )
