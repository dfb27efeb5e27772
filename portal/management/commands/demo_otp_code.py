"""Print the current TOTP code of the demo staff device (development only)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from portal.management.commands.load_demo import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Show the current second-factor code for the demo practitioner and admin."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_otp_code is for development only.")
        code = totp(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, t0=0, digits=6, drift=0)
        remaining = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}  (valid for about {remaining} more seconds)")
