from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from portal import roles
from portal.middleware import idle_limit_seconds


def portal(request: HttpRequest) -> dict:
    user = request.user
    timeout = None
    if user.is_authenticated:
        timeout = int(idle_limit_seconds(user))
    return {
        "PRACTICE_NAME": settings.PRACTICE_NAME,
        "CLINIC_LOGO": settings.CLINIC_LOGO,
        "SELF_REGISTRATION": settings.SELF_REGISTRATION,
        "user_is_patient": roles.is_patient(user),
        "user_is_practitioner": roles.is_practitioner(user),
        "user_is_admin": roles.is_admin(user),
        "idle_timeout_seconds": timeout,
        "idle_warning_seconds": int(settings.IDLE_WARNING_BEFORE.total_seconds()),
    }
