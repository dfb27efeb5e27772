"""Pages that belong to the whole portal: home, sign-in with a second factor, session
keep-alive, and the friendly CSRF failure page."""

from __future__ import annotations

import math
import time
from base64 import b32encode
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit, notices, roles, stash
from portal.auth import end_other_sessions
from portal.forms import EmailAuthenticationForm, EnrolForm, PasswordChangeForm, TokenForm
from portal.middleware import (
    LAST_SEEN_KEY,
    OTP_ENROLLED_KEY,
    limit_passed,
    seconds_left,
    sign_out,
)
from portal.models import AuditEvent
from portal.signals import SECOND_FACTOR, login_completed


def safe_next(request: HttpRequest, fallback: str = "home") -> str:
    """The `next` parameter if it points inside the portal, else a safe default
    (docs/security.md S21)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers, and the benchmark's baseline: Django with no database work."""
    return HttpResponse("ok", content_type="text/plain")


def start_page(user) -> str:
    """Where each role begins: the intake list for practitioners (also when they are
    admins), the admin's index for admins, a patient's own intake for patients."""
    if roles.is_practitioner(user):
        return reverse("intake:dashboard")
    if roles.is_admin(user):
        return reverse("admin:index")
    if roles.is_patient(user):
        return reverse("intake:my_intake")
    return reverse("home")


def home(request: HttpRequest) -> HttpResponse:
    # Staff have no use for the patients' welcome page: it offers to start an intake.
    if request.user.is_authenticated and request.user.is_staff:
        target = start_page(request.user)
        if target != reverse("home"):
            return redirect(target)
    return render(request, "portal/home.html")


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Signing in without a page to return to (the "Log in" link) leads to the role's
        start page rather than back to the welcome page."""
        return start_page(self.request.user)


def throttle_wait(refusal: dict | None) -> int:
    """Whole seconds until a throttled device checks codes again (at least 1). After each
    wrong code django-otp refuses to check any code, right or wrong, for 1, 2, 4, 8 …
    seconds; a refusal without a time is treated as a one-second wait."""
    until = (refusal or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def wait_message(seconds: int) -> str:
    return (
        "That code was not checked: after a wrong code there is a short wait before the "
        f"next one. Wait {seconds} second{'s' if seconds != 1 else ''}, then enter the "
        "code your app shows."
    )


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the key as a QR code and as text, confirm with one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator", confirmed=False)
    form = EnrolForm(request.POST or None, request=request)
    allowed, refusal = device.verify_is_allowed()
    if request.method == "POST" and form.is_valid() and not allowed:
        form.add_error("token", wait_message(throttle_wait(refusal)))
    elif request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            # From now on this account is asked for a code at every sign-in, patients too,
            # and sessions opened elsewhere without the code end now rather than carry on.
            request.session[OTP_ENROLLED_KEY] = True
            end_other_sessions(request)
            audit.record(request, AuditEvent.Action.OTP_ADDED, request.user)
            login_completed(request, request.user)
            notices.tell_owner(request.user, "An authenticator app was added to your account")
            messages.success(request, "Two-step sign-in is set up.")
            return redirect(safe_next(request))
        form.add_error(
            "token", "That code did not match. Check the time on your phone and try again."
        )
    elif request.method == "POST" and _locked_out(request):
        return redirect("login")  # replaced by the lockout page (axes' middleware)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret_b32": b32encode(device.bin_key).decode(),
            "next": safe_next(request),
        },
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waits = []
        for device in devices:
            allowed, refusal = device.verify_is_allowed()
            if not allowed:
                waits.append(throttle_wait(refusal))
            elif device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                login_completed(request, request.user)
                return redirect(safe_next(request))
        # A wrong code is a failed sign-in like a wrong password (S25): on the trail, and
        # counted by axes, which locks the account after the same number of failures.
        audit.record(request, AuditEvent.Action.OTP_FAILED, actor=request.user)
        user_login_failed.send(
            sender=SECOND_FACTOR,
            credentials={"username": request.user.get_username()},
            request=request,
        )
        if _locked_out(request):
            return redirect("login")  # replaced by the lockout page (axes' middleware)
        if len(waits) == len(devices):
            form.add_error("token", wait_message(min(waits)))
        else:
            form.add_error("token", "That code did not match. Wait for a new code and try again.")
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": safe_next(request)}
    )


def _locked_out(request: HttpRequest) -> bool:
    """Whether axes has just locked this account out; if so, the session (signed in with
    the password, perhaps stolen) ends too, so it cannot wait out the lock."""
    if not getattr(request, "axes_locked_out", False):
        return False
    logout(request)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """A new password, given the current one (ASVS V6.2.2, S23). Every other session of the
    account ends; this one carries on."""
    form = PasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            end_other_sessions(request)
            audit.record(request, AuditEvent.Action.PASSWORD_CHANGED, request.user)
            notices.tell_owner(request.user, "The password of your account was changed")
            messages.success(
                request, "Your password is changed. Any other device signed in has been signed out."
            )
            return redirect("home")
        if _locked_out(request):
            return redirect("login")  # replaced by the lockout page (axes' middleware)
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """'Stay signed in' from the idle warning: the request itself counts as activity. Near
    the absolute limit, the time left stays short: that limit cannot be extended.

    The middleware notes activity at most once a minute; an explicit "stay" is always
    noted, so the full idle time is back however recently the last note was made."""
    request.session[LAST_SEEN_KEY] = time.time()
    return JsonResponse({"remaining": max(0, round(seconds_left(request)))})


@require_GET
def session_status(request: HttpRequest) -> HttpResponse:
    """Seconds left before the automatic logoff (idle or absolute, whichever is sooner);
    polled by the warning script, neither counted as activity nor ending the session (see
    IdleLogoutMiddleware)."""
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0})
    return JsonResponse({"remaining": max(0, round(seconds_left(request)))})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form (say, a page left open overnight) must not lose what was typed
    (docs/security.md S19).

    For a signed-in patient on an answer-collecting page, the posted answers are parked and
    the page reloads with them filled in, to be checked and sent again with a fresh token.
    If the session is past its idle or absolute limit as well, it ends here, the answers
    parked for after signing in again. Only same-origin posts are parked, so another site
    cannot plant answers."""
    if not request.user.is_authenticated:
        return render(request, "403_csrf.html", status=403)
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    keeps = match is not None and stash.view_keeps_answers(match.func) and _same_origin(request)
    # The CSRF check comes before IdleLogoutMiddleware sees the request, so its limits are
    # applied here. Otherwise the answers would be parked in a session that the reload
    # then ends, and the patient told they are on the page below while looking at the
    # login page.
    ended = limit_passed(request, time.time())
    if ended is not None:
        return sign_out(request, *ended, park=keeps)
    if keeps:
        stash.park(request, request.user.pk)
        messages.warning(
            request,
            "Your page had been open for a long time, so we could not save it yet. Your "
            "answers are below: check them and press the button again.",
        )
        return redirect(request.get_full_path())
    return render(request, "403_csrf.html", status=403)


def _same_origin(request: HttpRequest) -> bool:
    """Whether a post says it comes from a page of this site: its Origin header, or, from
    a browser that leaves Origin out, its Referer. A post naming neither proves nothing,
    so it counts as foreign."""
    here = f"{request.scheme}://{request.get_host()}"
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin == here
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" == here


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A friendly 400 page (docs/security.md S15), for example for a post with more fields
    than any page has.

    Rendered without the request: the failure may come before the session and the user are
    attached to it, and nothing from the request belongs on this page anyway."""
    body = render_to_string("400.html", {"PRACTICE_NAME": settings.PRACTICE_NAME})
    return HttpResponseBadRequest(body)
