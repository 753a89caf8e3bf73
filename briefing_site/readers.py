"""Readers as other readers meet them: a profile of what they published, and the
readers one has muted (their comments folded for that reader alone)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404

from articles.models import Article
from briefing_site.models import Mute
from comments.models import Comment, visible_to_q

PROFILE_COMMENTS_PER_PAGE = 20


class MuteRefused(ValueError):
    """The mute cannot be done; the message is one sentence for the reader."""


@dataclass
class Profile:
    reader: object
    comment_count: int
    likes_received: int
    comments: Page


def reader_named(name: str):
    return get_object_or_404(get_user_model(), username=name, is_active=True)


def published_by(reader):
    """What anyone may read of this reader: approved comments on published articles."""
    return Comment.objects.filter(
        visible_to_q(None), author=reader, article__in=Article.objects.published()
    )


def profile_of(reader, *, page=None) -> Profile:
    """The reader's profile with one page of their comments, newest first: three
    queries, however many comments they wrote."""
    comments = published_by(reader)
    totals = comments.aggregate(count=Count("pk"), likes=Sum("like_count"))
    paginator = Paginator(
        comments.select_related("article", "poll").order_by("-created_at", "-pk"),
        PROFILE_COMMENTS_PER_PAGE,
    )
    paginator.count = totals["count"]  # known already: no second count query
    return Profile(
        reader=reader,
        comment_count=totals["count"],
        likes_received=totals["likes"] or 0,
        comments=paginator.get_page(page),
    )


def has_muted(reader, other) -> bool:
    if not reader.is_authenticated:
        return False
    return Mute.objects.filter(reader=reader, muted=other).exists()


def muted_by(reader):
    return Mute.objects.filter(reader=reader).select_related("muted")


def mute(reader, other) -> None:
    if reader.pk == other.pk:
        raise MuteRefused("You cannot mute yourself.")
    try:
        with transaction.atomic():
            Mute.objects.get_or_create(reader=reader, muted=other)
    except IntegrityError:  # muted twice at once: the first one holds
        pass


def unmute(reader, other) -> None:
    Mute.objects.filter(reader=reader, muted=other).delete()
