"""Publishing: states, schedules, follow-ups and what their readers are told."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles import corrections, live
from articles.models import Article
from articles.tasks import tell_followers
from briefing_site import staff_log
from briefing_site.tasks import enqueue_or_leave_to_sweeper
from comments import live as comments_live


class PublishingError(Exception):
    """The change is refused; the message is one sentence for the editor."""


def start_followup(of: Article, *, title: str, slug: str, lead: str = "") -> Article:
    """A draft follow-up of `of`, in the same story."""
    if Article.objects.filter(slug=slug).exists():
        raise PublishingError(f"An article with the address {slug!r} already exists.")
    return Article.objects.create(
        title=title,
        slug=slug,
        lead=lead,
        status=Article.Status.DRAFT,
        follows=of,
        keywords=list(of.keywords),
    )


@transaction.atomic
def schedule(article: Article, at: dt.datetime) -> Article:
    if at <= timezone.now():
        raise PublishingError("Choose a time in the future to schedule it, or publish it now.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.is_published:
        raise PublishingError("It is already published.")
    article.status = Article.Status.SCHEDULED
    article.publish_at = at
    article.save(update_fields=["status", "publish_at", "updated_at"])
    return article


@transaction.atomic
def publish(article: Article, *, at: dt.datetime | None = None) -> bool:
    """Publish now (or as of its scheduled time). False if it already was published."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status == Article.Status.PUBLISHED:
        return False
    article.status = Article.Status.PUBLISHED
    article.published_at = at or article.published_at or timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    announce(article)
    return True


def publish_due(now: dt.datetime | None = None) -> list[int]:
    """Publish every scheduled article whose time has come; safe to run twice at once.

    Each article is switched in its own transaction, under a row lock that a
    second run skips, so each is published (and announced) exactly once.
    """
    now = now or timezone.now()
    published = []
    while True:
        with transaction.atomic():
            due = (
                Article.objects.select_for_update(skip_locked=True)
                .filter(status=Article.Status.SCHEDULED, publish_at__lte=now)
                .order_by("publish_at", "pk")
                .first()
            )
            if due is None:
                return published
            due.status = Article.Status.PUBLISHED
            due.published_at = due.publish_at
            due.save(update_fields=["status", "published_at", "updated_at"])
            announce(due)
            published.append(due.pk)


def announce(article: Article):
    """After the commit: its text as published is kept, and readers of the story's earlier
    articles see the follow-up arrive."""
    transaction.on_commit(lambda: corrections.keep_published_text(article))
    if article.story_id is None:
        return
    earlier = (
        Article.objects.published()
        .filter(Q(pk=article.story_id) | Q(story_id=article.story_id))
        .filter(published_at__lte=article.published_at)
        .exclude(pk=article.pk)
        .values_list("pk", flat=True)
    )
    live.followup_published(article, list(earlier))
    transaction.on_commit(lambda: _queue_followers(article.pk))


def comments_changed_state(article: Article):
    """Tell the article's open pages that it now takes comments, or no longer does."""
    if not article.is_published:
        return
    if article.comments_closed:
        comments_live.comments_closed(article)
    else:
        comments_live.comments_opened(article)


def _queue_followers(followup_id: int):
    enqueue_or_leave_to_sweeper(tell_followers, followup_id)


def story_of(article: Article, *, include_unpublished=False) -> list[Article]:
    """Every article of the story, newest first: readers see the published ones only."""
    root = article.story_root_id
    articles = Article.objects.filter(Q(pk=root) | Q(story_id=root))
    if not include_unpublished:
        articles = articles.published()
    return list(
        articles.only(
            "title", "slug", "status", "published_at", "publish_at", "story", "follows"
        ).order_by("-published_at", "-pk")
    )


def neighbours(article: Article, timeline: list[Article]):
    """(previous, next) of the article in its story, by publication time."""
    oldest_first = [piece for piece in reversed(timeline) if piece.published_at]
    ids = [piece.pk for piece in oldest_first]
    if article.pk not in ids:
        return None, None
    index = ids.index(article.pk)
    previous = oldest_first[index - 1] if index > 0 else None
    following = oldest_first[index + 1] if index + 1 < len(oldest_first) else None
    return previous, following


# The staff log's words for each change to an article's discussion: (turned on, turned off).
DISCUSSION_CHANGES = {
    "comments_closed": ("Closed comments", "Reopened comments"),
    "premoderate": ("Pre-moderated comments", "Stopped pre-moderating comments"),
}


# Moderators may close, reopen and pre-moderate a story's comments without editing it.
MODERATE_COMMENTS = "articles.moderate_comments"


def can_moderate_comments(user) -> bool:
    return user is not None and user.has_perm(MODERATE_COMMENTS)


@transaction.atomic
def set_discussion(articles, *, actor, **changes) -> int:
    """Close or reopen, pre-moderate or not, the comments of `articles` (a queryset);
    returns how many changed. Each change goes on the staff log, and readers with one of
    them open see it closed at once (no composer, no Reply links)."""
    if not can_moderate_comments(actor):
        raise PermissionDenied("Only moderators and editors can close or pre-moderate comments.")
    changed = 0
    # By primary key alone: the admin's list query carries annotations FOR UPDATE refuses.
    for article in Article.objects.filter(pk__in=articles.values("pk")).select_for_update():
        fields = [name for name, value in changes.items() if getattr(article, name) != value]
        if not fields:
            continue
        for name in fields:
            setattr(article, name, changes[name])
        if "comments_closed" in fields:
            comments_closed_changed(article)
            fields.append("comments_closed_at")
        article.save(update_fields=fields)
        record_discussion_changes(article, actor=actor, fields=fields)
        if "comments_closed" in fields:
            comments_changed_state(article)
        changed += 1
    return changed


def record_discussion_changes(article: Article, *, actor, fields):
    """Put the changes to `article`'s discussion among `fields` on the staff log."""
    for name in fields:
        if name in DISCUSSION_CHANGES:
            on, off = DISCUSSION_CHANGES[name]
            staff_log.record(
                actor=actor,
                kind=staff_log.Kind.DISCUSSION,
                action=on if getattr(article, name) else off,
                article_id=article.pk,
                subject=article.title,
                url=article.get_absolute_url(),
            )


def comments_closed_changed(article: Article):
    """An editor ticked or cleared "comments closed" on the article about to be saved."""
    article.comments_closed_at = timezone.now() if article.comments_closed else None
