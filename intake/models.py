"""Invitations, intakes (answers, consent, screening results) and practitioners' reviews.

An intake's answers are one JSON document, keyed by wizard step, saved as a whole on every
step. That makes every save all-or-nothing and lets a patient resume anywhere. Columns that
the practitioner's dashboard filters or sorts on (name, appointment, status, PEG score,
flag counts) are copied out of it when the intake is saved or screened.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.functional import cached_property

from intake.screening import severities
from intake.screening.severities import SEVERITIES
from intake.screening.vocabulary import REACTION_TIMING, REACTIONS
from portal import tokens

INVITATION_LIFETIME = timedelta(days=14)
INVITATION_SALT = "intake.invitation"


class ConsentText(models.Model):
    """A version of the consent wording. Old versions are never edited: a signature points at
    the exact words that were agreed to."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(
        max_length=200, default="Consent to acupuncture assessment and treatment"
    )
    body = models.TextField(help_text="Plain text; a blank line starts a new paragraph.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Consent v{self.version}"

    @classmethod
    def current(cls) -> ConsentText | None:
        return cls.objects.order_by("-version").first()

    def paragraphs(self) -> list[str]:
        # Line ends are normalised on saving; older rows may still hold CR LF.
        body = self.body.replace("\r\n", "\n")
        return [p.strip() for p in re.split(r"\n[ \t]*\n", body) if p.strip()]


class Invitation(models.Model):
    """A single-use, expiring link for one patient and one appointment.

    The link carries a signed one-time token (portal.tokens); only its hash is stored. The
    token is derived from a random key, so the queued email can write the same link again
    when it is delivered, and when it is sent again.
    """

    patient_name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    appointment_at = models.DateTimeField()
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_to_see"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    nonce_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The random value of the form this was sent from (docs/security.md S18): the same form sent
    # twice, by a double click or by Back and Send, cannot make a second invitation.
    form_token = models.CharField(max_length=64, unique=True, null=True, editable=False)
    # The random key the link's nonce is made from (see link_token); blank on invitations
    # made before links could be written again.
    link_key = models.CharField(max_length=64, blank=True, editable=False)
    # When the link was first opened, for the practitioner's view of where an intake stands.
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk}"

    def issue_token(self) -> str:
        """Make a fresh link key, store its token's hash and return the token for the link.
        Call before saving a new invitation (an earlier link stops working)."""
        self.link_key = secrets.token_urlsafe(24)
        token, self.nonce_hash = tokens.derived(salt=INVITATION_SALT, key=self.link_key)
        if not self.expires_at:
            self.expires_at = timezone.now() + INVITATION_LIFETIME
        return token

    def link_token(self) -> str:
        """The token of this invitation's link, the same each time it is asked for."""
        return tokens.derived(salt=INVITATION_SALT, key=self.link_key)[0]

    @classmethod
    def from_token(cls, token: str) -> Invitation | None:
        """The invitation a token belongs to, used or not, or None if forged or unknown."""
        nonce_hash = tokens.hash_from(token, salt=INVITATION_SALT)
        if nonce_hash is None:
            return None
        return cls.objects.filter(nonce_hash=nonce_hash).select_related("intake").first()

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class Intake(models.Model):
    class Kind(models.TextChoices):
        """A first-visit intake, or the short check-in before a follow-up visit. A check-in
        asks only what may have changed and carries the rest forward from `previous`."""

        INTAKE = "intake", "Intake"
        CHECK_IN = "check_in", "Check-in"

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        REVIEWED = "reviewed", "Reviewed"
        # A check-in whose follow-up visit was cancelled before it was sent: kept as the
        # patient left it (nothing is deleted), but no longer asked for, reminded of or
        # offered to the patient (intake.services.check_in_withdraw).
        WITHDRAWN = "withdrawn", "Withdrawn"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intakes",
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="intake"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_intakes",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INTAKE)
    # A check-in's starting point: the patient's submitted intake or check-in whose picture
    # it carries forward (re-pointed at submission to the latest one submitted by then).
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="check_ins"
    )
    # A submitted check-in's picture of the patient: the previous picture with the changes
    # it reported applied, in the screening input's shape (docs/screening.md#input). The
    # screening reads it instead of the answers. Empty on intakes, whose picture is their
    # answers (intake.export.screening_input).
    picture = models.JSONField(default=dict, blank=True, editable=False)
    appointment_at = models.DateTimeField(null=True, blank=True)

    # The answers, keyed by wizard step identifier. Patient-reported until reviewed.
    answers = models.JSONField(default=dict, blank=True)
    # Steps the patient has completed (validated and saved), by identifier.
    completed_steps = models.JSONField(default=list, blank=True)
    last_step = models.CharField(max_length=40, blank=True)

    # Copied out of the answers for the dashboard (search, sort, filter without JSON).
    patient_name = models.CharField(max_length=150, blank=True)
    peg_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)

    # Summary of the current screening, for filtering by highest severity.
    highest_severity = models.CharField(max_length=20, blank=True)
    flag_counts = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The version of the intake questionnaire (intake.fhir) the answers were submitted
    # against; blank until submitted, and on intakes submitted before it was recorded.
    questionnaire_version = models.CharField(max_length=40, blank=True, editable=False)
    # Bumped by every review; a review form carries the number it was made against, so two
    # practitioners cannot silently overwrite each other (docs/security.md S17).
    review_version = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["appointment_at", "id"], name="intake_appointment_idx"),
            models.Index(fields=["status", "appointment_at"], name="intake_status_appt_idx"),
            models.Index(fields=["highest_severity", "appointment_at"], name="intake_severity_idx"),
            models.Index(fields=["patient", "-created_at"], name="intake_patient_idx"),
            # The dashboard's triage groups: unreviewed intakes by highest flag, longest
            # waiting first (practitioner_views.AppointmentPage).
            models.Index(
                fields=["highest_severity", "submitted_at", "id"],
                name="intake_triage_idx",
                condition=models.Q(status="submitted"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(peg_score__isnull=True)
                | models.Q(peg_score__gte=0, peg_score__lte=10),
                name="intake_peg_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(highest_severity="") | models.Q(highest_severity__in=SEVERITIES),
                name="intake_highest_severity_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.pk}"

    @property
    def is_check_in(self) -> bool:
        return self.kind == self.Kind.CHECK_IN

    @property
    def is_locked(self) -> bool:
        """Submitted intakes, and withdrawn check-ins, are read-only for the patient."""
        return self.status in {self.Status.SUBMITTED, self.Status.REVIEWED, self.Status.WITHDRAWN}

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @cached_property
    def has_current_consent(self) -> bool:
        """Whether this intake's signature is for the consent wording now in force.

        One query, asked once per instance: the wizard asks it for every step it draws in
        the progress list. An instance that has just been signed is a fresh one
        (`services.intake_step_save` returns it), so the cached answer never goes stale in use."""
        in_force = ConsentText.objects.order_by("-version").values("pk")[:1]
        return ConsentSignature.objects.filter(
            intake=self, consent_text=models.Subquery(in_force)
        ).exists()

    @cached_property
    def consented_elsewhere(self) -> bool:
        """Whether the patient signed the consent wording now in force on another of their
        intakes or check-ins: a check-in asks for consent only when they have not.

        Written in SQL: every check-in page asks (its progress list), and compiling the
        ORM's version of this query took 0.7 ms of CPU, a sixth of the page."""
        if self.pk is None or self.patient_id is None:
            return False  # no wizard page is drawn for such an intake
        signature = ConsentSignature._meta.db_table
        intake, text = Intake._meta.db_table, ConsentText._meta.db_table
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {signature} s JOIN {intake} i ON i.id = s.intake_id"  # noqa: S608 (table names from the models, values as parameters)
            " WHERE i.patient_id = %s AND s.intake_id <> %s AND s.consent_text_id"
            f" = (SELECT id FROM {text} ORDER BY version DESC LIMIT 1))"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.patient_id, self.pk])
            return bool(cursor.fetchone()[0])

    def current_run(self) -> ScreeningRun | None:
        return self.screening_runs.filter(is_current=True).first()

    def latest_review(self) -> Review | None:
        return self.reviews.order_by("-version").first()


class ConsentSignature(models.Model):
    """The consent a patient gave: which words, the typed name, who and when."""

    intake = models.OneToOneField(Intake, on_delete=models.CASCADE, related_name="consent")
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Consent for intake {self.intake_id}"


class ScreeningRun(models.Model):
    """One run of the screening engine over an intake. Runs are never rewritten: when the
    rules change, a practitioner can run the current ruleset again, and both stay on record."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="screening_runs")
    ruleset = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    # None when the run happened automatically on submission.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_current = models.BooleanField(default=True)
    # What the engine read and did not raise as current, each with its reason (the
    # `considered` list of the screening contract), so a misreading stays visible.
    considered = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake"],
                condition=models.Q(is_current=True),
                name="one_current_screening_run",
            )
        ]

    def __str__(self) -> str:
        return f"Screening {self.pk} ({self.ruleset})"


class Flag(models.Model):
    """A safety flag exactly as the engine raised it (the flag of docs/screening.md#output)."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="flags")
    rule = models.CharField(max_length=10)
    category = models.CharField(max_length=40)
    severity = models.CharField(max_length=20, choices=[(s, s) for s in SEVERITIES])
    title = models.CharField(max_length=200)
    action = models.TextField()
    because = models.JSONField(default=list)
    affects = models.JSONField(default=list)
    guide_url = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Why the rule exists and the reference sources it rests on, copied from the ruleset
    # that raised the flag, so later wording never changes what was shown at the time.
    # Null only on flags stored before these were recorded.
    rationale = models.TextField(null=True, blank=True)
    sources = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return f"{self.rule} {self.severity}"

    @property
    def needs_acknowledgement(self) -> bool:
        return severities.needs_acknowledgement(self.severity)


class Review(models.Model):
    """A practitioner's signed decision on an intake. Each review is a new row; the latest
    version is the one in force."""

    class Decision(models.TextChoices):
        CLEARED = "cleared", "Cleared for treatment"
        CLEARED_WITH_MODIFICATIONS = "modified", "Cleared with modifications"
        REFER = "refer", "Refer to physician first"
        NOT_SUITABLE = "not_suitable", "Not suitable for acupuncture"

    class Modification(models.TextChoices):
        """What a practitioner can change about the treatment; `modifications` keeps each as
        {"code", "text"}. OTHER is typed out rather than ticked."""

        NO_ELECTRO = "no_electro", "No electroacupuncture"
        NO_MOXA = "no_moxibustion", "No moxibustion"
        NO_CUPPING = "no_cupping", "No cupping"
        SUPERFICIAL = "superficial_only", "Superficial needling only"
        AVOID_POINTS = "avoid_points", "Avoid named points"
        AVOID_REGION = "avoid_region", "Avoid a named body region"
        AVOID_LIMB = "avoid_limb", "Avoid a limb"
        LYING_DOWN = "lying_down", "Treat lying down"
        OTHER = "other", "Other"

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="reviews")
    run = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="reviews")
    version = models.PositiveIntegerField()
    decision = models.CharField(max_length=20, choices=Decision.choices)
    modifications = models.JSONField(default=list, blank=True)
    # Refer or contraindicated flags the practitioner chose to treat despite, each with the
    # written reason: [{"flag": id, "rule", "severity", "title", "reason"}]. The flag's words
    # are copied so that the record reads the same whatever happens to the run later.
    overrides = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, max_length=5000)
    acknowledged_flags = models.ManyToManyField(Flag, blank=True, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "version"], name="review_version_unique")
        ]

    def __str__(self) -> str:
        return f"Review v{self.version} of intake {self.intake_id}"


class RedFlagNotice(models.Model):
    """The clinic was told that an emergency or urgent red-flag answer was saved.

    One row per intake and answer: the unique pair is what makes the notice go once per
    answer, however often the step is saved, even by two requests at once. The row holds a
    question's key, never what the patient wrote."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="red_flag_notices")
    answer = models.CharField(max_length=40)
    notified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["intake", "answer"], name="one_notice_per_answer")
        ]

    def __str__(self) -> str:
        return f"Notice {self.answer} for intake {self.intake_id}"


class FhirPush(models.Model):
    """One delivery of an intake's FHIR Bundle to the clinic's FHIR server (FHIR_SERVER_URL),
    queued when a review is recorded and sent by the task worker (intake/services/fhir_push.py).

    The row holds no part of the bundle: the worker builds it when it sends, from the records
    as they are then, so the queue never holds health data. What the server said is kept as
    its status code and Location header only (a reply body may quote the record)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="fhir_pushes")
    # The review that asked for it (a push again keeps the row, so the same review).
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Raised each time the row is handed to the queue, as for Email: a task left over from
    # before a push again does nothing.
    generation = models.PositiveIntegerField(default=1)
    # The server's last HTTP status (none when it could not be reached) and, on success,
    # the Location it gave.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    # The error's type and status only, never a reply body.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When it was sent, or when it was given up on.
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["intake", "-created_at"])]

    def __str__(self) -> str:
        return f"FHIR push {self.pk} of intake {self.intake_id} ({self.status})"


class MedicationRecordQuerySet(models.QuerySet):
    def current(self, *, patient_id: int | None) -> models.QuerySet:
        """The patient's medicines not reported stopped, in the order they were reported."""
        return self.filter(patient_id=patient_id, stopped_in__isnull=True).order_by("pk")


class MedicationRecord(models.Model):
    """One medicine in a patient's living medicine list, as the patient reported it: the
    name as typed, when they said they started and stopped it (either may be unknown), and
    the intake or check-in that reported each. Written by
    intake.services.medications; a check-in's medicine step is drawn from the records not
    yet stopped."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="medication_records"
    )
    name = models.CharField(max_length=150)
    dose = models.CharField(max_length=80, blank=True)
    frequency = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    started_in = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="medicines_started"
    )
    stopped_in = models.ForeignKey(
        Intake, null=True, blank=True, on_delete=models.SET_NULL, related_name="medicines_stopped"
    )

    objects = MedicationRecordQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "pk"]
        indexes = [
            models.Index(
                fields=["patient", "id"],
                name="medication_current_idx",
                condition=models.Q(stopped_in__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Medication record {self.pk}"

    @property
    def is_current(self) -> bool:
        return self.stopped_in_id is None


class AdverseEvent(models.Model):
    """A reaction after a treatment, as the patient reported it on a check-in: what, when it
    began, in their words, and the visit it followed (the patient's last attended
    appointment before the check-in, when one is recorded) with that visit's practitioner,
    for the clinic's own safety review. Written by intake.services.adverse_events."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adverse_events"
    )
    reported_in = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="adverse_events")
    visit = models.ForeignKey(
        "appointments.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adverse_events",
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adverse_events_after",
    )
    kind = models.CharField(max_length=20, choices=list(REACTIONS.items()))
    timing = models.CharField(max_length=20, choices=list(REACTION_TIMING.items()), blank=True)
    detail = models.TextField(max_length=500, blank=True)
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reported_at", "pk"]
        indexes = [models.Index(fields=["practitioner", "kind"], name="adverse_event_count_idx")]

    def __str__(self) -> str:
        return f"Adverse event {self.pk}"
