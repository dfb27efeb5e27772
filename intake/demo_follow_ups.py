"""Seeded patients' courses of treatment, in bulk: `seed_demo --check-ins N`.

Each patient with a submitted intake (and no check-in yet) gets a share of the N check-ins,
more for those whose first visit lies further back, each before a follow-up appointment:
this week's PEG drifting from the intake's (most patients improve, some stay flat, a few
get worse), now and then a medicine started or stopped, a new condition, a reaction after
treatment or a red flag. Every check-in points at the one before it (`previous`); a
submitted one carries its picture, worked out by the portal's own rules
(`intake.check_ins.carry_forward`), and a screening run whose flags come from the real
engine over that picture. Earlier check-ins are reviewed, the last one is open (in
progress, its visit ahead), awaiting review or done. The medicine list and adverse events
are written as the services would leave them.

Speed, for a million check-ins on two cores: the rows are built as tuples and written with
COPY on PostgreSQL (bulk_create elsewhere), with primary keys given here so rows can point
at each other before they exist; and the engine runs only when the picture changed in
something other than the PEG, which it reads only to check it (otherwise the check-in
keeps the flags of the one before, which the engine would raise again).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from appointments.models import Appointment
from intake.check_ins import carry_forward, picture_of
from intake.fhir import questionnaire_version
from intake.models import AdverseEvent, Flag, Intake, MedicationRecord, Review, ScreeningRun
from intake.screening import measures, rule_rationale, rule_sources, screen
from intake.screening.engine import CONTRACT_KEYS
from intake.screening.severities import flag_summary, needs_acknowledgement
from intake.screening.vocabulary import (
    CONDITIONS,
    PREGNANCY_UNCHANGED,
    REACTION_TIMING,
    REACTIONS,
    RED_FLAGS,
    asks_about_pregnancy,
)
from intake.services.screening import flag_columns

SENT = (Intake.Status.SUBMITTED, Intake.Status.REVIEWED)
# New diagnoses a follow-up may bring (lymphoedema would need a limb as well).
NEW_CONDITIONS = tuple(key for key in CONDITIONS if key != "lymphoedema")
NEW_OTHER = ("broken wrist", "shingles", "started dialysis", "gallstones")
REACTION_DETAIL = {
    "bruising": "A small bruise where a needle went in, gone in a few days",
    "faint": "Felt light-headed getting up from the couch",
    "more_pain": "The back was sorer for two days",
    "infection": "A red, warm patch on the shin",
}
# Of a course, how its last check-in stands: open (in progress, the visit ahead), submitted
# and awaiting review, or reviewed with the visit behind.
LAST_WEIGHTS = {"open": 35, "awaiting": 25, "done": 40}


class Table:
    """Rows of one model, written together: COPY on PostgreSQL, bulk_create elsewhere.

    Primary keys are handed out here, above the table's largest, so that rows of one batch
    can point at each other before any is written (Django's foreign keys are deferred to
    the end of the transaction); `finish` moves the sequence past them. Columns not given
    to `add` take the field's default, as the ORM would fill them."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.names = [f.attname for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.next_pk = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, **values) -> int:
        pk = self.next_pk
        self.next_pk += 1
        defaults = self.defaults
        self.rows.append((pk, *(values.get(n, defaults[n]) for n in self.names)))
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy()
        else:
            names = ["pk", *self.names]
            self.model.objects.bulk_create(
                (self.model(**dict(zip(names, row, strict=True))) for row in self.rows),
                batch_size=500,
            )
        self.written += len(self.rows)
        self.rows = []

    def _copy(self) -> None:
        meta = self.model._meta
        columns = ", ".join(connection.ops.quote_name(f.column) for f in (meta.pk, *self.fields))
        dumped = [i + 1 for i, name in enumerate(self.names) if name in self.json]
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in self.rows:
                if dumped:
                    row = list(row)
                    for i in dumped:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)

    def finish(self) -> None:
        """Point the table's id sequence past the ids given out (PostgreSQL only)."""
        for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
            with connection.cursor() as cursor:
                cursor.execute(sql)


def skip_foreign_key_checks() -> None:
    """For the rest of the current transaction on PostgreSQL, as a superuser: do not check
    each row's foreign keys. The seeder made every reference itself, and the tests, which
    keep the checks, verify them on SQLite and PostgreSQL. The checks run at each batch's
    commit, an index lookup per reference, some fifteen million for a million check-ins:
    on two busy cores, 40,000 check-ins took 55-74 s with them and 32 s without. Anyone
    but a superuser keeps the checks."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass  # not a superuser: the checks stay


@dataclass
class Record:
    """A medication record before it is written; carry_forward reads it as a
    MedicationRecord (pk, name, dose, frequency, reason)."""

    pk: int
    name: str
    dose: str
    frequency: str
    reason: str
    started_in: int
    started_on: str | None = None
    stopped_in: int | None = None
    stopped_on: str | None = None


@dataclass(frozen=True)
class Course:
    """One patient's first intake, as read for their follow-ups."""

    intake: Intake
    start: datetime  # the first visit, or the submission when none was booked
    first_visit: int | None  # its attended appointment, if any
    count: int


def courses_wanted() -> list[tuple[Intake, datetime, int | None]]:
    """Patients who can have check-ins: a submitted intake of their own, its visit behind
    them (or none booked), and no check-in yet; in intake order, with when their course
    starts (that visit, or the submission) and the visit's appointment when attended."""
    now = timezone.now()
    has_check_in = Intake.objects.filter(
        patient_id=OuterRef("patient_id"), kind=Intake.Kind.CHECK_IN
    )
    intakes = (
        Intake.objects.filter(
            kind=Intake.Kind.INTAKE,
            status__in=SENT,
            patient__isnull=False,
            submitted_at__isnull=False,
        )
        .exclude(Exists(has_check_in))
        .select_related("patient")
        .order_by("pk")
    )
    attended = dict(
        Appointment.objects.filter(
            intake__in=intakes, status=Appointment.Status.ATTENDED
        ).values_list("intake_id", "pk")
    )
    seen: set[int] = set()
    out = []
    for intake in intakes.iterator(chunk_size=2000):
        if intake.patient_id in seen:
            continue
        seen.add(intake.patient_id)
        visit = intake.appointment_at
        if visit is not None and visit >= now:
            continue  # the first visit is still ahead: no follow-up yet
        out.append((intake, visit or intake.submitted_at, attended.get(intake.pk)))
    return out


def share_out(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    if not weights or total <= 0:
        return [0] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def clamp(value: float) -> int:
    return max(measures.SCORE_MIN, min(measures.SCORE_MAX, round(value)))


class FollowUps:
    """Plans and writes the check-ins of a batch of courses."""

    def __init__(self, *, rng: random.Random, medications: Sequence[tuple[str, str, str, str]]):
        self.rng = rng
        self.medications = medications
        self.now = timezone.now()
        self.version = questionnaire_version(check_in=True)
        self.tables = {
            model: Table(model)
            for model in (
                Intake,
                MedicationRecord,
                Appointment,
                ScreeningRun,
                Flag,
                Review,
                Review.acknowledged_flags.through,
                AdverseEvent,
            )
        }
        self.last_weights = dict(LAST_WEIGHTS)
        self.flag_text: dict[str, tuple[str | None, list]] = {}
        self.screened = 0

    def table(self, model) -> Table:
        return self.tables[model]

    def write(self, courses: list[Course]) -> int:
        """Plan every check-in of `courses` and write them in one transaction."""
        made = 0
        for course in courses:
            made += self.course(course)
        # Only a transaction of its own may go without the checks: SET LOCAL lasts to the
        # end of the outermost transaction, and a caller's (a test's) would go on without.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                skip_foreign_key_checks()
            for table in self.tables.values():
                table.flush()
        return made

    def finish(self) -> None:
        for table in self.tables.values():
            table.finish()

    # One patient ------------------------------------------------------------------------

    def course(self, course: Course) -> int:
        rng = self.rng
        intake, count = course.intake, course.count
        if count == 0:
            return 0
        picture = picture_of(intake)
        records = [
            Record(
                pk=self.table(MedicationRecord).next_pk + i,
                name=item["name"][:150],
                dose=(item.get("dose") or "")[:80],
                frequency=(item.get("frequency") or "")[:80],
                reason=(item.get("reason") or "")[:200],
                started_in=intake.pk,
            )
            for i, item in enumerate(m for m in picture.get("medications", []) if m.get("name"))
        ]
        self.table(MedicationRecord).next_pk += len(records)
        all_records = list(records)

        pain = (intake.answers or {}).get("pain", {})
        base = [pain.get(k, 5) for k in ("peg_pain", "peg_enjoyment", "peg_activity")]
        # Most improve, by 30-60% over the course; some stay where they were; a few worsen.
        change = rng.choices(
            [rng.uniform(-0.6, -0.3), rng.uniform(-0.1, 0.1), rng.uniform(0.2, 0.4)],
            [60, 30, 10],
        )[0]
        last = rng.choices(list(self.last_weights), list(self.last_weights.values()))[0]
        visits = self.visit_times(course.start, count, last)

        previous_pk, previous_visit = intake.pk, course.first_visit
        result, result_key = None, None
        practitioner = intake.practitioner_id
        for j, visit_at in enumerate(visits):
            final = j == count - 1
            is_open = final and last == "open"
            created = (visits[j - 1] if j else course.start) + timedelta(hours=rng.randint(2, 30))
            created = min(created, self.now)
            items = [clamp(b * (1 + change * (j + 1) / count) + rng.gauss(0, 0.7)) for b in base]
            answers = self.answers(picture, records, items, when=created)
            status = Intake.Status.IN_PROGRESS
            submitted = None
            if not is_open:
                reviewed = not (final and last == "awaiting") and rng.random() < 0.92
                status = Intake.Status.REVIEWED if reviewed else Intake.Status.SUBMITTED
                submitted = min(
                    self.now, max(created, visit_at - timedelta(hours=rng.randint(2, 48)))
                )
            elif rng.random() < 0.5:
                # Opened and the PEG answered, the rest still to do.
                answers = {"peg": answers["peg"]}
            else:
                answers = {}
            row = {
                "patient_id": intake.patient_id,
                "practitioner_id": practitioner,
                "status": status,
                "kind": Intake.Kind.CHECK_IN,
                "previous_id": previous_pk,
                "appointment_at": visit_at,
                "answers": answers,
                "completed_steps": list(answers),
                "last_step": next(reversed(answers), ""),
                "patient_name": intake.patient_name,
                "peg_score": measures.peg_score(
                    pain=items[0], enjoyment=items[1], activity=items[2]
                )
                if "peg" in answers
                else None,
                "created_at": created,
                "updated_at": submitted or created,
                "submitted_at": submitted,
                "review_version": 1 if status == Intake.Status.REVIEWED else 0,
            }
            if submitted is None:
                pk = self.table(Intake).add(**row)
            else:
                picture = carry_forward(picture, answers, records=records)
                key = self.screening_key(picture)
                if key != result_key:
                    result = screen({k: picture[k] for k in CONTRACT_KEYS if k in picture})
                    result_key = key
                    self.screened += 1
                counts, highest = flag_summary(f["severity"] for f in result["flags"])
                row.update(
                    picture=picture,
                    flag_counts=counts,
                    highest_severity=highest,
                    questionnaire_version=self.version,
                )
                pk = self.table(Intake).add(**row)
                self.submitted(pk, result, status, submitted, highest, practitioner)
                records = self.apply_medicines(pk, answers, records, all_records)
            visit_status = self.visit_status(visit_at)
            appointment = self.table(Appointment).add(
                patient_id=intake.patient_id,
                patient_name=intake.patient_name,
                email=intake.patient.email,
                practitioner_id=practitioner,
                starts_at=visit_at,
                kind=Appointment.Kind.FOLLOW_UP,
                status=visit_status,
                intake_id=pk,
                created_by_id=practitioner,
                created_at=created,
                updated_at=created,
            )
            if submitted is not None:
                self.reactions(
                    pk, intake.patient_id, answers, previous_visit, practitioner, submitted
                )
                previous_pk = pk
            attended = visit_status == Appointment.Status.ATTENDED
            previous_visit = appointment if attended else None
        for record in all_records:
            self.table(MedicationRecord).rows.append(
                (
                    record.pk,
                    *self.medication_row(intake.patient_id, record),
                )
            )
        return count

    def visit_times(self, start: datetime, count: int, last: str) -> list[datetime]:
        """The follow-up visits, evenly spaced after the first with a day or two of play;
        the last ahead of now when the course's last check-in is open or awaiting review."""
        rng = self.rng
        if last == "done":
            end = self.now - timedelta(hours=rng.randint(6, 72))
        else:
            end = self.now + timedelta(hours=rng.randint(24, 10 * 24))
        end = max(end, start + timedelta(days=1))
        step = (end - start) / count
        times = [start + step * (i + 1) for i in range(count - 1)]
        jitter = min(step / 4, timedelta(days=1))
        times = [t + jitter * rng.uniform(-1, 1) for t in times]
        return [*times, end]

    def visit_status(self, when: datetime) -> str:
        if when >= self.now:
            return Appointment.Status.BOOKED
        if self.rng.random() < 0.05:
            return Appointment.Status.NO_SHOW
        return Appointment.Status.ATTENDED

    @staticmethod
    def screening_key(picture: dict) -> str:
        """The picture as the engine's rules see it: all of it but the PEG, which the
        engine only checks is in range."""
        pain = {k: v for k, v in picture.get("pain", {}).items() if k != "peg"}
        return json.dumps({**picture, "pain": pain}, sort_keys=True, default=str)

    # A check-in's answers ---------------------------------------------------------------

    def answers(self, picture: dict, records: list[Record], items: list[int], *, when) -> dict:
        rng = self.rng
        since: dict = {"conditions": [], "lymphoedema_limbs": [], "other": []}
        if rng.random() < 0.02:
            since["conditions"] = [rng.choice(NEW_CONDITIONS)]
        if rng.random() < 0.01:
            since["other"] = [rng.choice(NEW_OTHER)]
        if asks_about_pregnancy(picture.get("sex_at_birth")):
            since.update(status=PREGNANCY_UNCHANGED, weeks=None)

        stopped = rng.choice(records).pk if records and rng.random() < 0.03 else None
        day = (when - timedelta(days=rng.randint(1, 6))).date().isoformat()
        medicines = {
            "records": [
                {
                    "id": r.pk,
                    "name": r.name,
                    "still": r.pk != stopped,
                    "stopped_on": day if r.pk == stopped else None,
                }
                for r in records
            ],
            "started": [],
        }
        if rng.random() < 0.05:
            taken = {r.name for r in records}
            name, dose, frequency, reason = rng.choice(self.medications)
            if name not in taken:
                medicines["started"] = [
                    {
                        "name": name,
                        "dose": dose,
                        "frequency": frequency,
                        "reason": reason,
                        "started_on": day if rng.random() < 0.7 else None,
                    }
                ]

        reactions = {"had_reaction": "no", "reactions": [], "timing": "", "detail": ""}
        if rng.random() < 0.08:
            kind = rng.choices(list(REACTIONS), [70, 15, 12, 3])[0]
            reactions = {
                "had_reaction": "yes",
                "reactions": [kind],
                "timing": rng.choice(list(REACTION_TIMING)),
                "detail": REACTION_DETAIL[kind] if rng.random() < 0.6 else "",
            }
        red_flags = dict.fromkeys(RED_FLAGS, "no")
        if rng.random() < 0.02:
            red_flags[rng.choice(list(RED_FLAGS))] = "yes"
        return {
            "peg": {"peg_pain": items[0], "peg_enjoyment": items[1], "peg_activity": items[2]},
            "since": since,
            "medicines": medicines,
            "reactions": reactions,
            "red_flags": red_flags,
        }

    # What submitting writes -------------------------------------------------------------

    def submitted(self, pk: int, result: dict, status: str, when, highest: str, reviewer) -> None:
        run = self.table(ScreeningRun).add(
            intake_id=pk, ruleset=result["ruleset"], created_at=when, is_current=True
        )
        flags = []
        for position, flag in enumerate(result["flags"]):
            rationale, sources = self.rule_text(flag["rule"])
            flag_pk = self.table(Flag).add(
                run_id=run, **flag_columns(position, flag), rationale=rationale, sources=sources
            )
            flags.append((flag_pk, flag["severity"]))
        if status != Intake.Status.REVIEWED:
            return
        decision = decision_for(highest, self.rng)
        modified = decision == Review.Decision.CLEARED_WITH_MODIFICATIONS
        review = self.table(Review).add(
            intake_id=pk,
            run_id=run,
            version=1,
            decision=decision,
            modifications=[{"code": "superficial_only", "text": "Superficial needling only"}]
            if modified
            else [],
            note="",
            reviewer_id=reviewer,
            signed_name="Dr Lin Demo",
            signed_at=min(self.now, when + timedelta(hours=self.rng.randint(1, 20))),
        )
        through = self.table(Review.acknowledged_flags.through)
        for flag_pk, severity in flags:
            if needs_acknowledgement(severity):
                through.add(review_id=review, flag_id=flag_pk)

    def rule_text(self, rule: str) -> tuple[str | None, list]:
        if rule not in self.flag_text:
            self.flag_text[rule] = (rule_rationale(rule), list(rule_sources(rule)))
        return self.flag_text[rule]

    def apply_medicines(
        self, pk: int, answers: dict, records: list[Record], all_records: list[Record]
    ) -> list[Record]:
        """The living list after the check-in, as medication_record_apply_check_in leaves it."""
        medicines = answers["medicines"]
        stopped = {
            item["id"]: item["stopped_on"] for item in medicines["records"] if not item["still"]
        }
        for record in records:
            if record.pk in stopped:
                record.stopped_in, record.stopped_on = pk, stopped[record.pk]
        kept = [r for r in records if r.pk not in stopped]
        table = self.table(MedicationRecord)
        for item in medicines["started"]:
            record = Record(
                pk=table.next_pk,
                name=item["name"],
                dose=item["dose"],
                frequency=item["frequency"],
                reason=item["reason"],
                started_in=pk,
                started_on=item["started_on"],
            )
            table.next_pk += 1
            kept.append(record)
            all_records.append(record)
        return kept

    def medication_row(self, patient_id: int, record: Record) -> tuple:
        values = {
            "patient_id": patient_id,
            "name": record.name,
            "dose": record.dose,
            "frequency": record.frequency,
            "reason": record.reason,
            "started_on": record.started_on,
            "stopped_on": record.stopped_on,
            "started_in_id": record.started_in,
            "stopped_in_id": record.stopped_in,
        }
        return tuple(values[name] for name in self.table(MedicationRecord).names)

    def reactions(self, pk, patient_id, answers, visit, practitioner, when) -> None:
        """Adverse events, as adverse_event_record_check_in records them: tied to the
        attended visit before, whose practitioner they count against."""
        reported = answers["reactions"]
        if reported["had_reaction"] != "yes":
            return
        for kind in reported["reactions"]:
            self.table(AdverseEvent).add(
                patient_id=patient_id,
                reported_in_id=pk,
                visit_id=visit,
                practitioner_id=practitioner if visit else None,
                kind=kind,
                timing=reported["timing"],
                detail=reported["detail"],
                reported_at=when,
            )


def decision_for(highest: str, rng: random.Random) -> str:
    """A practitioner's decision that fits the highest flag (as the seeded intakes have)."""
    if highest == "refer":
        return Review.Decision.REFER
    if highest == "contraindicated":
        return rng.choice(
            [Review.Decision.CLEARED_WITH_MODIFICATIONS] * 4 + [Review.Decision.NOT_SUITABLE]
        )
    if highest in ("defer", "caution"):
        return Review.Decision.CLEARED_WITH_MODIFICATIONS
    return Review.Decision.CLEARED


def seed_check_ins(
    *,
    total: int,
    rng: random.Random,
    medications: Sequence[tuple[str, str, str, str]],
    batch: int = 20_000,
    progress: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Spread `total` check-ins over the patients who can have them; returns how many were
    made and how many patients had them. Fewer than `total` only when nobody can."""
    found = courses_wanted()
    if not found:
        return 0, 0
    now = timezone.now()
    # Weighted by the weeks since the course began, so a patient first seen yesterday has
    # one check-in or none and one seen months ago many.
    weights = [max((now - start).total_seconds() / 86400, 0) + 7 for _, start, _ in found]
    counts = share_out(total, weights)
    follow_ups = FollowUps(rng=rng, medications=medications)
    started = time.monotonic()
    made, pending, planned = 0, [], 0
    patients = 0
    for (intake, start, visit), count in zip(found, counts, strict=True):
        if not count:
            continue
        patients += 1
        pending.append(Course(intake=intake, start=start, first_visit=visit, count=count))
        planned += count
        if planned >= batch:
            made += follow_ups.write(pending)
            pending, planned = [], 0
            if progress:
                rate = made / max(time.monotonic() - started, 1e-9)
                progress(f"  {made:>9,} / {total:,} check-ins ({rate:,.0f}/s)")
    made += follow_ups.write(pending)
    with transaction.atomic():
        follow_ups.finish()
    return made, patients
