"""The HTTP client for the clinic's FHIR server: one POST of a transaction Bundle.

It uses the standard library's urllib: no HTTP client library is pinned in requirements.txt,
one POST with a timeout and a bearer token needs nothing more, and a new dependency would be
one more thing to keep patched (docs/architecture.md, "Choices made"). Redirects are not
followed: the token would travel to wherever the redirect points, so a 3xx is an answer
like a 4xx. Only http and https addresses are opened (urllib would also read `file:` ones).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.utils import timezone

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class Unreachable(Exception):
    """No HTTP answer: refused, reset, timed out, or the name did not resolve."""


class Misconfigured(Exception):
    """The address cannot be used at all; retrying will not help."""


@dataclass(frozen=True)
class Reply:
    status: int
    location: str = ""
    # Seconds the server asked us to wait (Retry-After), if it said.
    retry_after: int | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError with the 3xx status


_opener = urllib.request.build_opener(_NoRedirects)


def check_url(url: str) -> None:
    """Refuse what is not an http(s) address, and plain http anywhere but this machine: the
    bundle holds the patient's record and the header a secret (docs/security.md)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Misconfigured("FHIR_SERVER_URL is not an http(s) address")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise Misconfigured("FHIR_SERVER_URL must use https")


def _retry_after(value: str | None, now: datetime) -> int | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, int((when - now).total_seconds()))


def post_bundle(*, url: str, token: str, body: bytes, timeout: float) -> Reply:
    """POST the bundle to the server's base address; any HTTP answer is a Reply, no answer
    raises Unreachable."""
    check_url(url)
    headers = {
        "Content-Type": "application/fhir+json; charset=utf-8",
        "Accept": "application/fhir+json",
        "User-Agent": "practice-intake-portal",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # check_url above admits http and https only.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            # The reply body (a transaction-response Bundle) may quote the record: it is
            # read to free the connection and not kept.
            response.read()
            return Reply(status=response.status, location=response.headers.get("Location", ""))
    except urllib.error.HTTPError as error:
        with error:
            return Reply(
                status=error.code,
                retry_after=_retry_after(error.headers.get("Retry-After"), timezone.now()),
            )
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Unreachable(type(reason).__name__) from error
