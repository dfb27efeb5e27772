"""The guide as shipped: Markdown files in guide/content/ with a small front matter.

Each file starts with a block like this, then the Markdown body::

    ---
    title: Recognising chronic pain
    slug: chronic-pain
    order: 1
    summary: One or two plain sentences shown in the index and search results.
    last_reviewed: 2026-11-20
    references:
    - A reference, one per line.
    ---

The data migration loads these files, so a fresh database starts with the complete guide.
After that, the database is the source of truth and editors change pages in the admin.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"


@dataclass(frozen=True)
class PageSource:
    title: str
    slug: str
    order: int
    summary: str
    last_reviewed: datetime.date
    body: str
    references: list[str] = field(default_factory=list)

    @property
    def references_text(self) -> str:
        return "\n".join(self.references)


def parse(text: str, *, name: str = "<string>") -> PageSource:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError(f"{name}: front matter must start with '---'")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ValueError(f"{name}: front matter is not closed with '---'") from None
    meta: dict[str, str] = {}
    references: list[str] = []
    in_references = False
    for line in lines[1:end]:
        if in_references and line.startswith("- "):
            references.append(line[2:].strip())
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"{name}: front-matter line without a key: {line!r}")
        key = key.strip()
        in_references = key == "references"
        if not in_references:
            meta[key] = value.strip()
    missing = {"title", "slug", "order", "summary", "last_reviewed"} - meta.keys()
    if missing:
        raise ValueError(f"{name}: front matter lacks {', '.join(sorted(missing))}")
    return PageSource(
        title=meta["title"],
        slug=meta["slug"],
        order=int(meta["order"]),
        summary=meta["summary"],
        last_reviewed=datetime.date.fromisoformat(meta["last_reviewed"]),
        body="\n".join(lines[end + 1 :]).strip() + "\n",
        references=references,
    )


def load_pages(directory: Path = CONTENT_DIR) -> list[PageSource]:
    """Every page in the content folder, in reading order."""
    pages = [parse(p.read_text(encoding="utf-8"), name=p.name) for p in directory.glob("*.md")]
    return sorted(pages, key=lambda page: page.order)
