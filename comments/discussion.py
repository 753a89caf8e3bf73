"""A discussion as one reader sees it: a page of its threads in the chosen order, and its links."""

import re

from django.conf import settings
from django.urls import reverse

from articles.models import Article
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


def discussion_key(poll=None) -> str:
    """What the ids of a discussion's parts on a page end with."""
    return f"poll-{poll.pk}" if poll else "article"


_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}", re.ASCII)


def page_number(value: str | None) -> int | None:
    """`?page=` as a page number; None when absent. threads.BadCursor when it cannot be one."""
    if value is None:
        return None
    if not _PAGE_NUMBER.fullmatch(value):
        raise threads.BadCursor("That page of comments does not exist.")
    return int(value)


def discussion_context(
    *, article, user, poll=None, sort=None, cursor=None, number=None, page_url=None, questions=None
) -> dict:
    """What the discussion partial needs: the thread page after `cursor`, or page `number`,
    in `sort` order (the default order for an unknown one). Raises threads.BadCursor for a
    broken cursor or a page that does not exist.

    `page_url` is the address of the page the discussion is shown on; choosing an order
    puts it there (with the order), so that reloading or sharing the page keeps it.
    `questions`, every poll of the article as the page loaded them, spares a query for
    the article discussion's count.
    """
    sort = sort if sort in threads.SORTS else threads.DEFAULT_SORT
    page = threads.thread_page(
        article=article, poll=poll, user=user, sort=sort, cursor=cursor, number=number
    )
    key = discussion_key(poll)
    return {
        "article": article,
        "poll": poll,
        "page": page,
        "key": key,
        "form": CommentForm(),
        "can_show_stance": poll is not None and _has_voted(user, poll),
        "sort_links": [
            (
                name,
                label,
                discussion_url(article, poll, sort=name),
                _with_sort(page_url, name, key) if page_url else None,
            )
            for name, label in threads.SORT_LABELS.items()
        ],
        "more_url": (
            discussion_url(article, poll, sort=sort, after=page.next_cursor)
            if page.next_cursor
            else None
        ),
        # Without JavaScript "show more" opens the next page, which continues the list.
        "next_page_url": (
            discussion_url(article, poll, sort=sort, page=page.number + 1)
            if page.next_cursor and not cursor
            else None
        ),
        "previous_page_url": (
            discussion_url(article, poll, sort=sort, page=page.number - 1)
            if page.number > 1
            else None
        ),
        "comment_count": _count(article, poll, questions),
        "picks": editors_picks(article, poll),
        "edit_window": settings.COMMENT_EDIT_WINDOW_MINUTES,
        **where_reader_acts(article=article, user=user),
    }


def where_reader_acts(*, article, user) -> dict:
    """What the reader may say on the article (rules.Voice) and, once its comments are
    closed, where its discussion continues."""
    return {
        "voice": voice(article=article, user=user),
        "continues_in": Article.objects.discussion_continues_in(article)
        if article.comments_closed
        else None,
    }


def _count(article, poll, questions) -> int:
    if poll is not None:
        return poll.comment_count
    if questions is not None:
        return max(0, article.comment_count - sum(question.comment_count for question in questions))
    return threads.discussion_count(article.pk)


def _with_sort(page_url: str, sort: str, key: str) -> str:
    joiner = "&" if "?" in page_url else "?"
    return f"{page_url}{joiner}sort={sort}#discussion-{key}"


def _has_voted(user, poll) -> bool:
    """Only a signed-in reader who voted may show their vote beside a comment."""
    return user.is_authenticated and Vote.objects.filter(poll=poll, user=user).exists()
