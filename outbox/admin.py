"""Staff see every email's delivery and can send failed ones again."""

from __future__ import annotations

from django.contrib import admin, messages

from outbox.models import Email
from outbox.services import emails_retry


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to",)
    actions = ["retry"]
    readonly_fields = [field.name for field in Email._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Try again to deliver the selected failed emails")
    def retry(self, request, queryset) -> None:
        count = emails_retry(emails=queryset)
        self.message_user(request, f"{count} email(s) queued again.", messages.SUCCESS)
