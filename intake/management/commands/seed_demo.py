"""`manage.py seed_demo --intakes N`: realistic demo intakes, fast enough for 100,000.

Every intake is made the way the portal would make it, but in bulk: answers in the wizard's
shape (one JSON document per step), the dashboard's copied columns (patient name, PEG score,
highest severity, flag counts) filled in as the wizard and the screening service fill them,
and, for submitted and reviewed intakes, a screening run whose flags come from the real
engine (`screen()` over `screening_input()`, exactly what `screening_run` does).

Speed comes from three things: one password hash for every seeded patient (a real Argon2
hash per user would take hours), `bulk_create` in chunks, and one transaction per chunk.
Development and benchmark databases only: the command refuses production mode.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from appointments.models import Appointment
from intake import steps
from intake.demo_check_ins import seed_demo_patient
from intake.demo_follow_ups import seed_check_ins
from intake.export import screening_input
from intake.models import (
    ConsentSignature,
    ConsentText,
    Flag,
    Intake,
    Invitation,
    Review,
    ScreeningRun,
)
from intake.screening import measures, screen
from intake.screening.severities import flag_summary
from intake.screening.vocabulary import (
    ALLERGIES,
    CONDITIONS,
    HISTORY,
    LIMBS,
    PAIN_REGIONS,
    RED_FLAGS,
)
from intake.services import flag_rows
from portal import roles
from portal.management.commands.load_demo import DEMO_PASSWORD, DEMO_TOTP_KEY_HEX
from portal.models import User

DEMO_PRACTITIONER = "practitioner@demo.clinic"
EMAIL_DOMAIN = "patients.example"  # reserved for documentation: no real inbox

_FIRST_NAMES = (
    "Margaret Susan Linda Patricia Barbara Elizabeth Jennifer Maria Dorothy Helen Sandra "
    "Carol Ruth Sharon Janet Ann Joyce Alice Grace Fatima Aisha Priya Mei Yuki Olga Ingrid "
    "Siobhan John Robert Michael William David Richard Thomas Charles Joseph George Kenneth "
    "Peter Brian Stephen Paul Mohammed Ahmed Rajesh Wei Hiroshi Ivan Lars Declan Kwame "
    "Tomasz"
)
FIRST_NAMES = tuple(_FIRST_NAMES.split())
_SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips "
    "Mason Mitchell Rose Davis Rodriguez Cox Alexander Garcia Martinez Nguyen Kim Chen Wang "
    "Singh Kowalski Novak O'Brien Murphy Kelly Smithson Goldsmith Okafor Mensah Hughes "
    "Price"
)
SURNAMES = tuple(_SURNAMES.split())

# What patients type: brand or generic names, with and without doses, a few misspellings
# and medicines the reference does not know (each raises `medication_review`).
MEDICATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Eliquis 5mg", "5 mg", "twice daily", "atrial fibrillation"),
    ("warfarin", "3 mg", "once daily", "blood clots"),
    ("Xarelto", "20 mg", "once daily", ""),
    ("aspirin", "75 mg", "once daily", "heart"),
    ("clopidogrel", "75 mg", "once daily", "stent"),
    ("ibuprofen", "400 mg", "when needed", "back pain"),
    ("naproxen", "500 mg", "twice daily", "arthritis"),
    ("Celebrex", "200 mg", "once daily", ""),
    ("paracetamol", "1 g", "four times a day", "pain"),
    ("Tylenol", "500 mg", "when needed", ""),
    ("codeine", "30 mg", "when needed", "pain"),
    ("tramadol", "50 mg", "twice daily", "pain"),
    ("gabapentin", "300 mg", "three times a day", "nerve pain"),
    ("pregabalin", "75 mg", "twice daily", "nerve pain"),
    ("amitriptyline", "10 mg", "at night", "sleep and pain"),
    ("duloxetine", "60 mg", "once daily", ""),
    ("sertraline", "50 mg", "once daily", "mood"),
    ("Prozac", "20 mg", "once daily", ""),
    ("metformin", "500 mg", "twice daily", "diabetes"),
    ("insulin glargine", "20 units", "at night", "diabetes"),
    ("atorvastatin", "20 mg", "at night", "cholesterol"),
    ("simvastatin", "40 mg", "at night", ""),
    ("ramipril", "5 mg", "once daily", "blood pressure"),
    ("amlodipine", "5 mg", "once daily", "blood pressure"),
    ("levothyroxine", "100 mcg", "once daily", "thyroid"),
    ("omeprazole", "20 mg", "once daily", "stomach"),
    ("prednisolone", "5 mg", "once daily", "arthritis"),
    ("methotrexate", "15 mg", "once a week", "rheumatoid arthritis"),
    ("fish oil", "1000 mg", "once daily", ""),
    ("ginkgo biloba", "", "once daily", "memory"),
    ("turmeric", "", "once daily", "joints"),
    ("vitamin D", "1000 IU", "once daily", ""),
    ("glucosamine", "1500 mg", "once daily", "knees"),
    ("ibuprofin", "200 mg", "when needed", ""),
    ("Zestril", "10 mg", "once daily", ""),
    ("the little white pill for my heart", "", "", ""),
    ("Flexitol", "", "twice daily", ""),
    ("CBD oil", "", "at night", "sleep"),
)
OTHER_CONDITIONS = (
    "asthma",
    "hip replacement 2018",
    "osteoarthritis",
    "high blood pressure",
    "atrial fibrillation",
    "fibromyalgia",
    "migraine",
    "depression",
    "knee replacement",
    "hypothyroidism",
)
OTHER_ALLERGIES = ("penicillin", "plasters give me a rash", "codeine", "shellfish", "hay fever")
COMPLAINTS = (
    "Lower back pain that goes down my left leg",
    "Stiff, painful neck since a car accident",
    "Knee pain from osteoarthritis, worse on stairs",
    "Migraines two or three times a week",
    "Pain all over (fibromyalgia) and poor sleep",
    "Shoulder pain, cannot lift my arm above my head",
    "Aching hips and lower back after long walks",
    "Jaw pain and headaches, I grind my teeth",
)
TREATMENTS = (
    "Physiotherapy for six weeks, helped a little",
    "Painkillers from my GP, some relief",
    "Massage and a chiropractor, no lasting change",
    "",
)
GOALS = ("Walk the dog again", "Sleep through the night", "Play with my grandchildren", "")
NOTES = {
    Review.Decision.CLEARED: "",
    Review.Decision.CLEARED_WITH_MODIFICATIONS: "Treat with the modifications listed.",
    Review.Decision.REFER: "Asked the patient to see their GP before treatment.",
    Review.Decision.NOT_SUITABLE: "Discussed with the patient; acupuncture is not suitable.",
}

# Status mix of a busy practice's list.
STATUS_WEIGHTS = {
    Intake.Status.INVITED: 10,
    Intake.Status.IN_PROGRESS: 25,
    Intake.Status.SUBMITTED: 40,
    Intake.Status.REVIEWED: 25,
}
FORM_STEP_IDS = [step.identifier for step in steps.FORM_STEPS]


@dataclass
class Planned:
    """One intake and the rows that hang off it, before their primary keys exist."""

    intake: Intake
    user: User | None = None
    invitation: Invitation | None = None
    consent: ConsentSignature | None = None
    flags: list[dict] = field(default_factory=list)
    ruleset: str = ""


def peg_score(pain: dict) -> Decimal:
    return measures.peg_score(
        pain=pain["peg_pain"], enjoyment=pain["peg_enjoyment"], activity=pain["peg_activity"]
    )


class Seeder:
    def __init__(
        self,
        *,
        rng: random.Random,
        practitioners: list[User],
        consent: ConsentText,
        password_hash: str,
        patient_group: Group,
        first_number: int,
    ) -> None:
        self.rng = rng
        self.practitioners = practitioners
        self.consent = consent
        self.password_hash = password_hash
        self.patient_group = patient_group
        self.number = first_number
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.severity_counts: Counter[str] = Counter()

    # Answers, one step at a time, in the shape each step form's `to_answers()` stores.

    def about(self, name: str) -> dict:
        rng = self.rng
        age = rng.choice([rng.randint(25, 45), rng.randint(45, 70), rng.randint(70, 90)])
        born = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        return {
            "legal_name": name,
            "preferred_name": name.split()[0] if rng.random() < 0.4 else "",
            "date_of_birth": born.isoformat(),
            "sex_at_birth": rng.choices(
                ["female", "male", "intersex", "prefer_not_to_say"], [60, 37, 1, 2]
            )[0],
            "phone": f"07700 9{rng.randint(0, 99999):05d}",
            "emergency_name": f"{rng.choice(FIRST_NAMES)} {name.split()[-1]}",
            "emergency_phone": f"07700 9{rng.randint(0, 99999):05d}",
            "physician": rng.choice(["Dr Okafor, Riverside Surgery", "Dr Hale", ""]),
            "language": rng.choice(["English"] * 8 + ["Polish", "Urdu"]),
        }

    def pain(self, born: date) -> dict:
        rng = self.rng
        # Chronic pain (three months or more) for most; a few come with newer pain.
        months_ago = rng.choices(
            [rng.randint(3, 24), rng.randint(24, 240), rng.randint(0, 2)], [50, 42, 8]
        )[0]
        months_ago = min(months_ago, (self.today.year - born.year - 1) * 12)
        index = self.today.year * 12 + self.today.month - 1 - months_ago
        year, month = divmod(index, 12)
        now_score = rng.randint(2, 9)
        peg = [min(10, max(0, now_score + rng.randint(-2, 2))) for _ in range(3)]
        return {
            "complaint": rng.choice(COMPLAINTS),
            "regions": rng.sample(list(PAIN_REGIONS), rng.choice([1, 1, 2, 3, 5])),
            "started_month": month + 1,
            "started_year": year,
            "intensity_now": now_score,
            "intensity_average": max(0, now_score - 1),
            "intensity_worst": min(10, now_score + 2),
            "peg_pain": peg[0],
            "peg_enjoyment": peg[1],
            "peg_activity": peg[2],
            "helps": rng.choice(["Heat and rest", "Gentle walking", ""]),
            "worsens": rng.choice(["Sitting for long", "Cold weather", "Stairs", ""]),
            "treatments": rng.choice(TREATMENTS),
            "goals": rng.choice(GOALS),
            "duration_months": months_ago,
        }

    def conditions(self) -> dict:
        rng = self.rng
        ticked = rng.sample(list(CONDITIONS), rng.choice([0, 0, 0, 1, 1, 2, 3]))
        limbs = rng.sample(list(LIMBS), 1) if "lymphoedema" in ticked else []
        return {
            "conditions": ticked,
            "lymphoedema_limbs": limbs,
            "other": rng.sample(OTHER_CONDITIONS, rng.choice([0, 0, 1, 2])),
        }

    def pregnancy(self, about: dict) -> dict:
        if not steps.PregnancyStep.applies_to({"about": about}):
            return dict(steps.PregnancyStep.AUTOMATIC)
        age = measures.age_on(date.fromisoformat(about["date_of_birth"]), self.today)
        if age > 50:
            return {"status": "not_applicable", "weeks": None}
        status = self.rng.choices(["no", "yes", "possible", "trying"], [90, 3, 3, 4])[0]
        weeks = self.rng.randint(6, 36) if status == "yes" else None
        return {"status": status, "weeks": weeks}

    def medications(self) -> dict:
        rng = self.rng
        count = rng.choice([0, 1, 2, 2, 3, 3, 4, 5, 6, 8])
        if count == 0:
            return {"none": True, "items": []}
        items = []
        for name, dose, frequency, reason in rng.sample(MEDICATIONS, count):
            items.append({"name": name, "dose": dose, "frequency": frequency, "reason": reason})
        return {"none": False, "items": items}

    def allergies(self) -> dict:
        rng = self.rng
        return {
            "allergies": rng.sample(list(ALLERGIES), rng.choice([0, 0, 0, 1])),
            "other_allergies": rng.sample(OTHER_ALLERGIES, rng.choice([0, 0, 1])),
            "history": rng.sample(list(HISTORY), rng.choice([0, 1, 1, 2])),
        }

    def red_flags(self) -> dict:
        rng = self.rng
        # Most patients answer no to everything; about one in eight says yes to something.
        yes = set(rng.sample(list(RED_FLAGS), 1)) if rng.random() < 0.12 else set()
        return {key: "yes" if key in yes else "no" for key in RED_FLAGS}

    def answers(self, name: str, steps_done: int, signed_at: datetime) -> tuple[dict, list[str]]:
        """Answers and completed steps for the first `steps_done` form steps."""
        about = self.about(name)
        full = {
            "about": about,
            "pain": self.pain(date.fromisoformat(about["date_of_birth"])),
            "conditions": self.conditions(),
            "pregnancy": self.pregnancy(about),
            "medications": self.medications(),
            "allergies": self.allergies(),
            "red_flags": self.red_flags(),
            "consent": {
                "typed_name": name,
                "agree": True,
                "version": self.consent.version,
                "signed_at": signed_at.isoformat(),
            },
        }
        answers = {identifier: full[identifier] for identifier in FORM_STEP_IDS[:steps_done]}
        completed = list(answers)
        if "about" in answers and full["pregnancy"].get("automatic"):
            # As the wizard does when "About you" is saved: a male patient's pregnancy
            # answer is filled in automatically and is not a step of its own.
            answers["pregnancy"] = full["pregnancy"]
            completed = [s for s in completed if s != "pregnancy"]
        return answers, completed

    # Intakes

    def plan(self) -> Planned:
        rng = self.rng
        self.number += 1
        number = self.number
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        practitioner = rng.choice(self.practitioners)
        email = f"{name.lower().replace(' ', '.').replace(chr(39), '')}.{number}@{EMAIL_DOMAIN}"

        # Invited and in-progress intakes mostly look ahead; finished ones spread both ways.
        if status == Intake.Status.INVITED:
            # First visits in the coming two weeks, as a clinic books them.
            appointment = self.now + timedelta(hours=rng.randint(24, 14 * 24))
        elif status == Intake.Status.IN_PROGRESS:
            appointment = self.now + timedelta(hours=rng.randint(-5 * 24, 45 * 24))
        else:
            appointment = self.now + timedelta(hours=rng.randint(-120 * 24, 40 * 24))
        invited = status == Intake.Status.INVITED or rng.random() < 0.7
        if not invited and rng.random() < 0.5:
            appointment = None  # self-registered from the guide, nothing booked yet
        anchor = appointment or self.now
        created = min(self.now, anchor - timedelta(hours=rng.randint(48, 30 * 24)))

        invitation = None
        if invited and appointment is not None:
            invitation = Invitation(
                patient_name=name,
                email=email,
                appointment_at=appointment,
                practitioner=practitioner,
                created_by=practitioner,
                created_at=created,
                # As booked from the appointments board: the link expires with the visit.
                expires_at=appointment,
                used_at=None if status == Intake.Status.INVITED else created + timedelta(hours=3),
                nonce_hash=hashlib.sha256(rng.randbytes(24)).hexdigest(),
            )

        user = None
        if status != Intake.Status.INVITED:
            user = User(
                email=email,
                full_name=name,
                password=self.password_hash,
                date_joined=created,
            )

        if status == Intake.Status.INVITED:
            steps_done = 0
        elif status == Intake.Status.IN_PROGRESS:
            steps_done = rng.randint(0, len(FORM_STEP_IDS) - 1)  # never signed yet
        else:
            steps_done = len(FORM_STEP_IDS)
        submitted = None
        if status in (Intake.Status.SUBMITTED, Intake.Status.REVIEWED):
            submitted = min(self.now, created + timedelta(hours=rng.randint(1, 72)))
        signed_at = submitted or created + timedelta(hours=1)
        answers, completed = self.answers(name, steps_done, signed_at)

        intake = Intake(
            practitioner=practitioner,
            status=status,
            appointment_at=appointment,
            answers=answers,
            completed_steps=completed,
            last_step=completed[-1] if completed else "",
            patient_name=name,
            peg_score=peg_score(answers["pain"]) if "pain" in answers else None,
            created_at=created,
            submitted_at=submitted,
            review_version=1 if status == Intake.Status.REVIEWED else 0,
        )
        planned = Planned(intake=intake, user=user, invitation=invitation)
        if "consent" in answers:
            planned.consent = ConsentSignature(
                consent_text=self.consent, typed_name=name, signed_at=signed_at
            )
        if submitted:
            # The real engine over the real export, as screening_run does on submission.
            result = screen(screening_input(intake))
            planned.ruleset = result["ruleset"]
            planned.flags = result["flags"]
            intake.flag_counts, intake.highest_severity = flag_summary(
                flag["severity"] for flag in result["flags"]
            )
            self.severity_counts[intake.highest_severity or "none"] += 1
        return planned

    def decision(self, highest: str) -> str:
        rng = self.rng
        if highest == "refer":
            return Review.Decision.REFER
        if highest == "contraindicated":
            return rng.choice(
                [Review.Decision.CLEARED_WITH_MODIFICATIONS] * 4 + [Review.Decision.NOT_SUITABLE]
            )
        if highest in ("defer", "caution"):
            return Review.Decision.CLEARED_WITH_MODIFICATIONS
        return Review.Decision.CLEARED

    def appointments(self, planned: list[Planned]) -> list[Appointment]:
        """A first visit for every invited intake (booked ahead, attended or a no-show
        behind), and for some reviewed patients a follow-up in the coming two weeks: the
        board then shows every status, and send_reminders has work to do."""
        rows = []
        for p in planned:
            if p.invitation is None:
                continue
            ahead = p.intake.appointment_at > self.now
            past_status = self.rng.choice(
                [Appointment.Status.ATTENDED] * 5 + [Appointment.Status.NO_SHOW]
            )
            rows.append(
                Appointment(
                    patient=p.user,
                    patient_name=p.invitation.patient_name,
                    email=p.invitation.email,
                    practitioner=p.intake.practitioner,
                    starts_at=p.intake.appointment_at,
                    kind=Appointment.Kind.FIRST_VISIT,
                    status=Appointment.Status.BOOKED if ahead else past_status,
                    invitation=p.invitation,
                    intake=p.intake,
                    created_at=p.invitation.created_at,
                )
            )
            if p.intake.status == Intake.Status.REVIEWED and self.rng.random() < 0.5:
                rows.append(
                    Appointment(
                        patient=p.user,
                        patient_name=p.invitation.patient_name,
                        email=p.invitation.email,
                        practitioner=p.intake.practitioner,
                        starts_at=self.now + timedelta(hours=self.rng.randint(24, 14 * 24)),
                        kind=Appointment.Kind.FOLLOW_UP,
                        created_at=self.now,
                    )
                )
        return rows

    def write(self, count: int) -> None:
        """Plan `count` intakes and write them and their rows in one transaction."""
        planned = [self.plan() for _ in range(count)]
        with transaction.atomic():
            users = [p.user for p in planned if p.user is not None]
            User.objects.bulk_create(users)
            User.groups.through.objects.bulk_create(
                User.groups.through(user_id=u.pk, group_id=self.patient_group.pk) for u in users
            )
            Invitation.objects.bulk_create(p.invitation for p in planned if p.invitation)
            for p in planned:
                p.intake.patient = p.user
                p.intake.invitation = p.invitation
            Intake.objects.bulk_create(p.intake for p in planned)
            Appointment.objects.bulk_create(self.appointments(planned))

            signatures = []
            for p in planned:
                if p.consent is not None:
                    p.consent.intake = p.intake
                    p.consent.signer = p.user
                    signatures.append(p.consent)
            ConsentSignature.objects.bulk_create(signatures)

            screened = [p for p in planned if p.ruleset]
            runs = ScreeningRun.objects.bulk_create(
                ScreeningRun(
                    intake=p.intake,
                    ruleset=p.ruleset,
                    created_at=p.intake.submitted_at,
                    is_current=True,
                )
                for p in screened
            )
            flags_by_run: dict[int, list[Flag]] = {}
            all_flags = []
            for p, run in zip(screened, runs, strict=True):
                rows = flag_rows(run, p.flags)
                flags_by_run[run.pk] = rows
                all_flags.extend(rows)
            Flag.objects.bulk_create(all_flags)

            reviewed = [
                (p, run)
                for p, run in zip(screened, runs, strict=True)
                if p.intake.status == Intake.Status.REVIEWED
            ]
            reviews = []
            for p, run in reviewed:
                reviewer = self.rng.choice(self.practitioners)
                decision = self.decision(p.intake.highest_severity)
                modifications = []
                if decision == Review.Decision.CLEARED_WITH_MODIFICATIONS:
                    modifications = [
                        {"code": "superficial_only", "text": "Superficial needling only"}
                    ]
                reviews.append(
                    Review(
                        intake=p.intake,
                        run=run,
                        version=1,
                        decision=decision,
                        modifications=modifications,
                        note=NOTES[decision],
                        reviewer=reviewer,
                        signed_name=reviewer.full_name or reviewer.email,
                        signed_at=min(self.now, p.intake.submitted_at + timedelta(days=1)),
                    )
                )
            Review.objects.bulk_create(reviews)
            Review.acknowledged_flags.through.objects.bulk_create(
                Review.acknowledged_flags.through(review_id=review.pk, flag_id=flag.pk)
                for review, (_p, run) in zip(reviews, reviewed, strict=True)
                for flag in flags_by_run[run.pk]
                if flag.needs_acknowledgement
            )


def demo_practitioner() -> User:
    """The demo practitioner from load_demo, or one made the same way."""
    user = User.objects.filter(email=DEMO_PRACTITIONER).first()
    if user is None:
        user = User.objects.create_user(
            DEMO_PRACTITIONER, DEMO_PASSWORD, full_name="Dr Lin Demo", is_staff=True
        )
        user.groups.add(Group.objects.get(name=roles.PRACTITIONER))
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
        )
    return user


class Command(BaseCommand):
    help = "Create realistic demo intakes in bulk (development and benchmark databases only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--intakes", type=int, default=12, help="How many (default 12)")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any intake already exists"
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeats")
        parser.add_argument(
            "--batch", type=int, default=2000, help="Intakes per transaction (default 2000)"
        )
        parser.add_argument(
            "--check-ins",
            type=int,
            default=0,
            help="Check-ins to spread over the patients with a submitted intake and no "
            "check-in yet, each before a follow-up visit (default 0)",
        )
        parser.add_argument(
            "--without-demo-patient",
            action="store_true",
            help="Leave the demo patient without an intake and check-ins (the benchmark "
            "seeds an exact number of intakes)",
        )

    def handle(
        self,
        *args,
        intakes: int,
        if_empty: bool,
        seed,
        batch: int,
        check_ins: int = 0,
        without_demo_patient: bool = False,
        **options,
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo is for development and benchmark databases only.")
        if intakes < 0 or check_ins < 0 or batch < 1:
            raise CommandError(
                "--intakes and --check-ins must be 0 or more and --batch at least 1."
            )
        if if_empty and Intake.objects.exists():
            self.stdout.write("Intakes already exist: nothing seeded.")
            return
        consent = ConsentText.current()
        if consent is None:
            raise CommandError("No consent text: run `manage.py migrate` first.")

        with transaction.atomic():
            practitioners = [demo_practitioner()]
        # Emails carry a running number above every intake id so far, so seeding twice
        # never makes the same address.
        first_number = Intake.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        seeder = Seeder(
            rng=random.Random(seed),
            practitioners=practitioners,
            consent=consent,
            # One Argon2 hash shared by every seeded patient: they can sign in with the demo
            # password, and seeding does not spend a CPU-second per user.
            password_hash=make_password(DEMO_PASSWORD),
            patient_group=Group.objects.get(name=roles.PATIENT),
            first_number=first_number,
        )
        started = time.monotonic()
        done = 0
        while done < intakes:
            size = min(batch, intakes - done)
            seeder.write(size)
            done += size
            if intakes > batch:
                rate = done / max(time.monotonic() - started, 1e-9)
                self.stdout.write(f"  {done:>9,} / {intakes:,} intakes ({rate:,.0f}/s)")
        elapsed = time.monotonic() - started
        mix = ", ".join(f"{k} {v}" for k, v in sorted(seeder.severity_counts.items()))
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {done:,} intakes in {elapsed:.1f}s")
            + (f" (highest severity of screened intakes: {mix})" if mix else "")
        )
        if check_ins:
            started = time.monotonic()
            made, patients = seed_check_ins(
                total=check_ins,
                # Its own stream, so the intakes are the same with and without check-ins.
                rng=random.Random(None if seed is None else f"{seed}-check-ins"),
                medications=MEDICATIONS,
                progress=self.stdout.write,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {made:,} check-ins for {patients:,} patients in "
                    f"{time.monotonic() - started:.1f}s"
                )
            )
        # The demo patient's own course (an intake and two check-ins), once.
        if not without_demo_patient and seed_demo_patient(practitioner=practitioners[0]):
            self.stdout.write("The demo patient has an intake and two check-ins.")
