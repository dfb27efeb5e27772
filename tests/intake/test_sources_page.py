"""The practitioners' source list: every source of docs/clinical-reference.md#sources,
each under its code, so that a flag's source code links straight to it."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from intake.screening.engine import RULESET
from intake.screening.sources import sources

URL = reverse("intake:sources")


def test_it_reads_every_source_the_rules_cite_from_the_reference():
    listed = {source.code for source in sources()}
    cited = {code for rule in RULESET.rules.values() for code in rule.sources}
    assert cited <= listed
    s12 = next(source for source in sources() if source.code == "S12")
    assert s12.text.startswith("Cummings M. Safety aspects of electroacupuncture")
    assert s12.authority == "A/B"
    assert s12.rules == tuple(r.id for r in RULESET.rules.values() if "S12" in r.sources)


def test_it_lists_each_source_under_its_code(practitioner_client):
    response = practitioner_client.get(URL)
    assert response.status_code == 200
    for source in sources():
        assertContains(response, f'<tr id="{source.code}">', count=1)
    assertContains(response, "Safety aspects of electroacupuncture")


def test_it_is_for_practitioners_only(db, patient_client):
    assert Client().get(URL).status_code == 302
    assert patient_client.get(URL).status_code == 403
