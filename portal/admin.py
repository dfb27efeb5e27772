from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from portal import roles
from portal.models import AuditEvent, User


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
