from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class GuideConfig(AppConfig):
    name = "guide"
    verbose_name = "Patient guide"

    def ready(self) -> None:
        from guide import cache
        from guide.models import Page

        # A page's settings (address, order, take-down time) change what the public sees
        # as much as publishing does.
        def page_changed(sender, **kwargs) -> None:
            cache.changed()

        post_save.connect(page_changed, sender=Page, dispatch_uid="guide-cache-page-saved")
        post_delete.connect(page_changed, sender=Page, dispatch_uid="guide-cache-page-deleted")
