"""Demo accounts for trying the portal locally: one patient, one practitioner, one admin.

Refuses to run in production mode. Staff get a TOTP device with a fixed, published key so
that the README can tell a visitor how to pass the second factor."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import roles
from portal.models import User

# Published in the README on purpose: demo databases only (the command refuses production).
DEMO_PASSWORD = "demo-pass-2026!"  # noqa: S105
# 20 bytes, shown to the visitor in base32; demo only.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_DEVICE_NAME = "Demo authenticator"

DEMO_USERS = [
    ("patient@demo.clinic", "Pat Demo", roles.PATIENT, False),
    ("practitioner@demo.clinic", "Dr Lin Demo", roles.PRACTITIONER, True),
    ("admin@demo.clinic", "Ada Demo", roles.ADMIN, True),
]


class Command(BaseCommand):
    help = (
        "Create the demo patient, practitioner and admin accounts, or put them back as "
        "documented (development only)."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("load_demo is for development databases only.")
        with transaction.atomic():
            for email, name, role, staff in DEMO_USERS:
                self.reset_user(email=email, name=name, role=role, staff=staff)
        key = b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for email, name, role, _staff in DEMO_USERS:
            # A review is signed by typing the account's full name, so it is shown here.
            signs = f"  signs reviews as: {name}" if role == roles.PRACTITIONER else ""
            self.stdout.write(f"  {role:<13} {email:<26} {name}{signs}")
        self.stdout.write(
            f"Staff second factor: add the key {key} to an authenticator app, "
            "or run `make otp` for the current code."
        )

    @staticmethod
    def reset_user(*, email: str, name: str, role: str, staff: bool) -> None:
        """Make one demo account match the README whatever happened to it since: the
        printed password, one role, an active account and, for staff, the published key.
        Someone trying the demo may have changed any of these."""
        user, _ = User.objects.get_or_create(email=email)
        user.full_name = name
        user.is_staff = staff
        user.is_superuser = False
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        if staff:
            # Back to the published key and confirmed; any device enrolled since is left
            # alone, as a code from either passes the second factor.
            TOTPDevice.objects.update_or_create(
                user=user,
                name=DEMO_DEVICE_NAME,
                defaults={
                    "key": DEMO_TOTP_KEY_HEX,
                    "confirmed": True,
                    "throttling_failure_count": 0,
                    "throttling_failure_timestamp": None,
                },
            )
