"""What live readers receive about comments: fragments rendered once, sent to everyone.

A comment is rendered three times when it is published: as a signed-in reader sees
someone else's comment (like, reply, report), folded as a reader who muted its author
sees it, and as an anonymous reader sees it (log in to reply). The browser picks the
one for its reader. Nobody's own
controls (edit, delete) travel in a broadcast: an author's page fetches its own
view of the comment instead, and knows its own comments by the author's key
(the same for the author's page, and telling nobody else who wrote what).

Every change to a discussion carries its count as it now stands: each page
shows that number, rather than adding up what it happened to receive.
"""

from dataclasses import replace

from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac

from articles.models import Article
from briefing_site import events
from comments.models import Comment
from comments.threads import MAX_INDENT, Entry, discussion_count, in_questions


def reader_key(user) -> str:
    """What live events call this reader's comments by; empty for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return ""
    return _author_key(user.pk)


def muted_keys(user_ids) -> str:
    """The keys of the readers a reader muted, for their page: those readers' comments
    arrive folded (live events call authors by key alone)."""
    return " ".join(sorted(_author_key(user_id) for user_id in user_ids))


def _author_key(user_id) -> str:
    return salted_hmac("comments.live.author", str(user_id)).hexdigest()[:20]


class _SomeSignedInReader:
    """Renders a comment as any signed-in reader other than its author sees it."""

    is_authenticated = True
    is_anonymous = False
    pk = None


class _AnonymousReader:
    is_authenticated = False
    is_anonymous = True
    pk = None


def comment_published(comment: Comment):
    """Tell live readers, once the transaction commits, that this comment is visible."""
    comments_published([comment])


def comments_published(comments: list[Comment]):
    """comment_published() for each comment: their payloads loaded together and sent in
    one round trip."""
    kinds = {comment.pk: _published_kind(comment) for comment in comments if not comment.is_deleted}
    if not kinds:
        return

    def published():
        payloads = comment_payloads(kinds)
        return [
            (payload["article"], kinds[pk], payload["event"]) for pk, payload in payloads.items()
        ]

    events.publish_many_on_commit(published)


def _published_kind(comment: Comment) -> str:
    shown_before = comment.edited_at or comment.version > 1 or comment.featured
    return "comment.updated" if shown_before else "comment.published"


def comment_removed(comment: Comment):
    article_id, poll_id = comment.article_id, comment.poll_id
    events.publish_on_commit(
        article_id,
        "comment.removed",
        lambda: {
            "id": comment.pk,
            "poll": poll_id,
            "count": discussion_count(article_id, poll_id),
        },
    )


def comments_closed(article):
    """The article no longer takes comments: open pages lose their composers and Reply links."""
    events.publish_on_commit(
        article.pk,
        "comments.closed",
        lambda: {
            "html": render_to_string(
                "comments/discussion.html#closed-note",
                {
                    "article": article,
                    "continues_in": Article.objects.discussion_continues_in(article),
                },
            )
        },
    )


def comments_opened(article):
    """The article takes comments again: open pages offer a reload for the composer."""
    events.publish_on_commit(article.pk, "comments.opened", lambda: {})


def comment_payload(comment_id: int) -> dict | None:
    """The comment as live readers receive it; None when it is no longer visible."""
    payload = comment_payloads([comment_id]).get(comment_id)
    return payload["event"] if payload else None


def comment_payloads(comment_ids) -> dict[int, dict]:
    """{id: {"article": its article's id, "event": comment_payload()}} of those comments
    still visible: two queries for them all."""
    comments = [
        comment
        for comment in Comment.objects.select_related("article", "author", "stance", "poll")
        .annotate(in_questions=in_questions("article_id"))
        .filter(pk__in=list(comment_ids))
        .order_by("pk")
        if comment.is_visible_to(None)
    ]
    parent_paths = {comment.parent_path for comment in comments if comment.depth > 1}
    parents = {
        parent.path: parent
        for parent in Comment.objects.filter(path__in=parent_paths).select_related("author")
    }
    return {
        comment.pk: {
            "article": comment.article_id,
            "event": _payload(comment, parents.get(comment.parent_path)),
        }
        for comment in comments
    }


def _payload(comment: Comment, parent: Comment | None) -> dict:
    entry = Entry(
        comment,
        min(comment.depth, MAX_INDENT),
        replying_to=(
            parent.author_name
            if parent and parent.is_visible_to(None) and comment.depth > MAX_INDENT
            else ""
        ),
    )
    return {
        "id": comment.pk,
        "poll": comment.poll_id,
        "parent": parent.pk if parent else None,
        "depth": comment.depth,
        "author": _author_key(comment.author_id) if comment.author_id else "",
        "url": comment.urls["detail"],
        "count": (
            comment.poll.comment_count
            if comment.poll
            else max(0, comment.article.comment_count - comment.in_questions)
        ),
        "html": _render(entry, _SomeSignedInReader()),
        "html_anonymous": _render(entry, _AnonymousReader()),
        # For readers who muted its author (the page knows whom its reader muted).
        "html_muted": _render(replace(entry, muted=True), _SomeSignedInReader()),
    }


def _render(entry, user) -> str:
    # The article says whether the comment may still be answered.
    context = {"entry": entry, "user": user, "article": entry.comment.article}
    return render_to_string("comments/discussion.html#entry", context).strip()
