from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal accounts and audit"

    def ready(self) -> None:
        from portal import signals  # noqa: F401  (connects the sign-in audit receivers)
        from portal.roles import sync_groups

        # After every migrate, so that permissions of every app exist when groups get them.
        post_migrate.connect(sync_groups, dispatch_uid="portal.sync_groups")
