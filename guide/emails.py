"""Guide emails, written by the queue's worker when it delivers them (outbox.kinds). They name
guide pages and link to the admin; nothing in them is about a patient."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from guide.models import Page
from outbox.kinds import Message
from outbox.models import Email


def overdue_reviews(email: Email) -> Message | None:
    today = datetime.date.fromisoformat(email.params["today"])
    # Pages reviewed since the mail was queued are left out; none left, no mail.
    pages = [page for page in Page.objects.overdue(today) if page.pk in email.params["pages"]]
    if not pages:
        return None
    links = [
        (page, settings.SITE_URL + reverse("admin:guide_page_change", args=[page.pk]))
        for page in pages
    ]
    count = len(pages)
    return Message(
        subject=f"{count} guide page{'s are' if count != 1 else ' is'} due a clinical review",
        body=render_to_string("guide/overdue_email.txt", {"links": links, "today": today}),
    )
