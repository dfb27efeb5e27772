"""Accounts and the audit trail shared by both apps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal import tokens


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lower-case; people type them in any case.
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: patient, practitioner or admin (see portal.roles)."""

    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Practitioners and admins. Staff must use a second factor."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to sign the account out everywhere else (end_other_sessions): it is part of the
    # hash every session is checked against on every request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower()
        if (
            not self.is_active
            and self.pk
            and User.objects.filter(pk=self.pk, is_active=True).exists()
        ):
            # Deactivated: every session ends for good (docs/security.md S5). Inactive users are
            # refused on every request anyway, but a session left in place would come back
            # to life if the account were reactivated.
            self.session_generation += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "session_generation"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's session hash covers only the password, so only a password change ends an
        account's other sessions. The generation widens it. Generation 0 keeps Django's own
        hash, so that sessions from before the generation existed stay valid. (This is the
        method both get_session_auth_hash and its SECRET_KEY_FALLBACKS variant call.)"""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "portal.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AuditEvent(models.Model):
    """Who did what to which record, reads included (docs/security.md S14).

    `object_id` names a record by its primary key only, never by anything it contains.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        IDLE_LOGOUT = "idle_logout", "Logged out after inactivity"
        SESSION_EXPIRED = "session_expired", "Logged out at the session time limit"
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        SUBMIT = "submit", "Submitted"
        REVIEW = "review", "Reviewed"
        OVERRIDE = "override", "Overrode a flag"
        EXPORT = "export", "Exported"
        DENIED = "denied", "Denied access"
        # A sign-in that needs a second factor is recorded as LOGIN only once it passes.
        PASSWORD_OK = "password_ok", "Password accepted, second factor pending"
        OTP_FAILED = "otp_failed", "Failed second-factor code"
        OTP_ADDED = "otp_added", "Added an authenticator"
        OTP_RESET = "otp_reset", "Reset a second factor"
        PASSWORD_CHANGED = "password_changed", "Changed a password"
        ROLE_CHANGED = "role_changed", "Changed roles or access"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    path = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}"


REGISTRATION_LINK_LIFETIME = timedelta(hours=2)
# The salt keeps the name of the module that first issued these links: a new salt would
# turn away every link already emailed.
REGISTRATION_SALT = "portal.registration"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PendingRegistration(models.Model):
    """A self-registration waiting for its email address to be confirmed.

    No account exists until the emailed link is opened and a password chosen there, so an
    address can only be registered by whoever reads its mail, and nothing else (sign-in,
    password reset, invitations) ever sees a half-made account. As for invitations, the
    link carries a signed one-time token (portal.tokens) and only its hash is stored.
    """

    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    nonce_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Pending registration {self.pk}"

    def _key(self) -> str:
        # The row's id and time: the queued email writes the link when it is delivered, and
        # registering again (a new time) ends the earlier link.
        return f"{self.pk}:{(self.created_at - EPOCH) // timedelta(microseconds=1)}"

    def seal(self) -> None:
        """Store the hash of this (saved) registration's link token."""
        _, self.nonce_hash = tokens.derived(salt=REGISTRATION_SALT, key=self._key())
        PendingRegistration.objects.filter(pk=self.pk).update(nonce_hash=self.nonce_hash)

    def link_token(self) -> str:
        return tokens.derived(salt=REGISTRATION_SALT, key=self._key())[0]

    @classmethod
    def from_token(cls, token: str) -> PendingRegistration | None:
        """The registration a link belongs to, or None if forged, replaced or expired."""
        nonce_hash = tokens.hash_from(token, salt=REGISTRATION_SALT)
        if nonce_hash is None:
            return None
        pending = cls.objects.filter(nonce_hash=nonce_hash).first()
        return None if pending is None or pending.is_expired else pending

    @classmethod
    def expired(cls) -> models.QuerySet[PendingRegistration]:
        return cls.objects.filter(created_at__lte=timezone.now() - REGISTRATION_LINK_LIFETIME)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.created_at + REGISTRATION_LINK_LIFETIME


class MailAllowance(models.Model):
    """One email that an anonymous visitor had sent, counted against the address it went
    to and against the client that asked (portal.throttle, docs/security.md S26). In the
    database, like the sessions and the lockout counts, so the limits hold across any
    number of app servers. `key` is a keyed hash: the table holds no address of either kind.
    """

    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self) -> str:
        return f"Mail allowance used at {self.at:%Y-%m-%d %H:%M}"
