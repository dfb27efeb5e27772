"""Django's `{# … #}` comment ends at the end of its line: one that runs over two lines is
not a comment at all, and the page shows it, braces and all, to whoever opens it. Longer
comments use `{% comment %}`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# An opening `{#` with no closing `#}` before the end of its line.
UNCLOSED = re.compile(r"\{#(?:(?!#\}).)*$", re.MULTILINE)


def project_templates() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(
        path
        for folder in folders
        if ".venv" not in folder.parts
        for path in folder.rglob("*")
        if path.is_file()
    )


def test_it_finds_the_templates():
    names = {path.relative_to(ROOT).as_posix() for path in project_templates()}
    assert "templates/base.html" in names
    assert "templates/registration/locked_out.html" in names


def test_no_template_has_a_comment_over_several_lines():
    found = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in project_templates()
        for text in [path.read_text(encoding="utf-8")]
        for match in UNCLOSED.finditer(text)
    ]
    assert not found, "a {# … #} comment over several lines shows as text; use {% comment %}: " + (
        ", ".join(found)
    )
