"""The community guidelines readers are pointed to from the composer, as a first
version editors then rewrite in the admin."""

from django.db import migrations

SLUG = "guidelines"
TITLE = "Community guidelines"
BODY = """\
Briefing's discussions are for readers who want to understand a story and
each other. Moderators read what is posted; these are the rules they apply.

## Welcome

- Disagree with ideas, not with people. Argue with evidence and say where it
  comes from.
- Stay on the story, or on the question you are discussing.
- Reply to the comment you are answering, so the thread stays readable.

## Not published

- Insults, threats, slurs and harassment of anyone, including public figures.
- Hate against people for who they are: nationality, ethnicity, religion,
  gender, sexuality or disability.
- Spam, advertising, and links posted to sell or to mislead.
- Someone else's private information, or pretending to be someone else
  (including the newsroom's staff).
- Claims presented as facts that you know to be false.

## How moderation works

A new comment is checked automatically before it appears; some are held for a
moderator, who has the last word. Three readers' reports hide a comment until
a moderator looks at it. You can edit a comment for a short while after
posting (the page says how long); an edited comment is checked again. A moderator may suspend or ban an account
that keeps breaking these rules; you are told why.

If you think a decision was wrong, reply to the notice you received or write
to the newsroom.
"""


def add_guidelines(apps, schema_editor):
    SitePage = apps.get_model("briefing_site", "SitePage")
    SitePage.objects.get_or_create(slug=SLUG, defaults={"title": TITLE, "body": BODY})


def remove_guidelines(apps, schema_editor):
    apps.get_model("briefing_site", "SitePage").objects.filter(slug=SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("briefing_site", "0007_site_pages")]

    operations = [migrations.RunPython(add_guidelines, remove_guidelines)]
