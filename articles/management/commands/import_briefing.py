import datetime as dt
import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.briefing import BriefingError, parse_briefing
from articles.corrections import Change, ChangeRefused
from articles.importer import ImportRefused, import_briefing
from articles.models import Article, ArticleVersion

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = Article._meta.get_field("slug").max_length


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


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
            "--follow-up-of",
            metavar="SLUG",
            help="Make it a follow-up of this article (same story); readers of the "
            "story's earlier articles are told when it is published.",
        )
        parser.add_argument(
            "--publish-at",
            metavar="TIME",
            help="Schedule it, e.g. 2026-12-01T09:00+07:00 (beat publishes it on time).",
        )
        change = parser.add_mutually_exclusive_group()
        change.add_argument(
            "--correction",
            metavar="NOTE",
            help="Re-importing a published article corrects it: readers see this note.",
        )
        change.add_argument(
            "--update",
            metavar="NOTE",
            help="Re-importing a published article updates it: readers see this note "
            "(without either, the change is kept as a silent fix).",
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
        follows = self._article_followed(options.get("follow_up_of"))
        publish_at = self._publish_at(options.get("publish_at"))
        if status == Article.Status.SCHEDULED and publish_at is None:
            raise CommandError("--status scheduled needs --publish-at TIME.")
        briefing = self._parse(file)
        slug = self._slug(slug)
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

        try:
            result = import_briefing(
                briefing,
                slug=slug,
                status=status,
                follows=follows,
                publish_at=publish_at,
                change=self._change(options.get("correction"), options.get("update")),
            )
        except (ImportRefused, ChangeRefused) as error:
            raise CommandError(str(error)) from None
        if not as_json:
            self._report(result)

    def _parse(self, file):
        try:
            source = Path(file).read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file.") from None
        except IsADirectoryError:
            raise CommandError(f"{file}: is a directory, not a briefing file.") from None
        except OSError as error:
            raise CommandError(f"{file}: cannot be read ({error.strerror}).") from None
        try:
            return parse_briefing(source)
        except BriefingError as error:
            raise CommandError(f"{file}: {error}") from None

    def _slug(self, slug):
        if slug is None:
            return None
        slug = slug.strip()
        if not SLUG_PATTERN.fullmatch(slug) or len(slug) > SLUG_MAX_LENGTH:
            raise CommandError(
                f"--slug {slug!r} is not a slug: use lower-case letters, digits and hyphens."
            )
        return slug

    def _report(self, result):
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

    def _change(self, correction, update):
        if correction is not None:
            return Change(kind=ArticleVersion.Kind.CORRECTION, note=correction)
        if update is not None:
            return Change(kind=ArticleVersion.Kind.UPDATE, note=update)
        return None

    def _article_followed(self, slug):
        if not slug:
            return None
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            raise CommandError(f"--follow-up-of {slug!r}: no article has that slug.")
        return article

    def _publish_at(self, value):
        if not value:
            return None
        try:
            moment = _aware(dt.datetime.fromisoformat(value))
        except ValueError:
            raise CommandError(
                f"--publish-at {value!r} is not a time: use e.g. 2026-12-01T09:00+07:00."
            ) from None
        if moment <= timezone.now():
            raise CommandError(f"--publish-at {value!r} is in the past.")
        return moment
