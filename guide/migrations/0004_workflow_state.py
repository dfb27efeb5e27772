"""Give existing pages and revisions their place in the publishing workflow.

A published page's newest revision is the one on the site (the admin saved the page and its
revision together until now); older revisions were live before it. The safety, research and
how-it-works pages are clinical. Every page gets a review-by date a year after its last
clinical review.
"""

from django.db import migrations

CLINICAL_SLUGS = ("safety", "research", "how-it-might-work")

def _year_later(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)

def forwards(apps, schema_editor):
    Page = apps.get_model("guide", "Page")
    PageRevision = apps.get_model("guide", "PageRevision")
    db = schema_editor.connection.alias
    for page in Page.objects.using(db).all():
        revisions = PageRevision.objects.using(db).filter(page=page).order_by("-created", "-id")
        newest = revisions.first()
        if page.status == "published" and newest is not None:
            revisions.exclude(pk=newest.pk).update(status="superseded")
            newest.status = "live"
            newest.save(update_fields=["status"])
            page.live_revision = newest
        page.clinical = page.slug in CLINICAL_SLUGS
        if page.last_reviewed and page.review_by is None:
            page.review_by = _year_later(page.last_reviewed)
        page.save(update_fields=["live_revision", "clinical", "review_by"])

class Migration(migrations.Migration):
    dependencies = [("guide", "0003_workflow")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
