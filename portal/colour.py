"""Colours as WCAG 2.2 measures them: parsing a hex colour, relative luminance, the
contrast ratio, mixing. Pure, with no Django, so that settings can check CLINIC_ACCENT
with it and the tests can compute what the browser shows."""

from __future__ import annotations

import re

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
WHITE = (255, 255, 255)
# Dark text on the page (static/css/portal.css, --portal-ink): must stay readable on the tint.
INK = (0x2A, 0x24, 0x20)

Colour = tuple[int, int, int]


def parse_hex(value: str) -> Colour:
    """'#1f6f68' or '#1f6' to (31, 111, 104). ValueError for anything else."""
    if not HEX.match(value.strip()):
        raise ValueError(f"{value!r} is not a hex colour such as #1f6f68")
    digits = value.strip()[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def to_hex(colour: Colour) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in colour)


def luminance(colour: Colour) -> float:
    """WCAG 2.2's relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: Colour, other: Colour) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(colour: Colour, toward: Colour, amount: float) -> Colour:
    return tuple(round(c + (t - c) * amount) for c, t in zip(colour, toward, strict=True))  # type: ignore[return-value]


def darkened_until(colour: Colour, minimum: float) -> Colour:
    """The colour itself if white text on it reaches `minimum`, else the least darkening of
    it (mixed with black, so the hue stays) that does."""
    for step in range(101):
        candidate = mix(colour, (0, 0, 0), step / 100)
        if contrast(candidate, WHITE) >= minimum:
            return candidate
    return (0, 0, 0)
