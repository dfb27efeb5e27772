"""Audit receivers for sign-in events (SECURITY.md S14)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import audit
from portal.models import AuditEvent


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit.record(request, AuditEvent.Action.LOGIN, actor=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(request, AuditEvent.Action.LOGOUT, actor=user)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs) -> None:
    # The typed email is not stored: a failed attempt may carry a mistyped password in it.
    audit.record(request, AuditEvent.Action.LOGIN_FAILED, actor=None)
