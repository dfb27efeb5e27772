"""Public guide pages, search, and the editors' and reviewers' previews.

The public only ever sees `Page.objects.published()`, and readers who are not signed in get
it from guide.cache. Editors (portal.roles.is_admin) can add `?preview=1` to a page address
to see its newest saved version, open any revision at `guide:preview_revision`, and POST
unsaved form content to `guide:preview`. Practitioners reviewing a clinical page can open
its revisions too. Every preview is the public template with the public stylesheet, and
may be framed by the portal's own pages (the editor shows it at phone and desktop width).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from csp.decorators import csp_replace
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from guide import cache
from guide.contents import contents
from guide.markdown import render as render_markdown
from guide.markdown import render_references
from guide.models import CONTENT_FIELDS, Page, PageRevision
from portal import roles
from portal.roles import admin_required

# Longer queries are not searches a patient types; cutting them keeps the query cheap.
MAX_QUERY_LENGTH = 200


def is_editor(user) -> bool:
    return roles.is_admin(user) and user.is_verified()


def can_preview(user, page: Page) -> bool:
    """Editors preview any page; practitioners the clinical pages they sign off."""
    if not user.is_verified():
        return False
    return roles.is_admin(user) or (page.clinical and roles.is_practitioner(user))


def _private(response: HttpResponse) -> HttpResponse:
    # Drafts and previews are not for shared caches, whoever is signed in.
    patch_cache_control(response, private=True, no_store=True)
    return response


def framable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Previews may be shown in a frame by the portal's own pages, never by another site."""
    return csp_replace({"frame-ancestors": ["'self'"]})(xframe_options_sameorigin(view))


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    def build() -> HttpResponse:
        pages = Page.objects.published().only("title", "slug", "summary")
        return render(request, "guide/index.html", {"pages": pages})

    return cache.serve(request, "index", build)


@require_GET
def page(request: HttpRequest, slug: str) -> HttpResponse:
    if request.GET.get("preview") == "1" and is_editor(request.user):
        return _preview_newest(request, slug)
    return cache.serve(
        request, f"page:{slug}", lambda: _render_page(request, slug, Page.objects.published())
    )


def _render_page(request: HttpRequest, slug: str, pages, **extra) -> HttpResponse:
    current = get_object_or_404(pages.defer("body", "references"), slug=slug)
    return _page_response(request, current, pages, **extra)


def _page_response(request: HttpRequest, current: Page, pages, **extra) -> HttpResponse:
    # One more query gives the whole reading order, for "previous" and "next" links.
    reading_order = list(pages.only("title", "slug"))
    position = next((i for i, p in enumerate(reading_order) if p.pk == current.pk), None)
    context = {
        "page": current,
        "contents": contents(current.body_html),
        "previous_page": None,
        "next_page": None,
        "preview": False,
        **extra,
    }
    if position is not None:
        context["previous_page"] = reading_order[position - 1] if position > 0 else None
        if position + 1 < len(reading_order):
            context["next_page"] = reading_order[position + 1]
    return render(request, "guide/page.html", context)


def _as_page(page: Page, content: dict[str, str]) -> Page:
    """The page with `content` in place of what is live, rendered, not saved."""
    shown = copy.copy(page)
    for field in CONTENT_FIELDS:
        setattr(shown, field, content.get(field, ""))
    shown.body_html = render_markdown(shown.body)
    shown.references_html = render_references(shown.references)
    return shown


def _preview_newest(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    revision = page.latest_revision()
    if revision is not None:
        page = _as_page(page, revision.content())
    response = _page_response(
        request, page, Page.objects.all(), preview=True, revision=revision, live=page
    )
    return _private(response)


@require_GET
@framable
def preview_revision(request: HttpRequest, revision_id: int) -> HttpResponse:
    """One saved revision exactly as the public would see it once published."""
    revision = get_object_or_404(PageRevision.objects.select_related("page"), pk=revision_id)
    if not request.user.is_authenticated or not can_preview(request.user, revision.page):
        raise Http404
    shown = _as_page(revision.page, revision.content())
    response = _page_response(
        request, shown, Page.objects.published(), preview=True, revision=revision
    )
    return _private(response)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    cache.current()
    # NUL is never part of a search, and PostgreSQL refuses it in any text it is given.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    results = []
    if query:
        results = list(Page.objects.published().search(query).only("title", "slug", "summary"))
    return render(request, "guide/search.html", {"query": query, "results": results})


@admin_required
@require_POST
@framable
def preview(request: HttpRequest) -> HttpResponse:
    """Render unsaved page content from the admin form, in the public page template.

    The editor's "Preview changes" button posts the form here: into two frames beside the
    form (phone and desktop width) when JavaScript runs, into a new tab without it.
    """
    slug = request.POST.get("slug", "")
    existing = Page.objects.filter(slug=slug).first() if slug else None
    page = existing or Page(slug=slug)
    shown = _as_page(page, {field: request.POST.get(field, "") for field in CONTENT_FIELDS})
    response = _page_response(request, shown, Page.objects.published(), preview=True, unsaved=True)
    return _private(response)
