"""The patient side: getting in (invitation, self-registration), the intake wizard, the
review page and the one-time submission.

Every intake is looked up with its owner (`own_intake`), so another patient's id is a 404.
Answer-collecting views are marked `keeps_answers`, so an idle logout or a stale CSRF token
parks what was posted and the next GET shows it again (portal.stash). Every POST redirects.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intake import forms, selectors, services, steps, trends, urgent_help
from intake.models import Intake, Invitation
from intake.summary import answer_sections
from portal import audit, roles, stash
from portal.forms import error_summary
from portal.models import AuditEvent, PendingRegistration, User
from portal.roles import patient_required
from portal.throttle import may_send_mail


def own_intake(request: HttpRequest, pk: int) -> Intake:
    intake = selectors.patient_intake(user=request.user, pk=pk)
    if intake is None:
        # Someone else's (or no) intake: a 404, so ids reveal nothing, but an attempt on
        # record all the same (docs/security.md S14). The id is a number, not health data.
        audit.record(request, AuditEvent.Action.DENIED, Intake(pk=pk))
        raise Http404
    return intake


# Getting in -----------------------------------------------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/patient/start.html")


# An invitation link is opened once, by GET. The invitation's id then waits in the
# (server-side) session and the link's token never appears again: not in a form action,
# a redirect, a Referer header or a log line written while signing in. Pages about a real
# (expired, used, someone else's) link answer 200, because Django logs the path of every
# 4xx response; only a forged link, which is no secret, gets a 404.
PENDING_INVITATION = "_pending_invitation"


def _invitation_problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(
        request, "intake/patient/invitation_problem.html", {"problem": problem}, status=status
    )


def _pending_invitation(request: HttpRequest) -> Invitation | None:
    pk = request.session.get(PENDING_INVITATION)
    if pk is None:
        return None
    return Invitation.objects.filter(pk=pk).first()


# Pages that show an invitation's or a registration's email address are never kept by a
# browser or a proxy, for anonymous visitors too (S27; NoStoreMiddleware covers only
# signed-in users).
@never_cache
@require_GET
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the invitation email. A new patient goes on to choose a password; a
    patient with an account logs in and then adds the intake to it."""
    invitation = Invitation.from_token(token)
    if invitation is None:
        return _invitation_problem(request, "unknown", 404)
    user = request.user
    if user.is_authenticated and not roles.is_patient(user):
        return _invitation_problem(request, "staff", 403)
    if invitation.is_used:
        intake = getattr(invitation, "intake", None)
        if user.is_authenticated and intake is not None and intake.patient_id == user.pk:
            return redirect("intake:my_intake")
        return _invitation_problem(request, "used", 200)
    if invitation.is_expired:
        return _invitation_problem(request, "expired", 200)
    if user.is_authenticated and user.email != invitation.email:
        return _invitation_problem(request, "wrong_account", 200)
    # For the practitioner's view of where the intake stands ("link opened").
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
        opened_at=timezone.now()
    )

    request.session[PENDING_INVITATION] = invitation.pk
    if user.is_authenticated:
        return redirect("intake:my_intake")
    if User.objects.filter(email=invitation.email).exists():
        messages.info(
            request,
            "You already have an account with us. Log in, and the new intake will be added to it.",
        )
        return redirect_to_login(reverse("intake:my_intake"))
    return redirect("intake:register")


PENDING_REGISTRATION = "_pending_registration"


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Choosing a password after an invitation link, or (if the clinic allows it)
    self-registration: name and email first, then a password from the link emailed to
    that address (intake.services.registration). The first step answers every address the
    same way, so it cannot be used to find out who has an account (docs/security.md S6)."""
    if request.user.is_authenticated:
        return redirect("intake:my_intake")
    invitation = _pending_invitation(request)
    if invitation is not None:
        return _register_invited(request, invitation)
    if not settings.SELF_REGISTRATION:
        raise Http404
    if request.method == "GET" and "confirm" in request.GET:
        return _open_registration_link(request, request.GET["confirm"])
    if PENDING_REGISTRATION in request.session:
        return _register_confirmed(request, request.session[PENDING_REGISTRATION])
    if request.method == "GET" and "sent" in request.GET:
        return render(request, "intake/patient/register_sent.html")
    form = forms.RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Over the hourly allowance nothing is sent, and the answer is the same (S26).
        if may_send_mail(request, form.cleaned_data["email"]):
            services.registration_start(
                full_name=form.cleaned_data["full_name"], email=form.cleaned_data["email"]
            )
        return redirect(f"{reverse('intake:register')}?sent=1")
    return render(request, "intake/patient/register.html", {"form": form})


def _open_registration_link(request: HttpRequest, token: str) -> HttpResponse:
    """Like an invitation link: opened once by GET, then the registration waits in the
    (server-side) session and the token is not repeated in any later URL or form."""
    pending = PendingRegistration.from_token(token)
    if pending is None:
        return _registration_link_problem(request)
    request.session[PENDING_REGISTRATION] = {"pk": pending.pk, "email": pending.email}
    return redirect("intake:register")


def _registration_link_problem(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING_REGISTRATION, None)
    messages.error(
        request,
        "That link has expired or has already been used. Log in if you have finished "
        "creating your account; if not, enter your details again and we will send a new link.",
    )
    return redirect("intake:register")


def _register_confirmed(request: HttpRequest, waiting: dict) -> HttpResponse:
    """Choosing the password, the second half of self-registration."""
    pending = PendingRegistration.objects.filter(pk=waiting["pk"]).first()
    if pending is None or pending.is_expired:
        password = request.POST.get("password1", "")
        if request.method == "POST" and password:
            # A double click: the first request made the account. The same password signs
            # this browser in too, through the normal (rate-limited) check.
            again = authenticate(request, username=waiting["email"], password=password)
            if again is not None:
                request.session.pop(PENDING_REGISTRATION, None)
                login(request, again)
                return redirect("intake:my_intake")
        return _registration_link_problem(request)
    form = forms.PasswordPairForm(
        request.POST if request.method == "POST" else None,
        email=pending.email,
        full_name=pending.full_name,
    )
    if request.method == "POST" and form.is_valid():
        made = services.registration_finish(
            pending_pk=pending.pk, password=form.cleaned_data["password1"]
        )
        if made is None:
            # The address got an account another way (an invitation) a moment ago.
            return _registration_link_problem(request)
        user, intake = made
        request.session.pop(PENDING_REGISTRATION, None)
        login(request, user, backend=settings.LOGIN_BACKEND)
        audit.record(request, AuditEvent.Action.CREATE, intake)
        messages.success(request, "Your account is ready. Let's start your intake.")
        return redirect(steps.first_incomplete(intake).url(intake))
    return render(
        request, "intake/patient/register_password.html", {"form": form, "pending": pending}
    )


def _register_invited(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    form = forms.PasswordPairForm(
        request.POST if request.method == "POST" else None,
        email=invitation.email,
        full_name=invitation.patient_name,
    )
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password1"]
        claim = services.invitation_claim(invitation_pk=invitation.pk, password=password)
        if claim.outcome == services.Claim.Outcome.USED:
            # A double click: the first request created the account. The same password
            # signs this browser in too, through the normal (rate-limited) check.
            again = authenticate(request, username=invitation.email, password=password)
            if again is not None:
                login(request, again)
                return redirect("intake:my_intake")
        return _after_claim(request, claim)
    if request.method == "GET" and (invitation.is_used or invitation.is_expired):
        request.session.pop(PENDING_INVITATION, None)
        return _invitation_problem(request, "used" if invitation.is_used else "expired", 200)
    return render(
        request,
        "intake/patient/invitation_password.html",
        {"form": form, "invitation": invitation},
    )


def _after_claim(request: HttpRequest, claim: services.Claim) -> HttpResponse:
    request.session.pop(PENDING_INVITATION, None)
    if claim.outcome != services.Claim.Outcome.OK:
        return _invitation_problem(request, claim.outcome, 200)
    if not request.user.is_authenticated:
        login(request, claim.user, backend=settings.LOGIN_BACKEND)
    audit.record(request, AuditEvent.Action.UPDATE, claim.intake)
    messages.success(request, "Welcome. Your intake is ready to fill in.")
    return redirect(steps.first_incomplete(claim.intake).url(claim.intake))


# The intake -----------------------------------------------------------------------------


@patient_required
@require_http_methods(["GET", "POST"])
def my_intake(request: HttpRequest) -> HttpResponse:
    """Where "My intake" leads: a waiting invitation to accept, else the first unfinished
    step of the intake or check-in due first, or the one last sent (selectors.patient_entry).
    A POST accepts the invitation or, for a patient with nothing yet, starts an intake."""
    invitation = _pending_invitation(request)
    if invitation is not None and (invitation.is_used or invitation.is_expired):
        request.session.pop(PENDING_INVITATION, None)
        invitation = None
    if request.method == "POST":
        if invitation is not None:
            claim = services.invitation_claim(invitation_pk=invitation.pk, user=request.user)
            return _after_claim(request, claim)
        if not settings.SELF_REGISTRATION:
            raise Http404
    if invitation is not None:
        return render(request, "intake/patient/invitation_confirm.html", {"invitation": invitation})
    intake = selectors.patient_entry(user=request.user, now=timezone.now())
    if intake is None and request.method == "POST":
        # "Start my intake" (self-registration). Offered only to a patient with nothing to
        # go to; a second press, or one from an old tab, leads where they already are.
        intake = services.intake_start(user=request.user)
    if intake is None:
        return render(request, "intake/patient/no_intake.html")
    if intake.is_locked:
        return redirect("intake:submitted", pk=intake.pk)
    return redirect(steps.first_incomplete(intake).url(intake))


def step_errors(form: forms.StepForm) -> list[tuple[str, str]]:
    """The step's errors for the summary at the top of the page, its medicine rows' too."""
    items = error_summary(form, whole_form="#step-fields")
    formset = getattr(form, "formset", None)
    if formset is not None and formset.is_bound:
        items.extend(("#medication-rows", str(e)) for e in formset.non_form_errors())
        for number, row in enumerate(formset.forms, start=1):
            prefix = f"Medicine {number}, "
            items += error_summary(row, whole_form="#medication-rows", prefix=prefix)
    return items


def render_step(
    request: HttpRequest,
    intake: Intake,
    step: steps.Step,
    form: forms.StepForm,
    *,
    from_review: bool,
) -> HttpResponse:
    previous = steps.prev_step(intake, step)
    context = {
        "intake": intake,
        "step": step,
        "form": form,
        "errors": step_errors(form) if form.is_bound else [],
        "progress": steps.progress(intake, step),
        "number": steps.number(intake, step),
        "total": steps.total(intake),
        "previous": previous,
        "from_review": from_review,
        **step.page_context(intake, form),
    }
    templates = [f"intake/patient/step_{step.identifier}.html", "intake/patient/step.html"]
    return render(request, templates, context)


SAVED = (
    "Your answers are saved, including anything not finished. You can log out and come back "
    "to finish at any time, on any device."
)


@stash.keeps_answers
@patient_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    intake = own_intake(request, pk)
    current = steps.get(intake, step)
    if current is None:
        raise Http404
    if intake.is_locked:
        return redirect("intake:submitted", pk=intake.pk)
    if current is steps.REVIEW:
        return redirect("intake:review_answers", pk=intake.pk)
    if not current.is_applicable(intake):
        return redirect(steps.next_step(intake, current).url(intake))
    if not steps.can_open(intake, current):
        messages.info(request, "Please finish this step first: steps go in order.")
        return redirect(steps.first_incomplete(intake).url(intake))
    from_review = request.GET.get("from") == "review" or request.POST.get("from_review") == "1"

    if request.method == "GET":
        data = stash.take(request) or selectors.draft_for(intake=intake, step=current)
        form = current.make_form(intake, data)
        if data is not None and data.get("action") == services.FINISH_LATER:
            # Left unfinished on purpose: shown as typed, and checked when the patient
            # moves on, not greeted with a list of what is missing.
            form = current.make_form(intake, None, form.as_typed())
        elif data is not None:
            form.is_valid()
        audit.record(request, AuditEvent.Action.VIEW, intake)
        return render_step(request, intake, current, form, from_review=from_review)

    action = request.POST.get("action", "next")
    form = current.make_form(intake, request.POST)
    initial = form.rows_changed(action)
    if initial is not None:
        # Adding or removing a row re-shows the page with what was typed; nothing is saved
        # until the patient moves on or presses Save.
        form = current.make_form(intake, None, initial)
        return render_step(request, intake, current, form, from_review=from_review)

    try:
        if form.is_valid():
            intake = services.intake_step_save(
                intake=intake, step=current, form=form, user=request.user
            )
            audit.record(request, AuditEvent.Action.UPDATE, intake)
            urgent_help.step_saved(request, intake, current.identifier)
            if action == services.FINISH_LATER:
                messages.success(request, SAVED)
                return redirect(current.url(intake))
            if action == "back":
                previous = steps.prev_step(intake, current)
                return redirect(previous.url(intake) if previous else current.url(intake))
            target = steps.REVIEW if from_review else steps.next_step(intake, current)
            if not steps.can_open(intake, target):
                target = steps.first_incomplete(intake)
            return redirect(target.url(intake))
        services.intake_draft_save(intake=intake, step=current, data=request.POST)
        urgent_help.step_saved(request, intake, current.identifier)
    except services.IntakeLocked:
        return redirect("intake:submitted", pk=intake.pk)

    if action == services.FINISH_LATER:
        # Everything typed is kept as it is; the questions still open are asked when the
        # patient carries on.
        messages.success(request, SAVED)
        return redirect(current.url(intake))

    if action == "back":
        previous = steps.prev_step(intake, current)
        if previous is not None:
            messages.info(
                request,
                f"What you typed on “{current.title}” is kept, but some answers need "
                "attention before that step is complete.",
            )
            return redirect(previous.url(intake))
    return render_step(request, intake, current, form, from_review=from_review)


@patient_required
@require_GET
def review_answers(request: HttpRequest, pk: int) -> HttpResponse:
    intake = own_intake(request, pk)
    if intake.is_locked:
        return redirect("intake:submitted", pk=intake.pk)
    first = steps.first_incomplete(intake)
    if first is not steps.REVIEW:
        messages.info(request, "Please finish this step first: steps go in order.")
        return redirect(first.url(intake))
    audit.record(request, AuditEvent.Action.VIEW, intake)
    return render(
        request,
        "intake/patient/review.html",
        {
            "intake": intake,
            "step": steps.REVIEW,
            "sections": answer_sections(intake),
            "progress": steps.progress(intake, steps.REVIEW),
            "number": steps.number(intake, steps.REVIEW),
            "total": steps.total(intake),
            "previous": steps.prev_step(intake, steps.REVIEW),
            "drafts": selectors.drafted_steps(intake=intake),
        },
    )


@patient_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    intake = own_intake(request, pk)
    if intake.is_locked:
        # A second click, a replay or another tab: the first submission stands.
        return redirect("intake:submitted", pk=intake.pk)
    first = steps.first_incomplete(intake)
    if first is not steps.REVIEW:
        messages.info(request, "Please finish this step before submitting.")
        return redirect(first.url(intake))
    # The submitted page itself says thank you and what happens next; a message on top
    # would say it twice.
    services.intake_submit(intake=intake, user=request.user, request=request)
    return redirect("intake:submitted", pk=intake.pk)


@patient_required
@require_GET
def submitted(request: HttpRequest, pk: int) -> HttpResponse:
    intake = own_intake(request, pk)
    if not intake.is_locked:
        return redirect(steps.first_incomplete(intake).url(intake))
    audit.record(request, AuditEvent.Action.VIEW, intake)
    if intake.is_withdrawn:
        return render(request, "intake/patient/withdrawn.html", {"intake": intake})
    context = {"intake": intake, "sections": answer_sections(intake)}
    # The pain trend is the signed-in patient's own, never read by an id from the address;
    # shown once there is a change to show (a second submitted visit).
    trend = selectors.patient_trend(patient=request.user)
    if trend.has_change:
        context |= trends.page_context(trend)
    return render(request, "intake/patient/submitted.html", context)
