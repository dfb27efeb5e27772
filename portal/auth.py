"""Small authentication helpers shared by settings, middleware and views."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.db.models import F
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


def end_other_sessions(request: HttpRequest) -> None:
    """Sign the signed-in account out of every session but this one (portal.models.User's
    session generation), keeping this one signed in and verified. Used when a patient
    enrols a second factor: a session opened elsewhere without it must not carry on."""
    user = request.user
    get_user_model().objects.filter(pk=user.pk).update(
        session_generation=F("session_generation") + 1
    )
    user.refresh_from_db(fields=["session_generation"])
    update_session_auth_hash(request, user)
