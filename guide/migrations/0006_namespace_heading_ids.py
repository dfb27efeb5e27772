"""Render every page again: heading ids are now namespaced (guide.markdown.section_id,
docs/security.md S29), and the HTML stored before still has the bare ones."""

from django.db import migrations


def render_again(apps, schema_editor):
    from guide.markdown import render, render_references

    Page = apps.get_model("guide", "Page")
    db = schema_editor.connection.alias
    for page in Page.objects.using(db).all():
        page.body_html = render(page.body)
        page.references_html = render_references(page.references)
        page.save(update_fields=["body_html", "references_html"])


class Migration(migrations.Migration):
    dependencies = [("guide", "0005_second_edition")]

    operations = [migrations.RunPython(render_again, migrations.RunPython.noop)]
