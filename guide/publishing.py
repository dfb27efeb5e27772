"""The life of a guide page version: draft, clinical review, scheduled, live.

Saving in the editor stores a draft revision and leaves the page's own fields, which are
what the public sees, alone. Only `publish` (now, or at a set time through
`apply_due`) copies a revision onto the page. A page marked clinical publishes only a
revision a practitioner has approved. Every step is a PageEvent with who and when.

Scheduled changes need no background job: the public views call `guide.cache.current()`,
which runs `apply_due` once the earliest pending change has come (the time is kept in the
cache, so a request costs no query until then). `manage.py publish_scheduled` does the same
from cron, for a clinic that wants the change made even when nobody visits the guide.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from guide.markdown import render, section_id
from guide.models import CONTENT_FIELDS, Page, PageEvent, PageRevision, add_months
from guide.models import REVIEW_INTERVAL_MONTHS as REVIEW_MONTHS
from portal import roles

Status = PageRevision.Status
Action = PageEvent.Action
_HTML_ID = re.compile(r"""\bid=["']([^"']+)["']""")


class WorkflowError(Exception):
    """A step that is not allowed now; the message says why, in words for the editor."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


# Links the screening flags make -------------------------------------------------------


@dataclass(frozen=True)
class FlagLink:
    """A screening rule's link into the guide: /guide/<slug>/#<anchor>."""

    rule_id: str
    title: str
    slug: str
    anchor: str


def flag_links() -> list[FlagLink]:
    """Every guide link a screening flag can carry, from the rules the engine loaded."""
    from intake.screening import engine

    links = []
    for rule_id, rule in engine.RULESET.rules.items():
        url = urlsplit(engine.GUIDE_URL.format(category=rule.category))
        parts = url.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "guide" and url.fragment:
            links.append(FlagLink(rule_id, rule.title, parts[1], url.fragment))
    return links


def linked_slugs() -> set[str]:
    return {link.slug for link in flag_links()}


def broken_flag_links(slug: str, body: str) -> list[FlagLink]:
    """The flag links into page `slug` that `body` (Markdown) would leave with no target."""
    ids = set(_HTML_ID.findall(render(body)))
    # Rendered ids are namespaced (S29); a flag's bare "#bleeding" reaches "section-bleeding"
    # through static/js/guide-anchors.js, so that is the id it needs.
    return [
        link for link in flag_links() if link.slug == slug and section_id(link.anchor) not in ids
    ]


def describe_broken(links: list[FlagLink]) -> list[str]:
    by_anchor: dict[str, list[FlagLink]] = {}
    for link in links:
        by_anchor.setdefault(link.anchor, []).append(link)
    return [
        f"The screening flags ({', '.join(sorted({link.rule_id for link in group}))}) link to "
        f"/guide/{group[0].slug}/#{anchor}, and this version has no heading with the anchor "
        f"{{#{anchor}}}. Put the heading back before publishing."
        for anchor, group in sorted(by_anchor.items())
    ]


# The steps ----------------------------------------------------------------------------


def save_draft(page: Page, content: dict[str, str], author, note: str = "") -> PageRevision:
    """Store `content` as a draft revision of the (saved) page, unless it is exactly the
    newest revision already and no note was given: then that revision is returned."""
    latest = page.latest_revision()
    if latest is not None and latest.content() == content and not note:
        return latest
    revision = page.save_revision(author=author, note=note, content=content)
    PageEvent.record(revision, Action.SAVED, author, note)
    if page.status != Page.Status.PUBLISHED:
        # Nobody else sees a page that is not published: its fields follow the draft, so
        # the page list shows the title being worked on.
        _copy_content(page, revision)
        page.save()
    return revision


def submit(revision: PageRevision, actor, note: str = "") -> None:
    if not revision.page.clinical:
        raise WorkflowError("Only clinical pages go to a practitioner for review.")
    if revision.status not in (Status.DRAFT, Status.CHANGES_REQUESTED):
        raise WorkflowError(
            f"This version is “{revision.get_status_display()}”, so it cannot be submitted."
        )
    _set_status(revision, Status.SUBMITTED)
    PageEvent.record(revision, Action.SUBMITTED, actor, note)


def approve(revision: PageRevision, practitioner, note: str = "") -> None:
    _check_reviewer(revision, practitioner)
    _set_status(revision, Status.APPROVED)
    PageEvent.record(revision, Action.APPROVED, practitioner, note)


def request_changes(revision: PageRevision, practitioner, note: str) -> None:
    _check_reviewer(revision, practitioner)
    if not note.strip():
        raise WorkflowError("Say what needs to change, so the editor knows what to do.")
    _set_status(revision, Status.CHANGES_REQUESTED)
    PageEvent.record(revision, Action.CHANGES_REQUESTED, practitioner, note.strip())


def _check_reviewer(revision: PageRevision, practitioner) -> None:
    if not roles.is_practitioner(practitioner):
        raise WorkflowError("Only a practitioner can review clinical content.")
    if revision.status != Status.SUBMITTED:
        raise WorkflowError(
            f"This version is “{revision.get_status_display()}”, not waiting for review."
        )
    if revision.page.latest_revision() != revision:
        raise WorkflowError("The page has been edited since this version was submitted.")


def problems_publishing(revision: PageRevision) -> list[str]:
    """Why `revision` may not be published, or an empty list."""
    problems = []
    page = revision.page
    if page.clinical and revision.approval() is None:
        problems.append(
            "This is a clinical page: a practitioner must approve this version before it is "
            "published. Submit it for clinical review."
        )
    problems += describe_broken(broken_flag_links(page.slug, revision.body))
    return problems


def publish(revision: PageRevision, actor, *, at: datetime.datetime | None = None) -> None:
    """Put `revision` live now, or schedule it for `at`. Raises WorkflowError, changing
    nothing, when the revision may not be published."""
    problems = problems_publishing(revision)
    if problems:
        raise WorkflowError(problems)
    if at is not None and at > timezone.now():
        with transaction.atomic():
            _cancel_schedules(revision.page, actor, keep=revision)
            revision.go_live_at = at
            _set_status(revision, Status.SCHEDULED, "go_live_at")
            stamp = f"{timezone.localtime(at):%Y-%m-%d %H:%M}"
            PageEvent.record(revision, Action.SCHEDULED, actor, f"Goes live at {stamp}")
    else:
        _make_live(revision, actor)
    _changed()


def unschedule(revision: PageRevision, actor) -> None:
    if revision.status != Status.SCHEDULED:
        raise WorkflowError("This version is not scheduled.")
    _unschedule(revision, actor)
    _changed()


def unpublish(page: Page, actor) -> None:
    """Take the page off the site now. Its content and history stay."""
    with transaction.atomic():
        live = page.live_revision
        page.status = Page.Status.DRAFT
        page.live_revision = None
        page.save()
        if live is not None:
            _set_status(live, Status.SUPERSEDED)
            PageEvent.record(live, Action.UNPUBLISHED, actor)
    _changed()


def apply_due(now: datetime.datetime | None = None) -> int:
    """Publish every scheduled revision whose time has come; returns how many."""
    now = now or timezone.now()
    done = 0
    due = PageRevision.objects.filter(status=Status.SCHEDULED, go_live_at__lte=now)
    revisions = list(due.select_related("page").order_by("go_live_at", "id"))
    for revision in revisions:
        scheduler = revision.events.filter(action=Action.SCHEDULED).first()
        try:
            done += _make_live(revision, scheduler.actor if scheduler else None, claim=True)
        except WorkflowError as error:
            # Checked when it was scheduled; only a change to the screening rules since
            # can stop it now. It goes back to waiting, with the reason, rather than being
            # tried again on every request.
            _unschedule(revision, None, note=str(error)[:500])
    if revisions:
        _changed()
    return done


def next_change(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The earliest moment at which what the public sees changes by itself: a scheduled
    version going live (possibly already overdue), a page's first publication date or its
    take-down time."""
    now = now or timezone.now()
    published = Page.objects.filter(status=Page.Status.PUBLISHED)
    times = [
        PageRevision.objects.filter(status=Status.SCHEDULED).aggregate(t=Min("go_live_at"))["t"],
        published.filter(pub_date__gt=now).aggregate(t=Min("pub_date"))["t"],
        published.filter(expire_at__gt=now).aggregate(t=Min("expire_at"))["t"],
    ]
    times = [t for t in times if t is not None]
    return min(times) if times else None


# Internals ----------------------------------------------------------------------------


def _make_live(revision: PageRevision, actor, *, claim: bool = False) -> bool:
    """Copy the revision onto its page. With `claim`, only if it is still scheduled: one
    conditional update claims it, so two servers never publish it twice."""
    with transaction.atomic():
        page = Page.objects.select_for_update().get(pk=revision.page_id)
        if claim:
            claimed = PageRevision.objects.filter(pk=revision.pk, status=Status.SCHEDULED)
            if not claimed.update(status=Status.LIVE):
                return False
            problems = problems_publishing(revision)
            if problems:
                raise WorkflowError(problems)
        _cancel_schedules(page, actor, keep=revision)
        if page.live_revision_id and page.live_revision_id != revision.pk:
            PageRevision.objects.filter(pk=page.live_revision_id).update(status=Status.SUPERSEDED)
        _copy_content(page, revision)
        page.status = Page.Status.PUBLISHED
        page.live_revision = revision
        now = timezone.now()
        if page.pub_date is None or page.pub_date > now:
            page.pub_date = now
        if page.expire_at is not None and page.expire_at <= now:
            page.expire_at = None
        approval = revision.approval()
        if approval is not None:
            page.last_reviewed = timezone.localdate(approval.at)
            page.last_reviewed_by = approval.actor
            page.review_by = add_months(page.last_reviewed, REVIEW_MONTHS)
        page.save()
        revision.page = page
        _set_status(revision, Status.LIVE)
        PageEvent.record(revision, Action.PUBLISHED, actor)
    return True


def _cancel_schedules(page: Page, actor, *, keep: PageRevision) -> None:
    """A version published or scheduled replaces any other version waiting to go live,
    which would otherwise overwrite it later."""
    others = page.revisions.filter(status=Status.SCHEDULED).exclude(pk=keep.pk)
    for other in others:
        _unschedule(other, actor)


def _unschedule(revision: PageRevision, actor, note: str = "") -> None:
    revision.go_live_at = None
    status = Status.APPROVED if revision.approval() is not None else Status.DRAFT
    _set_status(revision, status, "go_live_at")
    PageEvent.record(revision, Action.UNSCHEDULED, actor, note)


def _copy_content(page: Page, revision: PageRevision) -> None:
    for field in CONTENT_FIELDS:
        setattr(page, field, getattr(revision, field))


def _set_status(revision: PageRevision, status: str, *also: str) -> None:
    revision.status = status
    revision.save(update_fields=["status", *also])


def _changed() -> None:
    from guide import cache

    cache.changed()
