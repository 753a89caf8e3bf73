"""Corrections and updates on the record: every version of a published article's text, the
changes readers are shown, and the followers who asked to hear of them."""

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from articles.models import (
    Article,
    ArticleVersion,
    Block,
    CorrectionNotice,
    Section,
    StoryFollow,
)
from articles.tasks import email_correction, tell_of_correction
from briefing_site.models import ReaderPreferences
from briefing_site.notices import notify
from briefing_site.site_address import site_url
from briefing_site.tasks import enqueue_or_leave_to_sweeper

Kind = ArticleVersion.Kind
ON_THE_RECORD = (Kind.CORRECTION, Kind.UPDATE)
# What an editor picks when saving a published article's text.
CHANGE_CHOICES = [(kind.value, kind.label) for kind in (Kind.CORRECTION, Kind.UPDATE, Kind.SILENT)]


class ChangeRefused(Exception):
    """The change cannot be recorded; one sentence for the editor."""


@dataclass(frozen=True)
class Change:
    """What an editor said of a change to a published article's text."""

    kind: str = Kind.SILENT
    note: str = ""


def check_change(kind: str, note: str) -> str:
    """The sentence that refuses this choice, or "" when it is complete."""
    if kind not in dict(CHANGE_CHOICES):
        return "Say whether this change is a correction, an update or a silent fix (a typo)."
    if kind in ON_THE_RECORD and not note.strip():
        return f"Write the note readers will see with the {Kind(kind).label.lower()}."
    return ""


def snapshot(article: Article) -> str:
    """The article's text as it stands in the database: title, lead, then each section."""
    article = Article.objects.only("title", "lead").get(pk=article.pk)
    parts = [article.title, "=" * min(len(article.title), 60)]
    if article.lead:
        parts += ["", article.lead]
    sections = Section.objects.filter(article=article).prefetch_related(
        Prefetch("blocks", queryset=Block.objects.order_by("position"))
    )
    for section in sections.order_by("position"):
        if section.title:
            parts += ["", "#" * section.level + " " + section.title]
        parts += [text for block in section.blocks.all() for text in ("", block.text)]
    return "\n".join(parts).strip() + "\n"


def _unversioned_text(article: Article) -> tuple[Article, ArticleVersion | None, str] | None:
    """In a transaction: the published article locked, its latest version and its text now;
    None when it is not out or its text is already that version's."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not article.is_published:
        return None
    latest = article.versions.order_by("-number").first()
    text = snapshot(article)
    if latest is not None and latest.text == text:
        return None
    return article, latest, text


def keep_published_text(article: Article) -> ArticleVersion | None:
    """Before a change: make sure the text readers have seen so far is a version.

    The first version is the text as published; a change that reached a published article
    some other way (a poll added to its body) is kept as a silent fix, so the next diff shows
    only the next change.
    """
    with transaction.atomic():
        if (changed := _unversioned_text(article)) is None:
            return None
        article, latest, text = changed
        return ArticleVersion.objects.create(
            article=article,
            number=1 if latest is None else latest.number + 1,
            kind=Kind.FIRST if latest is None else Kind.SILENT,
            text=text,
            created_at=article.published_at if latest is None else timezone.now(),
        )


def record_change(*, article: Article, change: Change, editor=None) -> ArticleVersion | None:
    """After an editor saved a published article: its new text as a version, of the kind they
    chose. None when the text did not change (or the article is not out). Corrections and
    updates are shown on the article and told to the followers who asked for them."""
    with transaction.atomic():
        if (changed := _unversioned_text(article)) is None:
            return None
        article, latest, text = changed
        kind, note = change.kind, change.note.strip()
        if latest is None:
            kind, note = Kind.FIRST, ""  # published in this very save: nothing to correct yet
        elif refusal := check_change(kind, note):
            raise ChangeRefused(refusal)
        version = ArticleVersion.objects.create(
            article=article,
            number=1 if latest is None else latest.number + 1,
            kind=kind,
            note=note if kind != Kind.SILENT else "",
            text=text,
            editor=editor if editor is not None and editor.is_authenticated else None,
        )
        # A new updated_at renews the page's shared copy and the feeds' updated dates.
        Article.objects.filter(pk=article.pk).update(
            updated_at=version.created_at,
            correction_count=F("correction_count") + (1 if kind in ON_THE_RECORD else 0),
        )
        if kind in ON_THE_RECORD:
            transaction.on_commit(lambda: _queue_telling(version.pk))
    return version


def _queue_telling(version_id: int):
    enqueue_or_leave_to_sweeper(tell_of_correction, version_id)


def on_the_record(article: Article) -> list[ArticleVersion]:
    """The article's corrections and updates, oldest first, as readers see them."""
    if not article.correction_count:
        return []
    return list(article.versions.on_the_record().only("kind", "note", "created_at", "article"))


def tell_followers(version_id: int) -> int:
    """Each follower of the story who asked for corrections gets a notice (and an email), once."""
    version = (
        ArticleVersion.objects.select_related("article")
        .filter(pk=version_id, kind__in=ON_THE_RECORD)
        .first()
    )
    if version is None or not version.article.is_published:
        return 0
    article = version.article
    wanting = set(
        StoryFollow.objects.filter(
            story_id=article.story_root_id, user__preferences__corrections=True
        ).values_list("user_id", flat=True)
    )
    already = set(
        CorrectionNotice.objects.filter(version=version).values_list("user_id", flat=True)
    )
    message = f"{version.get_kind_display()} to “{article.title}”: {version.note}"
    url = article.get_absolute_url() + "#corrections"
    told = 0
    for user_id in sorted(wanting - already):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    notice = CorrectionNotice.objects.create(version=version, user_id=user_id)
            except IntegrityError:
                continue  # another run told them
            notify(user=notice.user, message=message[:300], url=url)
            transaction.on_commit(lambda pk=notice.pk: _queue_email(pk))
        told += 1
    return told


def _queue_email(notice_id: int):
    enqueue_or_leave_to_sweeper(email_correction, notice_id)


def send_email(notice_id: int) -> bool:
    """Send the email once; an SMTP failure raises, for the task to retry."""
    with transaction.atomic():
        notice = (
            CorrectionNotice.objects.select_for_update()
            .select_related("version__article", "user")
            .filter(pk=notice_id, emailed_at__isnull=True)
            .first()
        )
        if notice is None or not notice.user.email:
            return False
        version, article = notice.version, notice.version.article
        still_wanted = (
            article.is_published
            and StoryFollow.objects.filter(
                user=notice.user, story_id=article.story_root_id
            ).exists()
            and ReaderPreferences.objects.filter(user=notice.user, corrections=True).exists()
        )
        if not still_wanted:
            return False
        context = {
            "version": version,
            "article": article,
            "user": notice.user,
            "site_url": site_url(),
            "preferences_url": reverse("notices"),
        }
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}"
            f"{version.get_kind_display()}: {article.title}",
            message=render_to_string("articles/correction_email.txt", context),
            from_email=None,
            recipient_list=[notice.user.email],
        )
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
        return True


SWEEP_WINDOW = dt.timedelta(days=2)
EMAIL_GRACE = dt.timedelta(minutes=2)


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """Catch up on what a broker outage left undone: (readers told, emails queued)."""
    now = now or timezone.now()
    recent = ArticleVersion.objects.filter(
        kind__in=ON_THE_RECORD, created_at__gte=now - SWEEP_WINDOW
    ).values_list("pk", flat=True)
    told = sum(tell_followers(pk) for pk in recent)
    unsent = CorrectionNotice.objects.filter(
        emailed_at__isnull=True,
        created_at__lte=now - EMAIL_GRACE,
        created_at__gte=now - SWEEP_WINDOW,
    ).values_list("pk", flat=True)
    queued = 0
    for notice_id in unsent:
        _queue_email(notice_id)
        queued += 1
    return told, queued


# Words and the spaces between them, so a changed line shows which words changed.
WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "changed"
    html: str


def compare(old: str, new: str) -> list[DiffLine]:
    """The lines of `new` against `old`, with removed words in <del> and added ones in <ins>."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", escape(line)) for line in new_lines[j1:j2]]
        elif tag == "delete":
            lines += [
                DiffLine("removed", format_html("<del>{}</del>", line)) for line in old_lines[i1:i2]
            ]
        elif tag == "insert":
            lines += [
                DiffLine("added", format_html("<ins>{}</ins>", line)) for line in new_lines[j1:j2]
            ]
        else:
            lines.append(
                DiffLine(
                    "changed", _word_diff("\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2]))
                )
            )
    return lines


def _word_diff(old: str, new: str) -> str:
    old_words, new_words = WORDS.findall(old), WORDS.findall(new)
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(new_words[j1:j2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(old_words[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped
