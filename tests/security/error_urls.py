"""The portal's URLs plus views that fail on purpose, for tests of the error path
(tests/security/test_phi_canary.py). Only tests load this module."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal import urls as portal_urls

handler400 = portal_urls.handler400


def crash(request: HttpRequest) -> HttpResponse:
    # The posted answers are read, as a real view would, before something goes wrong.
    len(request.POST.get("complaint", ""))
    raise RuntimeError("the view failed")


def bad_number(request: HttpRequest) -> HttpResponse:
    # A careless conversion: the exception's own message then carries what was typed.
    return HttpResponse(int(request.POST["complaint"]))


def suspicious(request: HttpRequest) -> HttpResponse:
    request.POST.get("complaint")
    raise SuspiciousOperation("refused a suspicious request")


def forbidden(request: HttpRequest) -> HttpResponse:
    request.POST.get("complaint")
    raise PermissionDenied


urlpatterns = [
    path("test-errors/crash/", crash, name="test_crash"),
    path("test-errors/bad-number/", bad_number, name="test_bad_number"),
    path("test-errors/suspicious/", suspicious, name="test_suspicious"),
    path("test-errors/forbidden/", forbidden, name="test_forbidden"),
    *portal_urls.urlpatterns,
]
