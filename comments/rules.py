"""What a reader may do with a comment, asked by the pages that offer it and the services
that do it. Who may see a comment is the model's: Comment.is_visible_to and visible_to_q."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from comments.models import Comment


class CommentRefused(Exception):
    """The action is refused; the message is one sentence for the reader."""

    status = 422


class NotAllowed(CommentRefused):
    status = 403


class Conflict(CommentRefused):
    """Refused because of the comment's or article's state, not the reader's input."""

    status = 409


def can_moderate(user) -> bool:
    return user.is_authenticated and user.has_perm("comments.change_comment")


def editable_until(comment: Comment) -> dt.datetime:
    return comment.created_at + dt.timedelta(minutes=settings.COMMENT_EDIT_WINDOW_MINUTES)


def edit_refusal(comment: Comment, user) -> CommentRefused | None:
    """Why this reader may not edit the comment now, or None when they may."""
    if not user.is_authenticated or comment.author_id != user.pk:
        return NotAllowed("Only its author can edit a comment.")
    if comment.is_deleted:
        return CommentRefused("A deleted comment cannot be edited.")
    # A rejection is final: an edit must not send the comment back through the
    # pipeline, which would publish it over the decision.
    if comment.status == Comment.Status.REJECTED:
        return Conflict(
            "This comment was not published, so it can no longer be edited. "
            "You can post a new comment instead."
        )
    if timezone.now() > editable_until(comment):
        return CommentRefused(
            f"Comments can be edited for {settings.COMMENT_EDIT_WINDOW_MINUTES} minutes "
            "after posting; this one no longer can."
        )
    if comment.version >= settings.COMMENT_MAX_VERSIONS:
        return Conflict(
            f"A comment can be edited {settings.COMMENT_MAX_VERSIONS - 1} times; "
            "this one no longer can. You can post a new comment instead."
        )
    return None


def can_edit(comment: Comment, user) -> bool:
    return edit_refusal(comment, user) is None
