"""`make backup` and `make restore` against the real PostgreSQL (docs/security.md S20): a backup
restored into a scratch database has the same rows as the original, in every table."""

from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from intake.models import Intake
from intake.services import invitation_create
from portal.models import AuditEvent
from tests.helpers import VALID, review_data, sign_in, submitted_intake

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres
# Tables that must have rows for the comparison to mean something: a reviewed intake
# touches each of them.
SEEDED = [
    "portal_user",
    "portal_auditevent",
    "intake_invitation",
    "intake_intake",
    "intake_consenttext",
    "intake_consentsignature",
    "intake_screeningrun",
    "intake_flag",
    "intake_review",
    "guide_page",
    "guide_pagerevision",
    "auth_group_permissions",
    "django_session",
    "otp_totp_totpdevice",
]


def url_for(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def row_counts(dbname: str) -> dict[str, int]:
    """The number of rows in every table of the database's public schema."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url_for(dbname), autocommit=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


@pytest.fixture
def scratch_database():
    import psycopg

    name = f"portal_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_backup_with_the_same_row_counts(
    practitioner, patient, scratch_database, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("backups are pg_dump/pg_restore: PostgreSQL only")
    from django.utils import timezone

    # A reviewed intake: invitation, account, answers, consent signature, screening run
    # with flags, the practitioner's review, and the audit trail of all of it.
    intake = submitted_intake(Client(), practitioner, VALID, "restore@example.com")
    staff = sign_in(Client(), practitioner)
    response = staff.post(reverse("intake:review", args=[intake.pk]), review_data(intake))
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.status == Intake.Status.REVIEWED
    for n in range(3):
        invitation_create(
            patient_name=f"Restore Test {n}",
            email=f"restore{n}@example.com",
            appointment_at=timezone.now() + timedelta(days=n + 1),
            practitioner=practitioner,
            created_by=practitioner,
        )
    AuditEvent.objects.create(action=AuditEvent.Action.VIEW, actor=practitioner)
    source = connection.settings_dict["NAME"]
    backup_file = tmp_path / "portal.dump"

    backup = make("backup", f"DATABASE_URL={url_for(source)}", f"BACKUP_FILE={backup_file}")
    assert backup.returncode == 0, backup.stderr
    assert backup_file.stat().st_size > 0

    restore = make(
        "restore", f"RESTORE_URL={url_for(scratch_database)}", f"BACKUP_FILE={backup_file}"
    )
    assert restore.returncode == 0, restore.stderr

    original = row_counts(source)
    empty = [table for table in SEEDED if not original.get(table)]
    assert not empty, f"seeding left these tables empty: {empty}"
    assert original["intake_invitation"] == 4
    assert len(original) > len(SEEDED)
    assert row_counts(scratch_database) == original


def test_it_refuses_to_back_up_without_a_database_url(tmp_path):
    result = make("backup", "DATABASE_URL=", f"BACKUP_FILE={tmp_path / 'x.dump'}")
    assert result.returncode != 0
    assert "Set DATABASE_URL" in result.stdout + result.stderr
