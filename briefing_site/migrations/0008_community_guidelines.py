"""The community guidelines readers are pointed to from the composer, as a first
version editors then rewrite in the admin."""

from django.db import migrations

# The text lives beside the view, which shows it while no page is saved.
from briefing_site.site_pages import GUIDELINES as SLUG
from briefing_site.site_pages import GUIDELINES_BODY as BODY
from briefing_site.site_pages import GUIDELINES_TITLE as TITLE


def add_guidelines(apps, schema_editor):
    SitePage = apps.get_model("briefing_site", "SitePage")
    SitePage.objects.get_or_create(slug=SLUG, defaults={"title": TITLE, "body": BODY})


def remove_guidelines(apps, schema_editor):
    apps.get_model("briefing_site", "SitePage").objects.filter(slug=SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("briefing_site", "0007_site_pages")]

    operations = [migrations.RunPython(add_guidelines, remove_guidelines)]
