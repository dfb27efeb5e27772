"""The one way guide Markdown becomes HTML: Python-Markdown, then nh3 with an allow-list.

Editors are trusted staff, but their text is shown to every patient, so the output is
sanitised anyway: a pasted snippet or a compromised editor account must not be able to run
script in a patient's browser. Saving, the admin preview and the data migration all call
`render`, so what an editor previews is exactly what patients get.
"""

from __future__ import annotations

import re

import markdown as md
import nh3

# Everything Markdown (with the extensions below) produces, minus anything active.
ALLOWED_TAGS: set[str] = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}

# Heading ids are kept so that sections can be linked to, namespaced (see section_id).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "th": {"scope"},
}

# No javascript:, data: or vbscript: links; relative links (/guide/...) are always allowed.
URL_SCHEMES: set[str] = {"http", "https", "mailto", "tel"}

# The page title is the only <h1>; a "# Heading" in the body becomes a section heading.
_H1 = re.compile(r"<(/?)h1\b")

EXTENSIONS = ["attr_list", "sane_lists", "tables", "toc"]
EXTENSION_CONFIGS = {
    # Headings without an explicit {#id} still get one, so any section can be linked to.
    "toc": {"permalink": False},
}


# Every id in guide HTML starts with this, and no template's own element id does
# (tests/guide/test_heading_ids.py): an editor's {#idle-warning} or {#main} can then never
# take the id of the page's idle warning or main region, which scripts, labels and skip
# links look up (docs/security.md S29).
SECTION_ID_PREFIX = "section-"


def section_id(name: str) -> str:
    """The id a heading named `name` (typed, or made from its text) gets in the HTML."""
    return name if name.startswith(SECTION_ID_PREFIX) else SECTION_ID_PREFIX + name


def section_link(url: str) -> str:
    """`url` with its fragment turned into a section id, if it links to a section of the
    guide ("#bleeding" on the same page, "/guide/safety/#bleeding"); any other URL as is.
    Screening flags name their section by its category (/guide/safety/#bleeding), so the
    pages that link to one pass the URL through here."""
    path, hash_sign, fragment = url.partition("#")
    if not hash_sign or not fragment or not (path == "" or path.startswith("/guide/")):
        return url
    return f"{path}#{section_id(fragment)}"


def _namespace(element: str, attribute: str, value: str) -> str:
    if attribute == "id":
        return section_id(value)
    if element == "a" and attribute == "href":
        return section_link(value)
    return value


def render(text: str) -> str:
    """Render guide Markdown to sanitised HTML."""
    html = md.markdown(
        text or "",
        extensions=EXTENSIONS,
        extension_configs=EXTENSION_CONFIGS,
        output_format="html",
    )
    return nh3.clean(
        _H1.sub(r"<\1h2", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_namespace,
    )


def render_references(text: str) -> str:
    """One reference per line (Markdown links allowed), shown as a numbered list."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return render("\n".join(f"1. {line}" for line in lines))
