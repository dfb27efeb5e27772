"""Public guide pages, search, and the editors' preview.

The public only ever sees `Page.objects.published()`. Editors (portal.roles.is_admin) can
add `?preview=1` to a page address to see a saved draft, and POST unsaved form content to
`guide:preview` to see it rendered exactly as it would be published.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from guide.markdown import render as render_markdown
from guide.markdown import render_references
from guide.models import Page
from portal import roles
from portal.roles import admin_required

# Longer queries are not searches a patient types; cutting them keeps the query cheap.
MAX_QUERY_LENGTH = 200


def is_editor(user) -> bool:
    return roles.is_admin(user) and user.is_verified()


def _private(response: HttpResponse) -> HttpResponse:
    # Drafts and previews are not for shared caches, whoever is signed in.
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    pages = Page.objects.published().only("title", "slug", "summary")
    return render(request, "guide/index.html", {"pages": pages})


@require_GET
def page(request: HttpRequest, slug: str) -> HttpResponse:
    preview = request.GET.get("preview") == "1" and is_editor(request.user)
    pages = Page.objects.all() if preview else Page.objects.published()
    current = get_object_or_404(pages.defer("body", "references"), slug=slug)
    # One more query gives the whole reading order, for "previous" and "next" links.
    contents = list(pages.only("title", "slug"))
    position = next(i for i, p in enumerate(contents) if p.pk == current.pk)
    context = {
        "page": current,
        "previous_page": contents[position - 1] if position > 0 else None,
        "next_page": contents[position + 1] if position + 1 < len(contents) else None,
        "preview": preview,
    }
    response = render(request, "guide/page.html", context)
    return _private(response) if preview else response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    # NUL is never part of a search, and PostgreSQL refuses it in any text it is given.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    results = []
    if query:
        results = list(Page.objects.published().search(query).only("title", "slug", "summary"))
    return render(request, "guide/search.html", {"query": query, "results": results})


@admin_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Render unsaved page content from the admin form.

    The admin's preview script asks for JSON and shows the HTML beside the form; without
    JavaScript the same button submits the form here and gets the whole page back.
    """
    page = Page(
        title=request.POST.get("title", ""),
        slug=request.POST.get("slug", ""),
        summary=request.POST.get("summary", ""),
        body=request.POST.get("body", ""),
        references=request.POST.get("references", ""),
    )
    page.body_html = render_markdown(page.body)
    page.references_html = render_references(page.references)
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {
                "title": page.title,
                "summary": page.summary,
                "body_html": page.body_html,
                "references_html": page.references_html,
            }
        )
    else:
        response = render(
            request,
            "guide/page.html",
            {"page": page, "preview": True, "unsaved": True},
        )
    return _private(response)
