"""Guide pages (Markdown, rendered to sanitised HTML on save) and their revision history.

A page's own content fields are what the public sees: the last published revision. Editing
never touches them. Every save in the editor stores a PageRevision (a draft); publishing a
revision copies it onto the page (guide.publishing). So a live page stays live, unchanged,
however long a draft of it is being worked on, reviewed or scheduled.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from guide.markdown import render, render_references

# Paths the guide's URLconf uses before <slug>/, so a page can never be given them.
RESERVED_SLUGS = frozenset({"search", "preview", "review"})
# A page's clinical review falls due this long after the last one, unless an editor sets
# another date.
REVIEW_INTERVAL_MONTHS = 12


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the 29 February → 28 February when there is none)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


class PageQuerySet(models.QuerySet):
    def published(self) -> PageQuerySet:
        """What the public may see: published, with a publication date that has come and
        no take-down time that has passed. Both are read against the clock on every query,
        so a page scheduled to go up or come down does so on time without a background job."""
        now = timezone.now()
        return self.filter(status=Page.Status.PUBLISHED, pub_date__lte=now).filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now)
        )

    def overdue(self, today: datetime.date | None = None) -> PageQuerySet:
        """Published pages whose clinical review-by date has passed."""
        today = today or timezone.localdate()
        return self.filter(status=Page.Status.PUBLISHED, review_by__lt=today).order_by(
            "review_by", "order"
        )

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
    # The admin shows help text as HTML: an example address, not "<slug>", which vanished
    # there as an unknown tag ("/guide//").
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The last part of the page's address, as in /guide/safety/.",
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
        help_text=(
            "When a clinician last checked this page. For clinical pages this is set by the "
            "practitioner's approval."
        ),
    )
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    review_by = models.DateField(
        "review by",
        null=True,
        blank=True,
        help_text=f"When the page is next due a clinical review. Left empty, it is set to "
        f"{REVIEW_INTERVAL_MONTHS} months after the last review.",
    )
    clinical = models.BooleanField(
        "clinical content",
        default=False,
        help_text=(
            "Safety, research and how treatment works. Every version of a clinical page "
            "needs a practitioner's approval before it can be published."
        ),
    )
    expire_at = models.DateTimeField(
        "take off the site at",
        null=True,
        blank=True,
        help_text="Leave empty to keep the page up. At this time the page stops being shown.",
    )
    live_revision = models.ForeignKey(
        "PageRevision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
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
        if self.review_by is None and self.last_reviewed is not None:
            self.review_by = add_months(self.last_reviewed, REVIEW_INTERVAL_MONTHS)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "body_html",
                "references_html",
                "pub_date",
                "review_by",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("guide:page", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.pub_date is not None
            and self.pub_date <= now
            and (self.expire_at is None or self.expire_at > now)
        )

    @property
    def is_overdue(self) -> bool:
        return self.review_by is not None and self.review_by < timezone.localdate()

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": "This address is used by the guide itself."})
        if self.status == self.Status.PUBLISHED and self.pub_date is None:
            self.pub_date = timezone.now()

    def latest_revision(self) -> PageRevision | None:
        return self.revisions.first()

    def save_revision(
        self, *, author=None, note: str = "", content: dict[str, str] | None = None
    ) -> PageRevision:
        """Record content as a new draft revision: `content` (title, summary, body,
        references) when given, otherwise the page's own fields."""
        content = content or {field: getattr(self, field) for field in CONTENT_FIELDS}
        return self.revisions.create(**content, author=author, note=note)


# The fields a revision carries; everything else on a page (address, order, review dates)
# is a setting of the page and takes effect when it is saved.
CONTENT_FIELDS = ("title", "summary", "body", "references")


class PageRevision(models.Model):
    """The content of a page as it was saved once. The content is never edited; the status
    follows the revision through review and publishing, and PageEvent records each step."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for clinical review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        SUPERSEDED = "superseded", "Was live"

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
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    go_live_at = models.DateTimeField("goes live at", null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        get_latest_by = "created"

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.created):%Y-%m-%d %H:%M})"

    def content(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in CONTENT_FIELDS}

    def approval(self) -> PageEvent | None:
        """The practitioner's approval of exactly this content, if it has one."""
        return self.events.filter(action=PageEvent.Action.APPROVED).first()

    def restore(self, *, author=None) -> PageRevision:
        """Copy this revision's content into a new draft, so the history only ever grows
        and the restore can itself be undone. What the public sees changes only when that
        draft is published."""
        stamp = timezone.localtime(self.created)
        with transaction.atomic():
            revision = self.page.save_revision(
                author=author,
                note=f"Restored from revision {self.pk} of {stamp:%Y-%m-%d %H:%M}",
                content=self.content(),
            )
            PageEvent.record(revision, PageEvent.Action.RESTORED, author, revision.note)
        return revision


class PageEvent(models.Model):
    """One step in a revision's life, with who took it and when: the sign-off record."""

    class Action(models.TextChoices):
        SAVED = "saved", "Saved as a draft"
        RESTORED = "restored", "Restored from an earlier revision"
        SUBMITTED = "submitted", "Submitted for clinical review"
        APPROVED = "approved", "Approved by a practitioner"
        CHANGES_REQUESTED = "changes_requested", "Changes requested by a practitioner"
        SCHEDULED = "scheduled", "Scheduled"
        UNSCHEDULED = "unscheduled", "Schedule cancelled"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Taken off the site"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="events")
    revision = models.ForeignKey(
        PageRevision, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({timezone.localtime(self.at):%Y-%m-%d %H:%M})"

    @classmethod
    def record(cls, revision: PageRevision, action: str, actor=None, note: str = "") -> PageEvent:
        return cls.objects.create(
            page_id=revision.page_id, revision=revision, action=action, actor=actor, note=note
        )
