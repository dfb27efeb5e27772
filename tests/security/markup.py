"""Reading rendered pages the way a browser would, to find anything that could run."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


@dataclass
class Markup:
    """What a page would let run: inline scripts, event-handler attributes, inline styles
    and `javascript:` URLs."""

    inline_scripts: list[str] = field(default_factory=list)
    handlers: list[tuple[str, str]] = field(default_factory=list)
    style_attributes: list[str] = field(default_factory=list)
    style_elements: int = 0
    script_urls: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)

    def dangers(self) -> list[str]:
        found = [f"inline <script>: {s[:80]!r}" for s in self.inline_scripts]
        found += [f"<{tag} {name}=...>" for tag, name in self.handlers]
        found += [f"javascript: URL {url[:80]!r}" for url in self.script_urls]
        return found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = Markup()
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.markup.tags.add(tag)
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.markup.handlers.append((tag, name))
            if name == "style":
                self.markup.style_attributes.append(tag)
            if name in URL_ATTRIBUTES and value:
                compact = "".join(value.split()).lower()
                if compact.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.markup.script_urls.append(value)
        if tag == "script" and not values.get("src"):
            self._script = []
        if tag == "style":
            self.markup.style_elements += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.markup.inline_scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)


def read(html: str | bytes) -> Markup:
    reader = _Reader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    reader.close()
    if reader._script is not None:  # an unclosed <script> runs to the end of the page
        reader.markup.inline_scripts.append("".join(reader._script))
    return reader.markup
