"""Guide editing in the Django admin.

Editors are exactly the users portal.roles.is_admin accepts (the admin site itself also
demands a verified second factor). Every save through the admin records a PageRevision;
a revision can be viewed and restored, and a restore is itself a new revision.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from guide.markdown import render
from guide.models import Page, PageRevision
from portal import roles

# How many revisions the page form lists; the full history is one click away.
RECENT_REVISIONS = 10


class EditorPermissionsMixin:
    """Guide editors are portal admins, whatever model permissions their group holds."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return roles.is_admin(request.user)


@admin.register(Page)
class PageAdmin(EditorPermissionsMixin, admin.ModelAdmin):
    list_display = ("title", "order", "status", "pub_date", "last_reviewed", "updated")
    list_filter = ("status", "last_reviewed", "pub_date")
    search_fields = ("title", "slug", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("revision_history", "created", "updated")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "body", "references")}),
        ("Publishing", {"fields": ("status", "pub_date", "order", "last_reviewed")}),
        ("History", {"fields": ("revision_history", "created", "updated")}),
    )
    actions = ("publish", "move_to_draft")
    change_form_template = "admin/guide/page/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return roles.is_admin(request.user)

    def view_on_site(self, obj: Page) -> str:
        # Drafts 404 for the public; editors see the saved version through ?preview=1.
        return f"{obj.get_absolute_url()}?preview=1"

    def save_model(self, request: HttpRequest, obj: Page, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        obj.save_revision(author=request.user, note="" if change else "Created")

    @admin.display(description="Revisions")
    def revision_history(self, obj: Page) -> str:
        if obj.pk is None:
            return "Saved versions will be listed here."
        revisions = obj.revisions.select_related("author")[:RECENT_REVISIONS]
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> by {} {}</li>',
            (
                (
                    reverse("admin:guide_pagerevision_change", args=[rev.pk]),
                    f"{timezone.localtime(rev.created):%Y-%m-%d %H:%M}",
                    rev.author or "the initial import",
                    f"({rev.note})" if rev.note else "",
                )
                for rev in revisions
            ),
        )
        all_url = reverse("admin:guide_pagerevision_changelist") + f"?page__id__exact={obj.pk}"
        return format_html('<ul>{}</ul><a href="{}">All revisions of this page</a>', items, all_url)

    @admin.action(description="Publish selected pages", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        self._set_status(request, queryset, Page.Status.PUBLISHED)

    @admin.action(description="Move selected pages back to draft", permissions=["change"])
    def move_to_draft(self, request: HttpRequest, queryset: QuerySet[Page]) -> None:
        self._set_status(request, queryset, Page.Status.DRAFT)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Page], status: str) -> None:
        label = Page.Status(status).label
        for page in queryset:
            page.status = status
            page.save()
            page.save_revision(author=request.user, note=f"Status set to {label.lower()}")
        self.message_user(request, f"{len(queryset)} page(s) set to {label.lower()}.")


@admin.register(PageRevision)
class PageRevisionAdmin(EditorPermissionsMixin, admin.ModelAdmin):
    """Read-only history. The only thing an editor can do with a revision is restore it."""

    list_display = ("page", "created", "author", "note")
    list_filter = ("page",)
    list_select_related = ("page", "author")
    search_fields = ("title", "body", "note")
    date_hierarchy = "created"
    fields = ("page", "created", "author", "note", "title", "summary", "rendered_body", "body")
    readonly_fields = fields
    actions = ("restore_selected",)
    change_form_template = "admin/guide/pagerevision/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_restore_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    @admin.display(description="Body as patients would see it")
    def rendered_body(self, obj: PageRevision) -> str:
        # render() returns sanitised HTML: nothing in it can run.
        return mark_safe(render(obj.body))  # noqa: S308

    def get_urls(self):
        restore = self.admin_site.admin_view(require_POST(self.restore_view))
        return [
            path("<int:revision_id>/restore/", restore, name="guide_pagerevision_restore"),
            *super().get_urls(),
        ]

    def restore_view(self, request: HttpRequest, revision_id: int) -> HttpResponse:
        if not self.has_restore_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(PageRevision.objects.select_related("page"), pk=revision_id)
        self._restore(request, revision)
        return HttpResponseRedirect(reverse("admin:guide_page_change", args=[revision.page_id]))

    @admin.action(description="Restore the selected revision", permissions=["restore"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[PageRevision]) -> None:
        revisions = list(queryset.select_related("page")[:2])
        if len(revisions) != 1:
            self.message_user(request, "Choose exactly one revision to restore.", messages.ERROR)
            return
        self._restore(request, revisions[0])

    def _restore(self, request: HttpRequest, revision: PageRevision) -> None:
        revision.restore(author=request.user)
        self.message_user(
            request,
            f"“{revision.page}” now has the content of the revision of "
            f"{timezone.localtime(revision.created):%Y-%m-%d %H:%M}. "
            "The restore is recorded as a new revision.",
            messages.SUCCESS,
        )
