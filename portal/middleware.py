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
# When the user signed in (set by portal.signals at every login). The session row's own
# expiry cannot serve as the absolute limit: Django pushes it forward on every save.
LOGIN_AT_KEY = "_login_at"
# The last-seen time is rewritten at most this often (seconds). Writing it on every request
# would save the session row on every page view, the largest fixed cost of a signed-in
# request; the price is that a logoff may come up to this much early, never late.
LAST_SEEN_RESOLUTION = 60


def idle_limit_seconds(user) -> float:
    limit = settings.IDLE_TIMEOUT_STAFF if user.is_staff else settings.IDLE_TIMEOUT_PATIENT
    return limit.total_seconds()


def seconds_left(request: HttpRequest, now: float | None = None) -> float:
    """Time before this session is signed out: by the idle limit or by the absolute limit,
    whichever comes first."""
    now = time.time() if now is None else now
    last_seen = request.session.get(LAST_SEEN_KEY, now)
    login_at = request.session.get(LOGIN_AT_KEY, now)
    idle_left = idle_limit_seconds(request.user) - (now - last_seen)
    absolute_left = settings.SESSION_ABSOLUTE_LIMIT.total_seconds() - (now - login_at)
    return min(idle_left, absolute_left)


def limit_passed(request: HttpRequest, now: float) -> tuple[str, str] | None:
    """Why this signed-in session must end now, as the audit action and what to tell the
    user, or None while it may go on."""
    login_at = request.session.get(LOGIN_AT_KEY, now)
    if now - login_at > settings.SESSION_ABSOLUTE_LIMIT.total_seconds():
        return (
            AuditEvent.Action.SESSION_EXPIRED,
            "For your security, sessions end after "
            f"{settings.SESSION_ABSOLUTE_LIMIT.total_seconds() / 3600:g} hours. Sign in "
            "again to carry on; your answers have been kept.",
        )
    last_seen = request.session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > idle_limit_seconds(request.user):
        return (
            AuditEvent.Action.IDLE_LOGOUT,
            "You were signed out after a period of inactivity. Sign in again to carry on; "
            "your answers have been kept.",
        )
    return None


def sign_out(request: HttpRequest, action: str, message: str, *, park: bool) -> HttpResponse:
    """End the session, parking the posted answers for after the next sign-in if `park`,
    and send the user to sign in again."""
    user = request.user
    user_id = user.pk
    audit.record(request, action, actor=user)
    # Answers parked earlier in this session must outlive logout() too: csrf_failure parks
    # a stale post and redirects, and a limit can pass before that reload arrives.
    # Only this user's: a park left by another account is dropped, never kept longer.
    kept = stash.parked_for(request, user_id)
    logout(request)
    if park:
        stash.park(request, user_id)
    elif kept is not None:
        stash.put_back(request, kept)
    messages.info(request, message)
    return redirect_to_login(request.get_full_path())


class IdleLogoutMiddleware:
    """Automatic logoff (docs/security.md S4): after inactivity (15 minutes for staff, 30 for
    patients) and, whatever the activity, SESSION_ABSOLUTE_LIMIT after signing in. A POST
    that arrives after either limit on an answer-collecting page is parked, not dropped,
    and comes back after the patient signs in again."""

    # The status poll must not count as activity, or the warning would never fire. Nor
    # does it end a session past its limit: it only reports that time is up. The page then
    # sends its answers (idle-warning.js), and it is that request that ends the session
    # and parks them; had the poll ended it first, they would arrive anonymous and be lost.
    passive_url_names = {"session_status"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        now = time.time()
        if request.session.get(LOGIN_AT_KEY) is None:
            # A session from before the login time was recorded: its limit starts now.
            request.session[LOGIN_AT_KEY] = now
        match = request.resolver_match
        if match is not None and match.url_name in self.passive_url_names:
            return None
        ended = limit_passed(request, now)
        if ended is not None:
            keeps = request.method == "POST" and stash.view_keeps_answers(view_func)
            return sign_out(request, *ended, park=keeps)
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN_KEY] = now
        return None


# Whether the signed-in user had a confirmed TOTP device at login (set by portal.signals),
# so that patients without one, nearly all of them, cost no query per request.
OTP_ENROLLED_KEY = "_otp_enrolled"


def has_confirmed_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class SecondFactorMiddleware:
    """Nothing but the second-factor pages until a TOTP device is verified in this session
    (docs/security.md S7): always for practitioners and admins, and for any patient who chose to
    enrol a device, since a second factor that is never asked for protects nothing."""

    allowed_url_names = {"otp_setup", "otp_verify", "logout", "session_status", "keepalive"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not user.is_staff and not request.session.get(OTP_ENROLLED_KEY):
            return None
        match = request.resolver_match
        if match and match.url_name in self.allowed_url_names:
            return None
        has_device = has_confirmed_device(user)
        if not user.is_staff and not has_device:
            # The patient's device was removed (by the clinic) since they signed in.
            request.session[OTP_ENROLLED_KEY] = False
            return None
        target = reverse("otp_verify" if has_device else "otp_setup")
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)


class NoStoreMiddleware:
    """Pages shown to a signed-in user may hold health data: browsers and proxies must not
    keep them (docs/security.md S11)."""

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
    account on a patient's link) goes to the audit trail (docs/security.md S14). A 404 for
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
