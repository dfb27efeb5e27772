"""Writing the audit trail. Only ids and actions are recorded, never record contents.

Every page that shows a patient's record writes one event, so the write is kept cheap:
its INSERT is written once per process from the model's own columns, and each value is
prepared by its field as `Model.save()` would prepare it (a datetime for the database's
clock, an address for its inet type). Building a model instance and compiling its INSERT
cost about a tenth of the intake page (bench/README.md, 2026-12-06).
"""

from __future__ import annotations

import functools

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.http import HttpRequest
from django.utils import timezone

from portal.auth import client_ip
from portal.models import AuditEvent

# The columns an event is written with: all of them but the id, which the database assigns.
FIELDS = tuple(field for field in AuditEvent._meta.concrete_fields if not field.primary_key)


@functools.cache
def _insert_sql(vendor: str) -> str:
    """The INSERT for one event, in the quoting of the database `vendor` names (the key of
    the kept text: a test run on the other database gets its own)."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    names = ", ".join(quote(field.column) for field in FIELDS)
    marks = ", ".join(["%s"] * len(FIELDS))
    table = quote(AuditEvent._meta.db_table)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model, values as parameters)


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model | None = None,
    *,
    actor=None,
) -> None:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    values = {
        "at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        # Bounded like the path: an id taken from a hostile URL can be any length.
        "object_id": str(obj.pk)[:40] if obj is not None else "",
        # A hostile address may hold NUL, which PostgreSQL refuses in any text column.
        "path": request.path.replace("\x00", "")[:200] if request is not None else "",
        "ip_address": client_ip(request) if request is not None else None,
    }
    connection = connections[DEFAULT_DB_ALIAS]
    params = [field.get_db_prep_save(values[field.attname], connection) for field in FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
