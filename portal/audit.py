"""Writing the audit trail. Only ids and actions are recorded, never record contents."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest

from portal.auth import client_ip
from portal.models import AuditEvent


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model | None = None,
    *,
    actor=None,
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        # Bounded like the path: an id taken from a hostile URL can be any length.
        object_id=str(obj.pk)[:40] if obj is not None else "",
        # A hostile address may hold NUL, which PostgreSQL refuses in any text column.
        path=request.path.replace("\x00", "")[:200] if request is not None else "",
        ip_address=client_ip(request) if request is not None else None,
    )
