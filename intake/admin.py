from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.db.models import Max

from intake.models import ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Consent wording is versioned: saving always creates a new version, so the words a
    patient signed never change under them."""

    list_display = ["version", "title", "created_at", "created_by"]
    fields = ["title", "body"]
    readonly_fields: list[str] = []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: ConsentText, form, change: bool) -> None:
        with transaction.atomic():
            latest = ConsentText.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0
            obj.pk = None
            obj._state.adding = True
            obj.version = latest + 1
            obj.created_by = request.user
            obj.save()
