from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit, notices, roles
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
        return [search, *super().get_urls()]

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

    # The clinic's admins manage practitioner and patient accounts (docs/security.md S2); only a
    # superuser hands out admin rights or touches an admin's account. Otherwise an admin
    # could tick "superuser" on their own account, or take a fellow admin's access away.

    def _out_of_reach(self, request, obj) -> bool:
        """Another admin's or a superuser's account, seen by an admin who is no superuser."""
        if obj is None or request.user.is_superuser or obj.pk == request.user.pk:
            return False
        return obj.is_superuser or obj.groups.filter(name=roles.ADMIN).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._out_of_reach(request, obj) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if request.user.is_superuser:
            return []
        if obj is not None and obj.pk == request.user.pk:
            # Their own access is changed by someone else, never by themselves.
            return ["is_active", "is_staff", "is_superuser", "groups"]
        return ["is_superuser"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.exclude(name=roles.ADMIN)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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
