"""Guide editing in the Django admin.

Editors are exactly the users portal.roles.is_admin accepts (the admin site itself also
demands a verified second factor). The page form edits the newest version of the page;
saving stores it as a draft revision and never changes what the public sees. The buttons
under the form then submit that version for clinical review, publish it or schedule it
(guide.publishing decides whether that is allowed). Practitioners approve clinical
versions on their own pages (guide.review_views), not here.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from guide import diff, publishing
from guide.models import CONTENT_FIELDS, Page, PageEvent, PageRevision
from portal import roles

# How many revisions and events the page form lists; the full history is one click away.
RECENT = 10
# Seconds are shown (step 1) so that a version can be timed to the second, and the browser
# test can watch one go live on time.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    """One labelled <input type="datetime-local"> instead of the admin's two unlabelled
    date and time boxes (axe: form elements must have labels)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__({"step": "1", **(attrs or {})}, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _stamp(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


class PageForm(forms.ModelForm):
    note = forms.CharField(
        label="What changed",
        required=False,
        max_length=200,
        help_text="A few words for the history, such as “Added the section on diet”.",
    )
    go_live_at = forms.DateTimeField(
        label="Publish at",
        required=False,
        widget=DateTimeLocalInput,
        input_formats=INPUT_FORMATS,
        help_text="For “Save and schedule”: the date and time this version goes live.",
    )

    class Meta:
        model = Page
        fields = (
            "title",
            "slug",
            "summary",
            "body",
            "references",
            "clinical",
            "order",
            "last_reviewed",
            "review_by",
            "expire_at",
        )
        widgets = {
            "expire_at": DateTimeLocalInput,
            "last_reviewed": DateInput,
            "review_by": DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expire_at"].input_formats = INPUT_FORMATS

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        old = self.instance.slug if self.instance.pk else None
        if old and slug != old and old in publishing.linked_slugs():
            raise forms.ValidationError(
                f"Screening flags link to /guide/{old}/, so this page keeps its address."
            )
        return slug

    def clean(self) -> dict:
        data = super().clean()
        for field in ("body", "references"):
            # Browsers send a textarea's lines ending in CR LF; stored text (and the content
            # compared to spot an unchanged save) ends them in LF.
            if isinstance(data.get(field), str):
                data[field] = data[field].replace("\r\n", "\n")
        if "_schedule" in self.data:
            at = data.get("go_live_at")
            if at is None:
                self.add_error("go_live_at", "Give the date and time to publish at.")
            elif at <= timezone.now():
                self.add_error("go_live_at", "Choose a time in the future, or publish now.")
        return data


class EditorPermissionsMixin:
    """Guide editors are portal admins, whatever model permissions their group holds."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return roles.is_admin(request.user)


@admin.register(Page)
class PageAdmin(EditorPermissionsMixin, admin.ModelAdmin):
    form = PageForm
    list_display = (
        "title",
        "order",
        "on_site",
        "newest_version",
        "clinical",
        "last_reviewed",
        "review_due",
    )
    list_filter = ("status", "clinical")
    search_fields = ("title", "slug", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("workflow", "revision_history", "event_history", "pub_date", "created")
    fieldsets = (
        (
            None,
            {
                "fields": ("workflow", "title", "slug", "summary", "body", "references", "note"),
            },
        ),
        ("Publishing", {"fields": ("go_live_at", "expire_at", "pub_date", "order")}),
        ("Clinical review", {"fields": ("clinical", "last_reviewed", "review_by")}),
        ("History", {"fields": ("revision_history", "event_history", "created")}),
    )
    actions = None
    change_form_template = "admin/guide/page/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return roles.is_admin(request.user)

    def view_on_site(self, obj: Page) -> str:
        # Shows the newest saved version, in the public template, to editors only.
        return f"{obj.get_absolute_url()}?preview=1"

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return (
                (None, {"fields": ("title", "slug", "summary", "body", "references", "note")}),
                ("Publishing", {"fields": ("order", "expire_at")}),
                ("Clinical review", {"fields": ("clinical", "last_reviewed", "review_by")}),
            )
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.clinical:
            # Set by a practitioner's approval when the version is published.
            fields.append("last_reviewed")
        return fields

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        page = super().get_object(request, object_id, from_field)
        if page is not None:
            # The form edits the newest version, which may be a draft nobody sees yet.
            newest = page.latest_revision()
            page.newest = newest
            if newest is not None:
                for field in CONTENT_FIELDS:
                    setattr(page, field, getattr(newest, field))
        return page

    def save_model(self, request: HttpRequest, obj: Page, form, change: bool) -> None:
        content = {field: form.cleaned_data[field] for field in CONTENT_FIELDS}
        if change and obj.status == Page.Status.PUBLISHED:
            # The live content stays as it is; the edit becomes a draft revision below.
            live = Page.objects.only(*CONTENT_FIELDS).get(pk=obj.pk)
            for field in CONTENT_FIELDS:
                setattr(obj, field, getattr(live, field))
        super().save_model(request, obj, form, change)
        note = form.cleaned_data["note"] or ("" if change else "Created")
        revision = publishing.save_draft(obj, content, request.user, note)
        self._workflow_step(request, obj, revision, form)

    def _workflow_step(self, request: HttpRequest, page: Page, revision, form) -> None:
        post = request.POST
        try:
            if "_submit" in post:
                publishing.submit(revision, request.user, form.cleaned_data["note"])
                self.message_user(
                    request,
                    "Submitted for clinical review. A practitioner approves it or asks for "
                    "changes; the live page stays as it is meanwhile.",
                    messages.SUCCESS,
                )
            elif "_publish" in post:
                publishing.publish(revision, request.user)
                self.message_user(request, "Published: patients now see this version.")
            elif "_schedule" in post:
                at = form.cleaned_data["go_live_at"]
                publishing.publish(revision, request.user, at=at)
                self.message_user(request, f"Scheduled: this version goes live at {_stamp(at)}.")
            elif "_unschedule" in post:
                publishing.unschedule(revision, request.user)
                self.message_user(request, "The schedule is cancelled.")
            elif "_unpublish" in post:
                publishing.unpublish(page, request.user)
                self.message_user(request, "Taken off the site. The page and its history stay.")
        except publishing.WorkflowError as error:
            for problem in error.problems:
                self.message_user(request, problem, messages.ERROR)
            self.message_user(request, "Your changes are saved as a draft.", messages.WARNING)

    def response_change(self, request: HttpRequest, obj: Page) -> HttpResponse:
        steps = ("_submit", "_publish", "_schedule", "_unschedule", "_unpublish")
        if any(step in request.POST for step in steps):
            # Back to the form, where the status panel shows the outcome.
            url = reverse("admin:guide_page_change", args=[obj.pk])
            return HttpResponseRedirect(url)
        return super().response_change(request, obj)

    def response_add(self, request: HttpRequest, obj: Page, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:guide_page_change", args=[obj.pk]))

    # Columns and panels -----------------------------------------------------------------

    @admin.display(description="On the site", boolean=True, ordering="status")
    def on_site(self, obj: Page) -> bool:
        return obj.is_published

    @admin.display(description="Newest version")
    def newest_version(self, obj: Page) -> str:
        newest = obj.latest_revision()
        return newest.get_status_display() if newest else "–"

    @admin.display(description="Review by", ordering="review_by")
    def review_due(self, obj: Page) -> str:
        if obj.review_by is None:
            return "–"
        if obj.is_overdue:
            return format_html("<strong>{} (overdue)</strong>", obj.review_by.isoformat())
        return obj.review_by.isoformat()

    @admin.display(description="Status")
    def workflow(self, obj: Page) -> str:
        if obj.pk is None:
            return "New page: it is saved as a draft."
        newest = getattr(obj, "newest", None) or obj.latest_revision()
        live = obj.live_revision
        if obj.is_published and live is not None:
            on_site = format_html("On the site: the version of {}.", _stamp(live.created))
        elif obj.status == Page.Status.PUBLISHED:
            on_site = "Not on the site now (its publication or take-down time)."
        else:
            on_site = "Not on the site."
        parts = [on_site]
        if newest is not None and newest != live:
            links = [
                (reverse("admin:guide_pagerevision_preview", args=[newest.pk]), "Preview"),
                (reverse("admin:guide_pagerevision_compare", args=[newest.pk]), "Compare"),
            ]
            parts.append(
                format_html(
                    "Newest version ({}): <strong>{}</strong>{}. {}",
                    _stamp(newest.created),
                    newest.get_status_display(),
                    f", goes live at {_stamp(newest.go_live_at)}" if newest.go_live_at else "",
                    format_html_join(" · ", '<a href="{}">{}</a>', links),
                )
            )
            request_note = newest.events.filter(action=PageEvent.Action.CHANGES_REQUESTED).first()
            if newest.status == PageRevision.Status.CHANGES_REQUESTED and request_note:
                parts.append(
                    format_html("{} asked for changes: “{}”", request_note.actor, request_note.note)
                )
        elif live is not None:
            parts.append("No unpublished changes.")
        if obj.clinical:
            parts.append("Clinical page: each version needs a practitioner's approval to publish.")
        return format_html_join("", "<p>{}</p>", ((part,) for part in parts))

    @admin.display(description="Versions")
    def revision_history(self, obj: Page) -> str:
        if obj.pk is None:
            return "Saved versions will be listed here."
        revisions = obj.revisions.select_related("author")[:RECENT]
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> {}, by {} {}</li>',
            (
                (
                    reverse("admin:guide_pagerevision_change", args=[rev.pk]),
                    _stamp(rev.created),
                    rev.get_status_display(),
                    rev.author or "the initial import",
                    f"({rev.note})" if rev.note else "",
                )
                for rev in revisions
            ),
        )
        all_url = reverse("admin:guide_pagerevision_changelist") + f"?page__id__exact={obj.pk}"
        return format_html(
            '<ul class="guide-history">{}</ul><a href="{}">All versions of this page</a>',
            items,
            all_url,
        )

    @admin.display(description="Reviews and publishing")
    def event_history(self, obj: Page) -> str:
        if obj.pk is None:
            return ""
        events = obj.events.select_related("actor", "revision")[:RECENT]
        if not events:
            return "Nothing recorded yet."
        return format_html(
            '<ul class="guide-history">{}</ul>',
            format_html_join(
                "",
                "<li>{}: {}, {}{}</li>",
                (
                    (
                        _stamp(event.at),
                        event.get_action_display(),
                        event.actor or "automatically",
                        f" – “{event.note}”" if event.note else "",
                    )
                    for event in events
                ),
            ),
        )


@admin.register(PageRevision)
class PageRevisionAdmin(EditorPermissionsMixin, admin.ModelAdmin):
    """Read-only history. An editor can preview a revision, compare it with any other or
    with the live page, and restore it (as a new draft) from the comparison."""

    list_display = ("__str__", "page", "created", "author", "status", "note")
    list_filter = ("page", "status")
    list_select_related = ("page", "author")
    search_fields = ("title", "body", "note")
    date_hierarchy = "created"
    fields = (
        "page",
        "created",
        "author",
        "status",
        "go_live_at",
        "note",
        "title",
        "summary",
        "body",
        "references",
    )
    readonly_fields = fields
    actions = ("compare_selected",)
    change_form_template = "admin/guide/pagerevision/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_compare_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "<int:revision_id>/restore/",
                wrap(require_POST(self.restore_view)),
                name="guide_pagerevision_restore",
            ),
            path(
                "<int:revision_id>/compare/",
                wrap(self.compare_view),
                name="guide_pagerevision_compare",
            ),
            path(
                "<int:revision_id>/preview/",
                wrap(self.preview_view),
                name="guide_pagerevision_preview",
            ),
            *super().get_urls(),
        ]

    def _revision(self, request: HttpRequest, revision_id: int) -> PageRevision:
        if not roles.is_admin(request.user):
            raise PermissionDenied
        return get_object_or_404(PageRevision.objects.select_related("page"), pk=revision_id)

    def _context(self, request: HttpRequest, revision: PageRevision, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "revision": revision,
            "page": revision.page,
        }

    def compare_view(self, request: HttpRequest, revision_id: int) -> HttpResponse:
        """This revision beside another one: ?with=<id>, or the live page by default (the
        version before, when the page is not live)."""
        revision = self._revision(request, revision_id)
        page = revision.page
        others = list(page.revisions.exclude(pk=revision.pk).select_related("author"))
        chosen = request.GET.get("with", "live")
        other = None
        if chosen == "live" and page.live_revision_id and page.live_revision_id != revision.pk:
            other = page.live_revision
            other_label = f"the live page (version of {_stamp(other.created)})"
        else:
            if chosen == "live":
                older = [rev for rev in others if rev.created <= revision.created]
                other = older[0] if older else None
            else:
                other = next((rev for rev in others if str(rev.pk) == chosen), None)
            other_label = f"the version of {_stamp(other.created)}" if other else "nothing"
        context = {
            **self._context(request, revision, f"Compare versions of “{page}”"),
            "diff": diff.compare(other.content() if other else None, revision.content()),
            "old_label": other_label,
            "new_label": f"the version of {_stamp(revision.created)}",
            "other": other,
            "others": others,
            "is_live": page.live_revision_id == revision.pk,
            "chosen": chosen,
        }
        return TemplateResponse(request, "admin/guide/pagerevision/compare.html", context)

    def preview_view(self, request: HttpRequest, revision_id: int) -> HttpResponse:
        revision = self._revision(request, revision_id)
        context = {
            **self._context(request, revision, f"Preview of “{revision.page}”"),
            "preview_src": reverse("guide:preview_revision", args=[revision.pk]),
        }
        return TemplateResponse(request, "admin/guide/pagerevision/preview.html", context)

    def restore_view(self, request: HttpRequest, revision_id: int) -> HttpResponse:
        revision = self._revision(request, revision_id)
        revision.restore(author=request.user)
        self.message_user(
            request,
            f"The content of the version of {_stamp(revision.created)} is now the newest "
            "draft of the page. Publish it (with a practitioner's approval for a clinical "
            "page) to put it on the site.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:guide_page_change", args=[revision.page_id]))

    @admin.action(description="Compare the two selected versions", permissions=["compare"])
    def compare_selected(
        self, request: HttpRequest, queryset: QuerySet[PageRevision]
    ) -> HttpResponse | None:
        revisions = sorted(queryset.select_related("page")[:3], key=lambda rev: rev.created)
        if len(revisions) != 2 or revisions[0].page_id != revisions[1].page_id:
            self.message_user(
                request, "Choose exactly two versions of the same page.", messages.ERROR
            )
            return None
        older, newer = revisions
        url = reverse("admin:guide_pagerevision_compare", args=[newer.pk])
        return HttpResponseRedirect(f"{url}?with={older.pk}")
