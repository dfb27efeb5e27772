"""The documents the code cites are in the repository, and say what the code does.

Every `*.md` path named in code, templates, data files or the docs must exist; every
`file.md#anchor` must name a heading of that file; every requirement cited as
"docs/security.md S13" must have its section there; and every `path::name` the docs give as
the place something is enforced or proved must still name a definition in that file. A
rename that leaves the docs behind therefore fails here, with the line to fix.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from intake.screening import RULESET_VERSION

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SECURITY = DOCS / "security.md"

# Generated, installed or vendored trees: nothing in them is ours to cite from.
SKIPPED_DIRS = {
    ".git",
    ".venv",
    ".cache",
    "__pycache__",
    "node_modules",
    "staticfiles",
    "test-artifacts",
    "backups",
    "vendor",
}
TEXT_SUFFIXES = {".py", ".html", ".txt", ".js", ".css", ".md", ".json", ".lua", ".toml"}
TEXT_NAMES = {"Makefile", "run"}

# A path ending in .md that is not part of a URL (nothing glued on before it) nor a quoted
# file name in code (`parse(text, name="broken.md")`).
MD_PATH = re.compile(r"(?<![\w/.:\"'-])((?:[\w.-]+/)*[\w-]+\.md)(?:#([\w-]+))?")
# "docs/security.md S3, S14 and S17", possibly broken over comment or docstring lines.
SECURITY_CITATION = re.compile(r"docs/security\.md((?:(?:[\s,#&]|\band\b|\bor\b)+S\d+\b)+)")
# `some/file.py::name` in the docs: where a behaviour lives, or the test that proves it.
CODE_REFERENCE = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|html|json|js|txt))::([\w.]+)`")
# `some/file.py` in the docs, alone.
CODE_PATH = re.compile(r"`((?:[\w-]+/)+[\w.-]+\.(?:py|html|json|js|css|txt|md|lua))`")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


# The notes inside the two screening data files still name the research notes by a path
# outside the repository. Their bytes are pinned per ruleset version
# (tests/screening/test_data.py) and stored flags record that version, so the
# notes are re-pointed in the next version instead of re-releasing this one; the exception
# ends by itself when the version changes.
DATA_NOTES_VERSION = "2026.11.1"
DATA_FILES = {"intake/screening/data/rules.json", "intake/screening/data/medications.json"}


def text_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        if any(part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            found.append(path)
    return sorted(found)


def cited_from() -> list[Path]:
    """Every file that may cite a document, this test module excepted (its patterns and
    docstring name documents only to describe them)."""
    skipped = {Path(__file__).resolve()}
    if RULESET_VERSION == DATA_NOTES_VERSION:
        skipped |= {ROOT / name for name in DATA_FILES}
    return [path for path in text_files() if path not in skipped]


def resolve(name: str, *, near: Path) -> Path | None:
    """A path as a reader would follow it: from the citing file's folder, else from the
    root of the repository."""
    for base in (near.parent, ROOT):
        candidate = (base / name).resolve()
        if candidate.exists():
            return candidate
    return None


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to
    hyphens (markup such as backticks is dropped with the punctuation)."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The heading anchors of a Markdown file; a repeated heading gets -1, -2 … as on
    GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(path.read_text(encoding="utf-8")):
        base = slug(heading)
        found.add(base if not seen[base] else f"{base}-{seen[base]}")
        seen[base] += 1
    return found


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def where(path: Path, text: str, index: int) -> str:
    return f"{path.relative_to(ROOT)}:{line_of(text, index)}"


def security_sections() -> list[str]:
    return re.findall(r"^### (S\d+)\s*$", SECURITY.read_text(encoding="utf-8"), re.MULTILINE)


def doc_files() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def test_it_cites_only_documents_that_are_in_the_repository():
    missing = []
    for path in cited_from():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in MD_PATH.finditer(text):
            if resolve(match.group(1), near=path) is None:
                missing.append(f"{where(path, text, match.start())} cites {match.group(1)}")
    assert not missing, "documents cited but not in the repository:\n" + "\n".join(missing)


def test_it_links_only_to_headings_that_exist():
    broken = []
    for path in cited_from():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in MD_PATH.finditer(text):
            target = resolve(match.group(1), near=path)
            anchor = match.group(2)
            if target is not None and anchor and anchor not in anchors(target):
                broken.append(f"{where(path, text, match.start())} links to {match.group(0)}")
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\]\(#([\w-]+)\)", text):
            if match.group(1) not in anchors(path):
                broken.append(f"{where(path, text, match.start())} links to #{match.group(1)}")
    assert not broken, "anchors that no heading has:\n" + "\n".join(broken)


def test_it_documents_every_security_requirement_the_code_cites():
    documented = set(security_sections())
    undocumented = []
    for path in cited_from():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in SECURITY_CITATION.finditer(text):
            for requirement in re.findall(r"S\d+", match.group(1)):
                if requirement not in documented:
                    undocumented.append(f"{where(path, text, match.start())} cites {requirement}")
    assert not undocumented, "requirements with no section in docs/security.md:\n" + "\n".join(
        undocumented
    )


def test_it_gives_each_security_requirement_one_section_in_order():
    sections = security_sections()
    assert sections == [f"S{n}" for n in range(1, len(sections) + 1)]
    assert len(sections) >= 30


def test_it_names_only_files_and_definitions_that_exist_in_the_docs():
    stale = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for match in CODE_PATH.finditer(text):
            if not (ROOT / match.group(1)).exists():
                stale.append(f"{where(path, text, match.start())} names {match.group(1)}")
        for match in CODE_REFERENCE.finditer(text):
            source, dotted = match.groups()
            if not (ROOT / source).exists():
                stale.append(f"{where(path, text, match.start())} names {source}")
                continue
            name = dotted.split(".")[-1]
            body = (ROOT / source).read_text(encoding="utf-8")
            defined = rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b|^\s*{name}\s*[:=]"
            if not re.search(defined, body, re.MULTILINE):
                stale.append(f"{where(path, text, match.start())} names {source}::{dotted}")
    assert not stale, "the docs name code that is not there (update them):\n" + "\n".join(stale)


def test_it_follows_every_relative_link_in_the_docs():
    broken = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for match in MARKDOWN_LINK.finditer(text):
            target = match.group(1).split("#", 1)[0]
            if not target or re.match(r"[a-z]+:", target):
                continue
            if not (path.parent / target).exists():
                broken.append(f"{where(path, text, match.start())} links to {target}")
    assert not broken, "links in the docs that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize("name", ["architecture", "security", "screening", "clinical-reference"])
def test_it_links_each_document_from_the_readme(name):
    assert (DOCS / f"{name}.md").exists()
    assert f"(docs/{name}.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_it_finds_the_citations_it_checks():
    """The scan reads the tree it is meant to read: these citations exist on purpose."""
    scanned = {path.relative_to(ROOT).as_posix() for path in cited_from()}
    assert {"portal/middleware.py", "README.md", "Makefile", "docs/security.md"} <= scanned
    assert SECURITY_CITATION.search("(docs/security.md S3,\n    # S14 and S17)").group(1)
    assert slug("The request path, through `it`") == "the-request-path-through-it"
