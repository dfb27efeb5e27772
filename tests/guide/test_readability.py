"""Every guide page reads at US school grade 8 or below (Flesch–Kincaid), page by page.

The grade is computed by textstat from the text patients see: the page as rendered, each
heading, paragraph, list item and table cell read as a sentence of its own (a list item
without a full stop is still one thought, not part of the next). The summary counts too.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
import textstat

from guide.content import load_pages
from guide.markdown import render

MAX_GRADE = 8.0
_BLOCK = re.compile(r"<(h[1-6]|p|li|td|th|dt|dd)\b[^>]*>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def readable_text(body: str, summary: str = "") -> str:
    html = render(body)
    # Innermost blocks only: a list item holding a paragraph is read once.
    blocks = []
    for _, inner in _BLOCK.findall(html):
        if _BLOCK.search(inner):
            continue
        text = " ".join(unescape(_TAG.sub(" ", inner)).split())
        if text:
            blocks.append(text if text[-1] in ".!?:" else f"{text}.")
    return " ".join([summary, *blocks]).strip()


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


def test_it_measures_harder_text_as_a_higher_grade():
    easy = readable_text("We use thin needles. They are clean. Most people feel a small ache.")
    hard = readable_text(
        "Practitioners administer sterile, single-use filiform needles, acknowledging "
        "considerable interindividual variability in physiological responsiveness."
    )
    assert grade(easy) < 4 < 12 < grade(hard)
    # Headings and list items are read as sentences of their own.
    assert readable_text("## A heading\n\n- one item\n- another item") == (
        "A heading. one item. another item."
    )


@pytest.mark.parametrize("page", load_pages(), ids=lambda page: page.slug)
def test_it_writes_every_page_at_grade_eight_or_below(page):
    measured = grade(readable_text(page.body, page.summary))
    assert measured <= MAX_GRADE, f"{page.slug} reads at grade {measured}"


def test_it_writes_the_published_pages_at_grade_eight_or_below(db):
    from guide.models import Page

    grades = {p.slug: grade(readable_text(p.body, p.summary)) for p in Page.objects.published()}
    assert grades and max(grades.values()) <= MAX_GRADE, grades
