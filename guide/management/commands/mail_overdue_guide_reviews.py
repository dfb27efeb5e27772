"""Mail every admin the guide pages past their review-by date. Run monthly from cron:

0 8 1 * *  cd /srv/portal && .venv/bin/python manage.py mail_overdue_guide_reviews
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from guide.reviews import mail_overdue


class Command(BaseCommand):
    help = "Email the admins the guide pages that are due a clinical review."

    def handle(self, *args, **options) -> None:
        count = mail_overdue()
        self.stdout.write(f"{count} overdue guide page(s) mailed to the admins.")
