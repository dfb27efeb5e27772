from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from outbox.services import email_enqueue


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
        "inactive": "This account is not active. Please contact the clinic.",
    }


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
