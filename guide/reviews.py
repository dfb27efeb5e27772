"""Which guide pages are due a clinical review, for the admin's landing page and the
monthly reminder to admins (manage.py mail_overdue_guide_reviews, run by cron)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from guide.models import Page, PageRevision
from outbox.services import email_enqueue
from portal import roles


def overdue_pages(today: datetime.date | None = None) -> list[Page]:
    return list(Page.objects.overdue(today).only("title", "slug", "review_by", "last_reviewed"))


def waiting_for_review() -> list[PageRevision]:
    return [
        page.latest_revision()
        for page in Page.objects.filter(clinical=True, revisions__status="submitted").distinct()
        if page.latest_revision().status == PageRevision.Status.SUBMITTED
    ]


def scheduled() -> list[PageRevision]:
    return list(
        PageRevision.objects.filter(status=PageRevision.Status.SCHEDULED)
        .select_related("page")
        .order_by("go_live_at")
    )


def admin_recipients() -> list[str]:
    """The email addresses of every active admin (the admin group, and superusers)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    users = users.filter(Q(is_superuser=True) | Q(groups__name=roles.ADMIN)).distinct()
    return sorted({user.email for user in users if user.email})


def mail_overdue(today: datetime.date | None = None) -> int:
    """Queue a mail to the admins listing the overdue pages; returns how many were listed."""
    today = today or timezone.localdate()
    pages = overdue_pages(today)
    recipients = admin_recipients()
    if not pages or not recipients:
        return 0
    email_enqueue(
        kind="guide_overdue",
        to=recipients,
        params={"pages": [page.pk for page in pages], "today": today.isoformat()},
    )
    return len(pages)
