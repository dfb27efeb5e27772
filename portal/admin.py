from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import accounts, audit, notices, roles
from portal.forms import PractitionerInviteForm
from portal.models import AuditEvent, User

# The Django admin's user search, kept in the session rather than in the URL (S27).
USER_SEARCH_KEY = "_admin_user_search"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]
    # Searched with a POST and kept in the session (S27): a search by email or name in the
    # URL would be written to every access log on the way.
    change_list_template = "admin/portal/user/change_list.html"
    actions = ["reset_second_factor"]

    @admin.action(description="Reset two-step sign-in (remove the authenticator)")
    def reset_second_factor(self, request: HttpRequest, queryset) -> None:
        """For a patient who lost their phone, or whose stolen session enrolled a device
        of its own (S23): the devices go, every session of the account ends with them (a
        session verified by the removed device would otherwise carry on), and the owner is
        told. Staff accounts are the superuser's to reset."""
        reset = 0
        for user in queryset:
            if (user.is_staff and not request.user.is_superuser) or self._out_of_reach(
                request, user
            ):
                continue
            deleted, _ = TOTPDevice.objects.filter(user=user).delete()
            if not deleted:
                continue
            User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
            audit.record(request, AuditEvent.Action.OTP_RESET, user)
            notices.tell_owner(user, "The clinic removed the authenticator app from your account")
            reset += 1
        skipped = len(queryset) - reset
        self.message_user(
            request,
            f"Two-step sign-in reset for {reset} account(s)."
            + (
                f" {skipped} left unchanged (no authenticator, or a staff account, which "
                "only a superuser may reset)."
                if skipped
                else ""
            ),
        )

    def get_urls(self):
        search = path(
            "search/",
            self.admin_site.admin_view(require_POST(self.search_view)),
            name="portal_user_search",
        )
        invite = path(
            "invite-practitioner/",
            self.admin_site.admin_view(self.invite_view),
            name="portal_user_invite_practitioner",
        )
        return [search, invite, *super().get_urls()]

    def search_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = request.POST.get("q", "").strip()[:100]
        if term:
            request.session[USER_SEARCH_KEY] = term
        else:
            request.session.pop(USER_SEARCH_KEY, None)
        return redirect("admin:portal_user_changelist")

    def get_search_results(self, request, queryset, search_term):
        # The list searches for what the POST above kept, never for a ?q= in the address.
        match = request.resolver_match
        if match is not None and match.url_name == "portal_user_changelist":
            search_term = request.session.get(USER_SEARCH_KEY, "")
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request, extra_context=None):
        context = {"user_search": request.session.get(USER_SEARCH_KEY, ""), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    # The clinic's admins manage practitioner and patient accounts (docs/security.md S2),
    # and must not reach patients' health data through them (S24). Only a superuser (the
    # clinic owner) sets a password, makes an account staff, grants a role, moves an account
    # to another email address (a password reset to the new one would open it) or touches
    # an admin's account. Admins invite practitioners without choosing their password.

    def _out_of_reach(self, request, obj) -> bool:
        """Another admin's or a superuser's account, seen by an admin who is no superuser."""
        if obj is None or request.user.is_superuser or obj.pk == request.user.pk:
            return False
        return obj.is_superuser or obj.groups.filter(name=roles.ADMIN).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._out_of_reach(request, obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        # The add form sets a password; admins invite instead (invite_view).
        return request.user.is_superuser and super().has_add_permission(request)

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if request.user.is_superuser:
            return []
        if obj is not None and obj.pk == request.user.pk:
            # Their own access is changed by someone else, never by themselves.
            return ["is_active", "is_staff", "is_superuser", "groups"]
        return ["email", "is_staff", "is_superuser", "groups"]

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        user = self.get_object(request, unquote(id))
        before = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != before:
                accounts.changed_by_someone_else(
                    request,
                    user,
                    AuditEvent.Action.PASSWORD_CHANGED,
                    "The clinic set a new password for your account",
                )
        return response

    def save_model(self, request, obj, form, change: bool) -> None:
        # Access as stored, to tell afterwards (in save_related, once the groups are
        # saved) whether this save changed it.
        obj._access_before = accounts.access_of(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        before = getattr(user, "_access_before", None)
        if before is not None and accounts.access_of(user) != before:
            accounts.changed_by_someone_else(
                request,
                user,
                AuditEvent.Action.ROLE_CHANGED,
                "The clinic changed what your account may do (its roles or whether it is active)",
            )

    def invite_view(self, request: HttpRequest) -> HttpResponse:
        """An account for a new practitioner, whose password they choose from the emailed
        link. The practitioner role (and staff status) is then the superuser's to grant,
        who is told of the invitation: an admin inviting an address of their own gets an
        account that reaches nothing."""
        if not self.has_view_or_change_permission(request) or not request.user.has_perm(
            "portal.add_user"
        ):
            raise PermissionDenied
        form = PractitionerInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            invited = accounts.practitioner_invite(
                request=request,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
            )
            self.message_user(
                request,
                f"Invitation sent to {invited.email}. The account can see intakes once a "
                "superuser has made it staff and a practitioner.",
            )
            return redirect("admin:portal_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Invite a practitioner",
        }
        return TemplateResponse(request, "admin/portal/user/invite_practitioner.html", context)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    date_hierarchy = "at"

    # The trail is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
