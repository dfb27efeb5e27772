"""Receivers for sign-in events: the audit trail (docs/security.md S14), the session's login
time and second-factor flag (S4, S7), and the lockout counter (S6, S25)."""

from __future__ import annotations

import time

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from portal import audit
from portal.auth import client_ip
from portal.middleware import LOGIN_AT_KEY, OTP_ENROLLED_KEY, has_confirmed_device
from portal.models import AuditEvent

# The sender of the failure signal for a wrong second-factor code (portal.views.otp_verify):
# axes counts it like a wrong password, and the trail already has its own entry for it.
SECOND_FACTOR = "portal.second_factor"


@receiver(user_logged_in)
def start_session(sender, request, user, **kwargs) -> None:
    """The password has passed. Without a second factor to ask for, the sign-in is
    complete; otherwise it is only when the code passes too (S25)."""
    enrolled = has_confirmed_device(user)
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = time.time()
        request.session[OTP_ENROLLED_KEY] = enrolled
    if user.is_staff or enrolled:
        audit.record(request, AuditEvent.Action.PASSWORD_OK, actor=user)
    else:
        login_completed(request, user)


def login_completed(request: HttpRequest | None, user) -> None:
    """Record the login and clear the failures of this account from this address, and no
    others. Axes' own AXES_RESET_ON_SUCCESS would also clear every failure from the
    address (the lockout counts per account and per address), so an attacker could reset
    the count on a victim's account by signing in to their own account in between. Nor
    may the password alone clear them, or signing in again between wrong codes would give
    unlimited tries at the second factor."""
    audit.record(request, AuditEvent.Action.LOGIN, actor=user)
    ip_address = client_ip(request) if request is not None else None
    if ip_address is not None:
        reset_axes_attempts(ip=ip_address, username=user.get_username())


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(request, AuditEvent.Action.LOGOUT, actor=user)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs) -> None:
    if sender == SECOND_FACTOR:
        return
    # The typed email is not stored: a failed attempt may carry a mistyped password in it.
    audit.record(request, AuditEvent.Action.LOGIN_FAILED, actor=None)
