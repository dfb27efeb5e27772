"""The intake summary as a PDF, for filing in the clinic's other record system.

WeasyPrint lays out the print view's own template (templates/intake/practice/print.html), so
the PDF and the printed page cannot say different things. It is rendered on the server,
fonts embedded (WeasyPrint embeds a subset of every font it uses) and tagged for
accessibility (PDF/UA-1: structure tags, document language and title).

Nothing is fetched from outside while rendering: the only resources the template names are
the portal's own stylesheets, which `LocalFetcher` reads from the static files on disk. Any
other address (another site, a data: or file: URL) is refused, so a page can never make the
server call out, and no rendering waits on the network.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# A4 is the default; US Letter on request. The margins leave room for the page footer.
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


class LocalFetcher(URLFetcher):
    """Serves the portal's static files from disk and refuses everything else."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        on_site = f"{parts.scheme}://{parts.netloc}" == settings.SITE_URL
        if on_site and parts.path.startswith(prefix):
            found = finders.find(parts.path.removeprefix(prefix))
            if found:
                with open(found, "rb") as handle:
                    body = handle.read()
                kind = "text/css" if parts.path.endswith(".css") else "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": kind})
        # Only the address is logged: it comes from the template, never from an answer.
        log.warning("PDF rendering refused to fetch %s", parts.scheme + "://" + parts.netloc)
        raise ValueError("only the portal's own static files are read while making a PDF")


def page_css(size: str) -> CSS:
    """The page box: paper size, margins, and a footer with the page number."""
    return CSS(
        string=(
            f"@page {{ size: {PAGE_SIZES[size]}; margin: 16mm 15mm 18mm;"
            " @bottom-right { content: 'Page ' counter(page) ' of ' counter(pages);"
            " font-family: 'DejaVu Sans', sans-serif; font-size: 8pt; color: #333; } }"
        )
    )


def render(context: dict, request: HttpRequest | None = None, *, size: str = "a4") -> bytes:
    """The print view for `context` (the intake page's context) as PDF bytes."""
    html = render_to_string("intake/practice/print.html", context | {"pdf": True}, request)
    return render_html(html, size=size)


def render_html(html: str, *, size: str = "a4") -> bytes:
    # Relative links (the guide's safety pages) point at the portal itself in the PDF.
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=LocalFetcher())
    return document.write_pdf(
        stylesheets=[page_css(size)],
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
    )
