from __future__ import annotations

import datetime
import re

import pytest

from guide.content import load_pages, parse
from tests.helpers import SCREENING_CATEGORIES

SOURCE = """---
title: A page
slug: a-page
order: 3
summary: Short.
last_reviewed: 2026-01-31
references:
- First source
- Second source
---
## Body {#body}

Text.
"""


def test_it_reads_front_matter_and_body():
    page = parse(SOURCE)
    assert (page.title, page.slug, page.order, page.summary) == ("A page", "a-page", 3, "Short.")
    assert page.last_reviewed == datetime.date(2026, 1, 31)
    assert page.references == ["First source", "Second source"]
    assert page.references_text == "First source\nSecond source"
    assert page.body == "## Body {#body}\n\nText.\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "must start"),
        ("---\ntitle: x\n", "not closed"),
        ("---\ntitle: x\n---\nbody", "lacks last_reviewed, order, slug, summary"),
        ("---\njust words\n---\nbody", "without a key"),
    ],
)
def test_it_names_the_problem_in_a_broken_file(text, message):
    with pytest.raises(ValueError, match=message):
        parse(text, name="broken.md")


def test_it_ships_pages_with_unique_slugs_and_orders():
    pages = load_pages()
    assert len({page.slug for page in pages}) == len(pages)
    assert len({page.order for page in pages}) == len(pages)
    assert all(page.references for page in pages)


# What the published guide must cover. Each topic: the page, the section's anchor, and
# phrases (lower case) that section's text must contain.
REQUIRED_TOPICS = [
    ("chronic-pain", "definition", ["more than three months", "chronic"]),
    ("chronic-pain", "primary", ["migraine", "fibromyalgia"]),
    ("acupuncture-basics", "qualified", ["licensed acupuncturist"]),
    ("acupuncture-basics", "qi-and-meridians", ["qi", "meridians"]),
    ("acupuncture-basics", "needles", ["sterile", "used once", "very thin"]),
    ("how-it-might-work", "endorphins", ["endorphins", "naloxone"]),
    ("how-it-might-work", "nervous-system", ["spinal cord and brain", "gate control"]),
    ("how-it-might-work", "nervous-system", ["central nervous system"]),
    ("how-it-might-work", "brain", ["central", "sensitisation", "nervous system"]),
    (
        "research",
        "cochrane-2005",
        [
            "cochrane",
            "2005",
            "better than no treatment or sham treatment",
            "not shown to work better than other established treatments",
        ],
    ),
    ("pain-management-plan", "bigger-picture", ["one tool among several", "diet"]),
    ("pain-management-plan", "judging", ["trial period"]),
    ("conclusion", "not-medical-advice", ["not medical advice", "emergency"]),
]


def section_text(html: str, anchor: str) -> str:
    """The text of the section whose heading has `anchor`, up to the next heading of the
    same or a higher level, tags stripped and lower case."""
    match = re.search(rf'<h([23]) id="section-{re.escape(anchor)}">', html)
    assert match, f"no section #{anchor}"
    level = int(match.group(1))
    rest = html[match.end() :]
    end = re.search(rf"<h[2-{level}][ >]", rest)
    section = rest[: end.start()] if end else rest
    return " ".join(re.sub(r"<[^>]+>", " ", section).split()).lower()


def test_it_covers_the_required_topics(db):
    from guide.models import Page

    pages = {page.slug: page.body_html for page in Page.objects.published()}
    for slug, anchor, phrases in REQUIRED_TOPICS:
        text = section_text(pages[slug], anchor)
        for phrase in phrases:
            assert phrase in text, (slug, anchor, phrase)
    for category in SCREENING_CATEGORIES:
        assert section_text(pages["safety"], category), category


# Each study the research page describes, and the words its entry in the sources has.
STUDIES_AND_SOURCES = [
    ("cochrane-2005", "2005", "Furlan AD"),
    ("later-results", "German", "Haake M"),
    ("later-results", "2009", "Cherkin DC"),
    ("later-results", "2012", "Vickers AJ"),
    ("guidelines", "American College of Physicians", "Qaseem A"),
    ("guidelines", "NG59", "NG59"),
    ("guidelines", "NG193", "NG193"),
]


def test_it_lists_the_source_of_every_study_it_describes(db):
    from guide.models import Page

    research = Page.objects.published().get(slug="research")
    for anchor, mention, source in STUDIES_AND_SOURCES:
        assert mention.lower() in section_text(research.body_html, anchor), (anchor, mention)
        assert source in research.references, source
