"""Guide pages (Markdown, rendered to sanitised HTML on save) and their revision history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from guide.markdown import render, render_references

# Paths the guide's URLconf uses before <slug>/, so a page can never be given them.
RESERVED_SLUGS = frozenset({"search", "preview"})


class PageQuerySet(models.QuerySet):
    def published(self) -> PageQuerySet:
        """What the public may see: published, with a publication date that has come."""
        return self.filter(status=Page.Status.PUBLISHED, pub_date__lte=timezone.now())

    def search(self, query: str) -> PageQuerySet:
        """Pages matching `query`, best first.

        PostgreSQL gets real full-text search (stemming, ranking, title weighted above
        summary above body). SQLite, the embedded development database, has no such thing,
        so there every word must appear somewhere in the title, summary or body.
        """
        query = query.strip()
        if not query:
            return self.none()
        if connections[self.db].vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = (
                SearchVector("title", weight="A", config="english")
                + SearchVector("summary", weight="B", config="english")
                + SearchVector("body", weight="C", config="english")
            )
            search_query = SearchQuery(query, search_type="websearch", config="english")
            return (
                self.annotate(search=vector)
                .filter(search=search_query)
                .annotate(rank=SearchRank(vector, search_query))
                .order_by("-rank", "order")
            )
        matches = Q()
        for word in query.split():
            matches &= (
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
            )
        return self.filter(matches).order_by("order", "title")


class Page(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100, unique=True, help_text="The page's address: /guide/<slug>/."
    )
    summary = models.CharField(
        max_length=300, help_text="One or two sentences, shown in the index and search results."
    )
    body = models.TextField(
        help_text=(
            "Markdown. Start section headings with ##. Give a heading a fixed anchor with "
            "{#anchor} at the end of its line. Scripts and raw HTML are removed."
        )
    )
    body_html = models.TextField(blank=True, editable=False)
    references = models.TextField(
        blank=True, help_text="One reference per line; Markdown links are allowed."
    )
    references_html = models.TextField(blank=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0, help_text="Reading order, lowest first.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    pub_date = models.DateTimeField(
        "published date",
        null=True,
        blank=True,
        help_text="Filled in when the page is first published. A future date hides it until then.",
    )
    last_reviewed = models.DateField(
        "last clinically reviewed",
        null=True,
        blank=True,
        help_text="When a clinician last checked this page.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(pub_date__isnull=False),
                name="guide_page_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Rendered once here rather than on every request; the public views only ever
        # read the stored HTML.
        self.body_html = render(self.body)
        self.references_html = render_references(self.references)
        if self.status == self.Status.PUBLISHED and self.pub_date is None:
            self.pub_date = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "body_html", "references_html", "pub_date"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("guide:page", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.pub_date is not None
            and self.pub_date <= timezone.now()
        )

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": "This address is used by the guide itself."})
        if self.status == self.Status.PUBLISHED and self.pub_date is None:
            self.pub_date = timezone.now()

    def save_revision(self, *, author=None, note: str = "") -> PageRevision:
        """Record the page's current content as a revision (after it has been saved)."""
        return self.revisions.create(
            title=self.title,
            summary=self.summary,
            body=self.body,
            references=self.references,
            author=author,
            note=note,
        )


class PageRevision(models.Model):
    """The content of a page as it was saved once. Revisions are never edited."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    references = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        get_latest_by = "created"

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.created):%Y-%m-%d %H:%M})"

    def restore(self, *, author=None) -> PageRevision:
        """Put this revision's content back on its page, recorded as a new revision, so the
        history only ever grows and the restore itself can be undone."""
        with transaction.atomic():
            page = self.page
            page.title = self.title
            page.summary = self.summary
            page.body = self.body
            page.references = self.references
            page.save()
            stamp = timezone.localtime(self.created)
            return page.save_revision(
                author=author, note=f"Restored from revision {self.pk} of {stamp:%Y-%m-%d %H:%M}"
            )
