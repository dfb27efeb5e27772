"""Logging filters for the development server's console.

`make run` prints every email in the same terminal as runserver's request lines; one page
view asks for a dozen stylesheets, scripts and images, and those lines pushed the emails
out of sight. Only static files answered as expected are left out: a 404 for a missing
file, and every page request, are still printed.
"""

from __future__ import annotations

import logging

from django.conf import settings

# Found (200), or unchanged since the browser's copy (304).
QUIET_STATUSES = {"200", "304"}


class QuietStaticFiles(logging.Filter):
    """Drop django.server's lines for static files served successfully."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        # django.server logs '"%s" %s %s' with the request line, the status and the size.
        if len(args) < 2:
            return True
        parts = str(args[0]).split(" ")
        path = parts[1] if len(parts) > 1 else ""
        static = "/" + settings.STATIC_URL.lstrip("/")
        return not (path.startswith(static) and str(args[1]) in QUIET_STATUSES)
