"""Clinical sign-off of guide pages, for practitioners.

Practitioners do not use the Django admin (it is the admins'). These two pages are all a
practitioner sees of the guide's editing: the versions of clinical pages waiting for a
review, and one version at a time with what changed since the live page, the page as
patients will see it, and Approve or Request changes. Nothing else opens to them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from guide import diff, publishing
from guide.models import PageRevision
from portal.roles import practitioner_required

Status = PageRevision.Status


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="Note for the editor",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you ask for changes: say what should change and why.",
    )


def _newest_per_page():
    newest = PageRevision.objects.filter(page=OuterRef("page")).order_by("-created", "-id")
    return PageRevision.objects.filter(pk=Subquery(newest.values("pk")[:1]))


@practitioner_required
def review_list(request: HttpRequest) -> HttpResponse:
    waiting = (
        _newest_per_page()
        .filter(status=Status.SUBMITTED, page__clinical=True)
        .select_related("page", "author")
        .order_by("created")
    )
    return render(request, "guide/review_list.html", {"waiting": waiting})


@practitioner_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, revision_id: int) -> HttpResponse:
    revision = get_object_or_404(
        PageRevision.objects.select_related("page", "author"), pk=revision_id
    )
    page = revision.page
    if not page.clinical:
        raise Http404
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if "approve" in request.POST:
                publishing.approve(revision, request.user, note)
                messages.success(request, f"You approved this version of “{page.title}”.")
            else:
                publishing.request_changes(revision, request.user, note)
                messages.success(request, f"You asked for changes to “{page.title}”.")
            return redirect("guide:review_list")
        except publishing.WorkflowError as error:
            form.add_error("note" if "approve" not in request.POST else None, str(error))
    live = page.live_revision
    context = {
        "revision": revision,
        "page": page,
        "live": live,
        "diff": diff.compare(live.content() if live else None, revision.content()),
        "old_label": "the live page" if live else "(nothing: the page is not live yet)",
        "new_label": "this version",
        "form": form,
        "can_review": revision.status == Status.SUBMITTED,
        "events": revision.events.select_related("actor")[:20],
        "preview_src": reverse("guide:preview_revision", args=[revision.pk]),
    }
    return render(request, "guide/review_detail.html", context)
