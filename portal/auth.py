"""Small authentication helpers shared by settings, middleware and views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. Headers such as X-Forwarded-For are ignored on purpose: a client
    could forge them to dodge the login lockout."""
    return request.META.get("REMOTE_ADDR") or None


def login_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """The account a login attempt is counted against, normalised as the login itself
    normalises it (portal.models.UserManager.get_by_natural_key). Otherwise each spelling
    of one address ("Pat@…", "PAT@…", " pat@…") would get its own five tries."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    value = source.get(field)
    return value.strip().lower() if isinstance(value, str) else value
