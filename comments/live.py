"""What live readers receive about comments: fragments rendered once, sent to everyone.

A comment is rendered three times when it is published: as a signed-in reader sees
someone else's comment (like, reply, report), folded as a reader who muted its author
sees it, and as an anonymous reader sees it (log in to reply). The browser picks the
one for its reader. Nobody's own
controls (edit, delete) travel in a broadcast: an author's page fetches its own
view of the comment instead.
"""

from dataclasses import replace

from django.template.loader import render_to_string

from briefing_site import events
from comments.models import Comment
from comments.threads import MAX_INDENT, Entry


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
    if comment.is_deleted:
        return
    shown_before = comment.edited_at or comment.version > 1 or comment.featured
    kind = "comment.updated" if shown_before else "comment.published"
    events.publish_on_commit(comment.article_id, kind, lambda: comment_payload(comment.pk))


def comment_removed(comment: Comment):
    events.publish_on_commit(comment.article_id, "comment.removed", lambda: {"id": comment.pk})


def comment_payload(comment_id: int) -> dict | None:
    """The comment as live readers receive it; None when it is no longer visible."""
    comment = (
        Comment.objects.select_related("article", "author", "stance").filter(pk=comment_id).first()
    )
    if comment is None or not comment.is_visible_to(None):
        return None
    parent = (
        Comment.objects.filter(path=comment.parent_path).select_related("author").first()
        if comment.depth > 1
        else None
    )
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
        "author": comment.author_id,
        "html": _render(entry, _SomeSignedInReader()),
        "html_anonymous": _render(entry, _AnonymousReader()),
        # For readers who muted its author (the page knows whom its reader muted).
        "html_muted": _render(replace(entry, muted=True), _SomeSignedInReader()),
    }


def _render(entry, user) -> str:
    # The article says whether the comment may still be answered.
    context = {"entry": entry, "user": user, "article": entry.comment.article}
    return render_to_string("comments/discussion.html#entry", context).strip()
