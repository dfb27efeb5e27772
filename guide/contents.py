"""The "On this page" list for long guide pages, read from the rendered headings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

# Section headings as guide.markdown renders them: <h2 id="...">text</h2>.
_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+")
# Long enough that a reader would rather jump than scroll: more sections than fit on a
# phone screen or two, or more words than a few minutes' reading.
MIN_SECTIONS = 8
MIN_WORDS = 900


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str


def sections(body_html: str) -> list[Section]:
    return [
        Section(anchor, unescape(_TAG.sub("", title)).strip())
        for anchor, title in _H2.findall(body_html)
    ]


def contents(body_html: str) -> list[Section]:
    """The page's sections when the page is long, otherwise nothing."""
    found = sections(body_html)
    words = len(_WORD.findall(_TAG.sub(" ", body_html)))
    if len(found) >= 2 and (len(found) >= MIN_SECTIONS or words >= MIN_WORDS):
        return found
    return []
