"""`{% cached_url 'name' id %}`: `{% url %}` for the links a page draws on every load, from
portal.links (the address reversed once per process, an id put in after). The name must be
a quoted string; ids are variables or numbers."""

from __future__ import annotations

from html import escape

from django import template

from portal import links

register = template.Library()


class CachedURLNode(template.Node):
    def __init__(self, name: str, ids: list[template.base.FilterExpression]) -> None:
        self.name, self.ids = name, ids

    def render(self, context) -> str:
        # Escaped as {% url %} escapes: an address holds no markup, but an id may be a str.
        return escape(links.url(self.name, *(pk.resolve(context) for pk in self.ids)))


@register.tag
def cached_url(parser, token) -> CachedURLNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][:1] not in "'\"" or bits[1][-1:] != bits[1][:1]:
        raise template.TemplateSyntaxError("cached_url takes a quoted URL name, then ids")
    return CachedURLNode(bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])
