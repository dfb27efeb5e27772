"""The clinic's own identity on every page: its accent colour, turned into the shades the
stylesheet needs, served as a tiny generated stylesheet; and its phone number and opening
hours, written wherever a page tells a patient to call the clinic.

The accent arrives as CLINIC_ACCENT (a hex colour, checked in portal/settings.py). The
content security policy forbids inline styles, so the colour cannot be written into the
page: `BrandStylesheetMiddleware` answers /brand-<digest>.css with four custom properties,
and base.html links it after static/css/portal.css. The digest changes with the colour, so
browsers may keep the file for a year; the middleware sits just after WhiteNoise, before
sessions, so fetching it costs no database work.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portal.colour import INK, WHITE, contrast, darkened_until, mix, parse_hex, to_hex

# White text on a button of the accent colour: WCAG 1.4.3, normal-size text.
ON_ACCENT_MINIMUM = 4.5
# Links, hover and the focus ring: 7:1 on white, which keeps them above 4.5:1 on every
# background of the portal (the darkest, the footer's band, is #f1ece4).
STRONG_MINIMUM = 7.0
# How much white goes into the tinted panels (info alerts, hovered rows).
SOFT_WHITE = 0.88


@dataclass(frozen=True)
class Accent:
    """The four shades of the clinic's accent the stylesheet uses (--portal-accent*)."""

    accent: str
    strong: str
    soft: str
    rgb: str

    def stylesheet(self) -> str:
        return (
            "/* The clinic's accent (CLINIC_ACCENT), made by portal/clinic.py. */\n"
            ":root {\n"
            f"  --portal-accent: {self.accent};\n"
            f"  --portal-accent-strong: {self.strong};\n"
            f"  --portal-accent-soft: {self.soft};\n"
            f"  --portal-accent-rgb: {self.rgb};\n"
            "}\n"
        )


def accent_shades(value: str) -> Accent:
    """From any hex colour, shades that meet contrast whatever the colour: the fill is
    darkened until white text on it is 4.5:1 (a pale yellow becomes an olive), the strong
    shade until it is 7:1 on white, and the tint is mostly white."""
    given = parse_hex(value)
    fill = darkened_until(given, ON_ACCENT_MINIMUM)
    strong = darkened_until(fill, STRONG_MINIMUM)
    if strong == fill:
        # Already very dark: hover still needs to look different.
        strong = mix(fill, (0, 0, 0), 0.2)
    soft = mix(fill, WHITE, SOFT_WHITE)
    assert contrast(INK, soft) >= 4.5, "the tint is mostly white, so dark text always reads"
    return Accent(
        accent=to_hex(fill),
        strong=to_hex(strong),
        soft=to_hex(soft),
        rgb=", ".join(str(c) for c in fill),
    )


@cache
def _brand(accent: str) -> tuple[str, str]:
    css = accent_shades(accent).stylesheet()
    digest = hashlib.sha256(css.encode()).hexdigest()[:12]
    return f"/brand-{digest}.css", css


def brand_stylesheet_url() -> str:
    return _brand(settings.CLINIC_ACCENT)[0]


class BrandStylesheetMiddleware:
    """Answers GET and HEAD for the clinic's accent stylesheet, before any session or
    database work, as WhiteNoise does for the static files. Any other /brand-….css (an old
    digest a page cached before the colour changed) gets the current colours, uncached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not (path.startswith("/brand-") and path.endswith(".css")):
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        url, css = _brand(settings.CLINIC_ACCENT)
        response = HttpResponse(css, content_type="text/css; charset=utf-8")
        if path == url:
            response["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response["Cache-Control"] = "no-cache"
        return response


# The clinic's phone ------------------------------------------------------------------------


def tel_href(number: str) -> str:
    """A tel: link from a number as people write it: '020 7946 0321' to 'tel:02079460321',
    '+44 (0)20 7946 0321' to 'tel:+442079460321' (the trunk 0 in brackets is dropped)."""
    number = re.sub(r"\(0\)", "", number.strip())
    plus = "+" if number.startswith("+") else ""
    return "tel:" + plus + re.sub(r"\D", "", number)
