"""Each flag keeps the rationale and sources of the ruleset that raised it.

Existing flags get null (not the current wording): nobody knows what their ruleset said, and
the practitioner's page falls back to the current ruleset's text only for them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_perf_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="flag",
            name="rationale",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="flag",
            name="sources",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
