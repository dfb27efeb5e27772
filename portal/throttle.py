"""How many emails anonymous visitors can have the portal send (docs/security.md S26).

Password reset and registration send mail to whatever address is typed in, to anyone who
asks. Each is allowed a few an hour per address (so nobody's inbox can be flooded) and per
client address (so nobody can send to a list of addresses). The page says the same thing
whether the mail went or not, so the limit tells nobody whether an address has an account.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal.auth import client_ip
from portal.models import MailAllowance


def _key(kind: str, value: str) -> str:
    return salted_hmac(f"portal.throttle.{kind}", value, algorithm="sha256").hexdigest()


def may_send_mail(request: HttpRequest, email: str) -> bool:
    """Whether a mail to `email`, asked for by this request's client, is within both hourly
    allowances; if it is, it is counted. A refused request is not counted, so the window
    slides: an hour after the first mails, new ones may go again."""
    now = timezone.now()
    since = now - settings.EMAIL_THROTTLE_WINDOW
    MailAllowance.objects.filter(at__lt=since).delete()
    limits = {
        _key("address", email.strip().lower()): settings.EMAIL_THROTTLE_PER_ADDRESS,
        _key("client", client_ip(request) or ""): settings.EMAIL_THROTTLE_PER_CLIENT,
    }
    used = dict(
        MailAllowance.objects.filter(key__in=limits, at__gte=since)
        .values("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )
    if any(used.get(key, 0) >= limit for key, limit in limits.items()):
        return False
    MailAllowance.objects.bulk_create([MailAllowance(key=key, at=now) for key in limits])
    return True
