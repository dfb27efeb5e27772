"""Addresses kept per process (portal/links.py, `{% cached_url %}`) are always the ones
reverse() gives: for every name with its ids, under another script prefix, and after the
URL configuration changes."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    URLPattern,
    clear_script_prefix,
    get_resolver,
    reverse,
    set_script_prefix,
)

from portal import links


def named_patterns(resolver=None, namespace=""):
    """(name, number of arguments) of every named URL of the project."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLPattern):
            if entry.name:
                yield f"{namespace}{entry.name}", entry.pattern.regex.groups
        else:
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner)


def test_it_gives_reverses_address_for_every_url_that_takes_ids_or_none():
    checked = 0
    for name, groups in named_patterns():
        try:
            expected = reverse(name, args=[7] * groups)
        except NoReverseMatch:  # a URL taking a slug or a path, not ids
            continue
        assert links.url(name, *[7] * groups) == expected, name
        assert links.url(name, *[123456] * groups) == reverse(name, args=[123456] * groups)
        checked += 1
    assert checked > 30


def test_it_reverses_anything_but_an_int_as_usual():
    assert links.url("guide:page", "safety") == reverse("guide:page", args=["safety"])


def test_it_follows_the_script_prefix():
    try:
        set_script_prefix("/clinic/")
        assert links.url("intake:intake_print", 3) == "/clinic/practice/intakes/3/print/"
        assert links.url("home") == "/clinic/"
    finally:
        clear_script_prefix()
    assert links.url("home") == "/"


urlpatterns: list = []  # an empty URL configuration, for the test below


def test_it_follows_a_change_of_url_configuration():
    assert links.url("home") == "/"
    with override_settings(ROOT_URLCONF="tests.portal.test_links"), pytest.raises(NoReverseMatch):
        links.url("home")  # no such name in that configuration: not the address kept
    assert links.url("home") == "/"


def test_the_tag_draws_the_address():
    template = Template("{% load links %}{% cached_url 'intake:intake_print' pk %}")
    assert template.render(Context({"pk": 5})) == reverse("intake:intake_print", args=[5])
    with pytest.raises(TemplateSyntaxError):
        Template("{% load links %}{% cached_url name %}")
