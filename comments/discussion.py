"""A discussion as one reader sees it: a page of its threads in the chosen order, and its links."""

from django.conf import settings
from django.urls import reverse

from articles.publishing import discussion_continues_in
from comments import threads
from comments.forms import CommentForm
from comments.rules import voice
from comments.services import editors_picks
from polls.models import Vote


def discussion_url(article, poll=None, **params) -> str:
    """The discussion page of the article, or of one of its questions, with `params`."""
    url = reverse("comments:discussion", args=[article.slug])
    query = {"poll": poll.pk if poll else None, **params}
    query = "&".join(f"{key}={value}" for key, value in query.items() if value)
    return f"{url}?{query}" if query else url


def discussion_context(*, article, user, poll=None, sort=None, cursor=None) -> dict:
    """What the discussion partial needs: the thread page after `cursor` in `sort` order
    (the default order for an unknown one). Raises threads.BadCursor for a broken cursor."""
    sort = sort if sort in threads.SORTS else threads.DEFAULT_SORT
    page = threads.thread_page(article=article, poll=poll, user=user, sort=sort, cursor=cursor)
    return {
        "article": article,
        "poll": poll,
        "page": page,
        "key": f"poll-{poll.pk}" if poll else "article",
        "form": CommentForm(),
        "can_show_stance": poll is not None and _has_voted(user, poll),
        "sort_links": [
            (name, label, discussion_url(article, poll, sort=name))
            for name, label in threads.SORT_LABELS.items()
        ],
        "more_url": (
            discussion_url(article, poll, sort=sort, after=page.next_cursor)
            if page.next_cursor
            else None
        ),
        "comment_count": poll.comment_count if poll else article.comment_count,
        "picks": editors_picks(article, poll),
        "edit_window": settings.COMMENT_EDIT_WINDOW_MINUTES,
        **where_reader_acts(article=article, user=user),
    }


def where_reader_acts(*, article, user) -> dict:
    """What the reader may say on the article (rules.Voice) and, once its comments are
    closed, where its discussion continues."""
    return {
        "voice": voice(article=article, user=user),
        "continues_in": discussion_continues_in(article) if article.comments_closed else None,
    }


def _has_voted(user, poll) -> bool:
    """Only a signed-in reader who voted may show their vote beside a comment."""
    return user.is_authenticated and Vote.objects.filter(poll=poll, user=user).exists()
