"""A trigram index for the dashboard's name search, on PostgreSQL only.

The search is `patient_name__icontains`, which Django writes as
`UPPER(patient_name::text) LIKE UPPER('%smith%')`: a leading wildcard, so no B-tree helps and
every search reads the whole table. A GIN index of trigrams over the same expression lets
PostgreSQL find the matching rows directly (see bench/README.md for the plans).

SQLite (the embedded default and half of CI) has neither pg_trgm nor GIN, and its tables are
small, so the index exists only in the database, not in the model state: the operation does
nothing on other databases, and `makemigrations --check` stays clean everywhere.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "intake_name_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON intake_intake "
        "USING gin (UPPER(patient_name::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_first_consent_text")]

    operations = [
        # CREATE EXTENSION IF NOT EXISTS pg_trgm; Django skips it on other databases.
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
