"""Small authentication helpers shared by settings, middleware and views."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. Headers such as X-Forwarded-For are ignored on purpose: a client
    could forge them to dodge the login lockout."""
    return request.META.get("REMOTE_ADDR") or None
