"""The content that data migrations ship (the guide pages, the first consent wording).

A transactional test (live server, threads, backups) ends by emptying every table, and with
them this content, which a later transactional test then finds missing. The root conftest
puts it back before each such test, with the data migrations' own functions."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection


def ensure_shipped_content() -> None:
    """Load the guide pages and the first consent wording where they are missing (both
    migration functions add only what is not there)."""
    schema_editor = SimpleNamespace(connection=connection)
    guide = importlib.import_module("guide.migrations.0002_load_guide")
    guide_workflow = importlib.import_module("guide.migrations.0004_workflow_state")
    consent = importlib.import_module("intake.migrations.0003_first_consent_text")
    guide.load_guide(apps, schema_editor)
    guide_workflow.forwards(apps, schema_editor)
    consent.add_first_consent(apps, schema_editor)
