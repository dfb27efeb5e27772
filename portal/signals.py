"""Receivers for sign-in events: the audit trail (docs/security.md S14), the session's login
time and second-factor flag (S4, S7), and the lockout counter (S6)."""

from __future__ import annotations

import time

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import audit
from portal.auth import client_ip
from portal.middleware import LOGIN_AT_KEY, OTP_ENROLLED_KEY, has_confirmed_device
from portal.models import AuditEvent


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit.record(request, AuditEvent.Action.LOGIN, actor=user)


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[LOGIN_AT_KEY] = time.time()
    request.session[OTP_ENROLLED_KEY] = has_confirmed_device(user)


@receiver(user_logged_in)
def forget_own_failed_attempts(sender, request, user, **kwargs) -> None:
    """A successful login clears the failures of this account from this address, and no
    others. Axes' own AXES_RESET_ON_SUCCESS would also clear every failure from the
    address (the lockout counts per account and per address), so an attacker could reset
    the count on a victim's account by signing in to their own account in between."""
    ip_address = client_ip(request) if request is not None else None
    if ip_address is None:
        return
    reset_axes_attempts(ip=ip_address, username=user.get_username())


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(request, AuditEvent.Action.LOGOUT, actor=user)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs) -> None:
    # The typed email is not stored: a failed attempt may carry a mistyped password in it.
    audit.record(request, AuditEvent.Action.LOGIN_FAILED, actor=None)
