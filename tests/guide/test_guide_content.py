from __future__ import annotations

import datetime

import pytest

from guide.content import load_pages, parse

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
