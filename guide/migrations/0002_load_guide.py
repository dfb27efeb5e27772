"""Load the guide as shipped in guide/content/*.md, so a fresh database has every page.

The files are read when this migration runs. Databases migrated earlier are not touched by
later edits to the files: from then on the pages are edited in the admin, with revisions.
"""

from django.db import migrations
from django.utils import timezone


def load_guide(apps, schema_editor):
    from guide.content import load_pages
    from guide.markdown import render, render_references

    Page = apps.get_model("guide", "Page")
    PageRevision = apps.get_model("guide", "PageRevision")
    db = schema_editor.connection.alias
    now = timezone.now()
    for source in load_pages():
        if Page.objects.using(db).filter(slug=source.slug).exists():
            continue
        page = Page.objects.using(db).create(
            title=source.title,
            slug=source.slug,
            summary=source.summary,
            body=source.body,
            body_html=render(source.body),
            references=source.references_text,
            references_html=render_references(source.references_text),
            order=source.order,
            status="published",
            pub_date=now,
            last_reviewed=source.last_reviewed,
        )
        PageRevision.objects.using(db).create(
            page=page,
            title=page.title,
            summary=page.summary,
            body=page.body,
            references=page.references,
            note="Loaded with the first release of the guide",
            created=now,
        )


def unload_guide(apps, schema_editor):
    from guide.content import load_pages

    Page = apps.get_model("guide", "Page")
    slugs = [source.slug for source in load_pages()]
    Page.objects.using(schema_editor.connection.alias).filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("guide", "0001_initial")]

    operations = [migrations.RunPython(load_guide, unload_guide)]
