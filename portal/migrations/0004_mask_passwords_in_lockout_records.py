"""Mask passwords that django-axes kept in clear in its failed-attempt records.

Until AXES_SENSITIVE_PARAMETERS named them, a failed check on a password page stored the
posted password1/password2 as typed (portal.settings says when that happens). Rows written
since are masked by axes itself; this masks the ones written before.
"""

from __future__ import annotations

from django.db import migrations

MASK = "********************"  # what axes writes for a masked field
FIELDS = ("password1", "password2", "old_password", "new_password1", "new_password2", "token")


def masked(post_data: str) -> str:
    lines = []
    for line in post_data.split("\n"):
        key, sep, _value = line.partition("=")
        lines.append(f"{key}={MASK}" if sep and key in FIELDS else line)
    return "\n".join(lines)


def mask_stored_passwords(apps, schema_editor) -> None:
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    for attempt in AccessAttempt.objects.exclude(post_data="").iterator():
        cleaned = masked(attempt.post_data)
        if cleaned != attempt.post_data:
            AccessAttempt.objects.filter(pk=attempt.pk).update(post_data=cleaned)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_user_session_generation"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(mask_stored_passwords, migrations.RunPython.noop)]
