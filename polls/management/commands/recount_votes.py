from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from polls.models import Choice, Vote


class Command(BaseCommand):
    help = "Rebuild every choice's vote counter from the votes themselves."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare; exit non-zero if any counter is wrong.",
        )

    def handle(self, *args, check, **options):
        actual = Coalesce(
            Subquery(
                Vote.objects.filter(choice=OuterRef("pk"))
                .values("choice")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        with transaction.atomic():
            wrong = list(
                Choice.objects.select_for_update()
                .annotate(actual=actual)
                .exclude(vote_count=F("actual"))
                .values_list("pk", "vote_count", "actual")
            )
            if check:
                if wrong:
                    raise CommandError(
                        f"{len(wrong)} vote counters disagree with the votes "
                        f"(choice, counter, votes): {wrong[:10]}"
                    )
                self.stdout.write("Every vote counter agrees with the votes.")
                return
            for pk, _counter, votes in wrong:
                Choice.objects.filter(pk=pk).update(vote_count=votes)
        self.stdout.write(f"Recounted: {len(wrong)} counters corrected.")
