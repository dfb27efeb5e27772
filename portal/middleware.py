"""Session and response policies that apply to every page."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal import audit, stash
from portal.models import AuditEvent

LAST_SEEN_KEY = "_last_seen"
# The last-seen time is rewritten at most this often (seconds). Writing it on every request
# would save the session row on every page view, the largest fixed cost of a signed-in
# request; the price is that a logoff may come up to this much early, never late.
LAST_SEEN_RESOLUTION = 60


def idle_limit_seconds(user) -> float:
    limit = settings.IDLE_TIMEOUT_STAFF if user.is_staff else settings.IDLE_TIMEOUT_PATIENT
    return limit.total_seconds()


class IdleLogoutMiddleware:
    """Automatic logoff after inactivity (SECURITY.md S4): 15 minutes for staff, 30 for
    patients. A POST that arrives after the limit on an answer-collecting page is parked,
    not dropped, and comes back after the patient signs in again."""

    # The status poll must not count as activity, or the warning would never fire.
    passive_url_names = {"session_status"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        now = time.time()
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - last_seen > idle_limit_seconds(user):
            user_id = user.pk
            audit.record(request, AuditEvent.Action.IDLE_LOGOUT, actor=user)
            logout(request)
            if request.method == "POST" and stash.view_keeps_answers(view_func):
                stash.park(request, user_id)
            messages.info(
                request,
                "You were signed out after a period of inactivity. Sign in again to carry on; "
                "your answers have been kept.",
            )
            return redirect_to_login(request.get_full_path())
        match = request.resolver_match
        passive = match is not None and match.url_name in self.passive_url_names
        if not passive and (last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION):
            request.session[LAST_SEEN_KEY] = now
        return None


class StaffSecondFactorMiddleware:
    """Practitioners and admins reach nothing but the second-factor pages until they have
    verified a TOTP device in this session (SECURITY.md S7)."""

    allowed_url_names = {"otp_setup", "otp_verify", "logout", "session_status", "keepalive"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_staff) or user.is_verified():
            return None
        match = request.resolver_match
        if match and match.url_name in self.allowed_url_names:
            return None
        from django_otp.plugins.otp_totp.models import TOTPDevice

        has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        target = reverse("otp_verify" if has_device else "otp_setup")
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)


class NoStoreMiddleware:
    """Pages shown to a signed-in user may hold health data: browsers and proxies must not
    keep them (SECURITY.md S11)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class AuditDeniedMiddleware:
    """Every refusal of a signed-in user (a 403 from a role check, the admin site, a staff
    account on a patient's link) goes to the audit trail (SECURITY.md S14). A 404 for
    another patient's intake is recorded where it is decided (intake.patient_views).
    Only the path and the account are kept, as for every audit entry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code == 403 and user is not None and user.is_authenticated:
            audit.record(request, AuditEvent.Action.DENIED, actor=user)
        return response
