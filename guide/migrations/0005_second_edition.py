"""Bring databases made before it to the guide's second edition (guide/content/*.md: plainer
words, the topics clinics asked for, every study's source).

A fresh database already has it (0002 reads the files). Elsewhere each changed page gets
the new text as a revision. A page nobody has edited and that is not clinical goes live with
it; a clinical page's new version waits for a practitioner's approval, and a page the clinic
has edited keeps its own text, with the new one offered as a draft beside it.
"""

from django.db import migrations
from django.utils import timezone

NOTE = "Second edition of the shipped guide: plainer words, more topics, all sources listed"
FIELDS = ("title", "summary", "body", "references")


def forwards(apps, schema_editor):
    from guide.content import load_pages
    from guide.markdown import render, render_references

    Page = apps.get_model("guide", "Page")
    PageRevision = apps.get_model("guide", "PageRevision")
    PageEvent = apps.get_model("guide", "PageEvent")
    db = schema_editor.connection.alias
    now = timezone.now()
    for source in load_pages():
        page = Page.objects.using(db).filter(slug=source.slug).first()
        if page is None:
            continue
        content = {
            "title": source.title,
            "summary": source.summary,
            "body": source.body,
            "references": source.references_text,
        }
        revisions = PageRevision.objects.using(db).filter(page=page).order_by("-created", "-id")
        newest = revisions.first()
        current = {field: getattr(newest or page, field) for field in FIELDS}
        if current == content:
            continue
        edited = revisions.exclude(author=None).exists()
        goes_live = not edited and not page.clinical and page.status == "published"
        status = "live" if goes_live else ("submitted" if page.clinical else "draft")
        revision = PageRevision.objects.using(db).create(
            page=page, **content, note=NOTE, created=now, status=status
        )
        action = "published" if goes_live else ("submitted" if page.clinical else "saved")
        PageEvent.objects.using(db).create(
            page=page, revision=revision, action=action, at=now, note=NOTE
        )
        if goes_live:
            revisions.exclude(pk=revision.pk).filter(status="live").update(status="superseded")
            for field, value in content.items():
                setattr(page, field, value)
            page.body_html = render(page.body)
            page.references_html = render_references(page.references)
            page.live_revision = revision
            page.save()


class Migration(migrations.Migration):
    dependencies = [("guide", "0004_workflow_state")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
