"""Publish the guide versions whose scheduled time has come.

Not needed for correctness (the first guide request after the time does it), but a clinic
may run it from cron every few minutes so the change is made even when nobody visits.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from guide import cache, publishing


class Command(BaseCommand):
    help = "Publish scheduled guide versions whose time has come."

    def handle(self, *args, **options) -> None:
        done = publishing.apply_due()
        cache.invalidate()
        self.stdout.write(f"Published {done} scheduled guide version(s).")
