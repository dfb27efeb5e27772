from __future__ import annotations

from django.contrib import admin
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

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

    # Two admins publishing at the same moment both read the same latest version; the
    # second insert then breaks the unique version, and is simply tried again. (A row lock
    # cannot prevent it: the version being written does not exist yet to be locked.)
    PUBLISH_TRIES = 5

    def save_model(self, request, obj: ConsentText, form, change: bool) -> None:
        # Browsers send a textarea's line ends as CR LF; stored as typed, the blank lines
        # between paragraphs would be "\r\n\r\n" and never split.
        obj.body = obj.body.replace("\r\n", "\n").replace("\r", "\n")
        # Edited from an older version, the object still carries that version's date.
        obj.created_at = timezone.now()
        for attempt in range(1, self.PUBLISH_TRIES + 1):
            obj.pk = None
            obj._state.adding = True
            obj.created_by = request.user
            try:
                with transaction.atomic():
                    latest = ConsentText.objects.aggregate(v=Max("version"))["v"] or 0
                    obj.version = latest + 1
                    obj.save()
                return
            except IntegrityError:
                if attempt == self.PUBLISH_TRIES:
                    raise
