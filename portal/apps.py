from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal accounts and audit"

    def ready(self) -> None:
        from portal import log_privacy, signals  # noqa: F401  (signals connects receivers)
        from portal.roles import sync_groups

        # After every migrate (and flush): the groups are brought back to exactly the
        # permissions portal.roles declares, creating any that do not exist yet.
        post_migrate.connect(sync_groups, dispatch_uid="portal.sync_groups")
        log_privacy.install()
        setting_changed.connect(forget_fragments, dispatch_uid="portal.forget_fragments")


def forget_fragments(**kwargs) -> None:
    """A changed setting (in a test) may change the kept header and footer: the clinic's
    name, its logo, its telephone number."""
    from django.core.cache import caches

    caches["fragments"].clear()
