"""The clinic's first consent wording, so a fresh database can take signatures at once.
Admins publish new versions from the admin; this one stays as version 1."""

from django.db import migrations

CONSENT_V1 = """\
I am giving this information so that the clinic can decide with me whether acupuncture is safe and suitable for me. To the best of my knowledge my answers are true and complete, and I will tell the clinic if anything changes before or during treatment.

I understand that acupuncture uses fine, sterile, single-use needles placed through the skin. My practitioner may also suggest electroacupuncture (a small electric current through the needles), moxibustion (warming with the herb mugwort), or cupping. I will be asked again before any of these is used, and I may say no to any of them.

Common, short-lived effects include small bruises or spots of bleeding, soreness where a needle went in, tiredness or drowsiness, and a brief worsening of symptoms. If I feel drowsy after a treatment I will not drive. Some people feel faint during treatment; I will say at once if I feel unwell.

Rare but serious effects include infection, injury to a nerve, a broken needle, and puncture of a lung or other organ. The clinic takes precautions to keep these risks low.

Acupuncture is not a replacement for medical care. I will keep taking my prescribed medicines unless my doctor tells me otherwise, and I will see a doctor about any new or worsening symptom.

I can withdraw this consent and stop treatment at any time. My information is kept confidential and is seen only by the clinic's staff who need it for my care."""


def add_first_consent(apps, schema_editor):
    ConsentText = apps.get_model("intake", "ConsentText")
    if not ConsentText.objects.exists():
        ConsentText.objects.create(version=1, body=CONSENT_V1)


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_initial")]

    operations = [migrations.RunPython(add_first_consent, migrations.RunPython.noop)]
