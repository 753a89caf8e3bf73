import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.briefing import BriefingError, parse_briefing
from articles.importer import import_briefing
from articles.models import Article

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = Article._meta.get_field("slug").max_length


class Command(BaseCommand):
    help = "Import a plain-text briefing as an article, with one poll per reader question."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the briefing text file.")
        parser.add_argument("--slug", help="Use this slug instead of one made from the title.")
        parser.add_argument(
            "--status",
            choices=[choice for choice, _ in Article.Status.choices],
            help="Publishing status (new articles default to published; re-imports keep theirs).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the parsed article as JSON on stdout.",
        )

    def handle(self, *args, file, slug, status, dry_run, as_json, **options):
        path = Path(file)
        try:
            source = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file.") from None
        except IsADirectoryError:
            raise CommandError(f"{file}: is a directory, not a briefing file.") from None
        except OSError as error:
            raise CommandError(f"{file}: cannot be read ({error.strerror}).") from None

        try:
            briefing = parse_briefing(source)
        except BriefingError as error:
            raise CommandError(f"{file}: {error}") from None

        if slug is not None:
            slug = slug.strip()
            if not SLUG_PATTERN.fullmatch(slug) or len(slug) > SLUG_MAX_LENGTH:
                raise CommandError(
                    f"--slug {slug!r} is not a slug: use lower-case letters, digits and hyphens."
                )

        for warning in briefing.warnings:
            self.stderr.write(f"warning: {warning}")

        if as_json:
            payload = briefing.to_dict()
            if slug:
                payload["slug"] = slug
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        if dry_run:
            if not as_json:
                self.stdout.write(
                    f"Dry run: would import {briefing.title!r} as {slug or briefing.slug} "
                    f"({len(briefing.sections)} sections, {len(briefing.questions)} questions). "
                    "Nothing written."
                )
            return

        result = import_briefing(briefing, slug=slug, status=status)
        if as_json:
            return
        verb = "Created" if result.created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.article.slug}: {result.sections} sections, "
                f"{result.blocks} blocks, polls {len(result.polls_created)} new, "
                f"{len(result.polls_kept)} kept, {len(result.polls_removed)} removed."
            )
        )
        for question in result.polls_retired:
            self.stderr.write(
                f"warning: the question {question!r} is no longer in the briefing; its poll "
                "has votes, so it was closed and is listed after the article (delete it in "
                "the admin if it should go)."
            )
