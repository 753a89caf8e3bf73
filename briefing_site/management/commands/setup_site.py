from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

import articles
from articles.briefing import parse_briefing
from articles.importer import import_briefing
from articles.models import Article
from briefing_site.roles import ensure_demo_accounts, ensure_groups

DEMO_BRIEFING = Path(articles.__file__).parent / "demo" / "asean-border-talks.txt"


class Command(BaseCommand):
    help = (
        "Import the demo article, create the Editors and Moderators groups and, "
        "in DEBUG only, demo accounts. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo-article", action="store_true", help="Skip importing the demo article."
        )

    def handle(self, *args, no_demo_article, **options):
        if not no_demo_article:
            self.import_demo_article()

        groups = ensure_groups()
        self.stdout.write(f"Groups ready: {', '.join(groups)}.")

        if settings.DEBUG:
            self.stdout.write("Demo accounts (development only):")
            for username, password in ensure_demo_accounts(groups):
                self.stdout.write(f"  {username:<10} password: {password}")

    def import_demo_article(self):
        briefing = parse_briefing(DEMO_BRIEFING.read_bytes())
        existing = Article.objects.filter(slug=briefing.slug).first()
        if existing:
            # Leave it alone: editors may have changed it in the admin since.
            self.stdout.write(f"Demo article already present: {existing.get_absolute_url()}")
            return
        result = import_briefing(briefing)
        self.stdout.write(f"Imported the demo article: {result.article.get_absolute_url()}")
