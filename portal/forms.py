from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from outbox.services import email_enqueue
from portal.models import User
from portal.text import NeutraliseBidiMixin
from portal.throttle import may_send_mail


def field_anchor(bound: forms.BoundField) -> str:
    """Where a link to the field goes: to its first option for a group of radio buttons or
    tick boxes, which has no element of its own to focus."""
    return f"#{bound.auto_id}_0" if bound.field.widget.use_fieldset else f"#{bound.auto_id}"


def error_summary(form: forms.Form, *, whole_form: str, prefix: str = "") -> list[tuple[str, str]]:
    """(link target, message) for each of a bound form's errors, for the summary at the top
    of its page (templates/_error_summary.html): each names its field and links to it; an
    error about the whole form links to `whole_form`."""
    items = [(whole_form, str(message)) for message in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name in form.fields:
            bound = form[name]
            items.extend((field_anchor(bound), f"{prefix}{bound.label}: {e}") for e in errors)
    return items


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in by email. The error never says whether the address has an account."""

    username = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        "invalid_login": (
            "That email address and password do not match an account. Check both and try "
            "again, or reset your password."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The clinic's number is a setting, read when the form is made, not at import.
        self.error_messages = {
            **self.error_messages,
            "inactive": (
                "This account is not active. Please call the clinic on "
                f"{settings.CLINIC_PHONE} ({settings.CLINIC_HOURS})."
            ),
        }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, sending only within the hourly allowances (S26). Over them,
    nothing is sent and the visitor sees the same "check your email" page as always."""

    def save(self, *args, request: HttpRequest | None = None, **kwargs) -> None:
        if request is not None and not may_send_mail(request, self.cleaned_data["email"]):
            return
        super().save(*args, request=request, **kwargs)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits shown in your authenticator app.")
        return token


def is_own_password(request: HttpRequest, password: str) -> bool:
    """Whether `password` is the signed-in account's own, checked the way a sign-in is:
    through axes, so wrong guesses from a stolen session count towards the lockout (S23)."""
    user = request.user
    found = authenticate(request, username=user.get_username(), password=password)
    return found is not None and found.pk == user.pk


NOT_THIS_ACCOUNTS_MESSAGE = "That is not the password of this account. Check it and try again."


class EnrolForm(TokenForm):
    """Adding an authenticator changes how the account signs in, so it needs the password
    as well as a first code: a stolen session alone cannot lock the owner out."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to confirm it is you."},
    )
    field_order = ["password", "token"]

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not is_own_password(self.request, password):
            raise forms.ValidationError(NOT_THIS_ACCOUNTS_MESSAGE)
        return password


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (current password, then the new one twice), with the current
    password checked through axes like every other password check."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["old_password"].label = "Current password"

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        if not is_own_password(self.request, password):
            raise forms.ValidationError(NOT_THIS_ACCOUNTS_MESSAGE)
        return password


class PractitionerInviteForm(NeutraliseBidiMixin, forms.Form):
    """Who to invite as a practitioner; their password is theirs to choose (S24)."""

    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email address", max_length=254)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        existing = User.objects.filter(email=email).first()
        # An account whose invitation link was never used may be invited again.
        if existing is not None and (existing.has_usable_password() or existing.last_login):
            raise forms.ValidationError("This address already has an account.")
        return email


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the email queued instead of sent from the page (outbox):
    a mail server that is down no longer fails the page. The worker writes the message,
    token included, when it delivers (portal.emails.password_reset)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        user = context["user"]
        email_enqueue(kind="password_reset", to=to_email, params={"user": user.pk}, about=user)
