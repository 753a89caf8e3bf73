"""What a reader may do with a comment, asked by the pages that offer it and the services
that do it. Who may see a comment is the model's: Comment.is_visible_to and visible_to_q."""

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Subquery
from django.utils import timezone

from comments.models import Comment, ModerationSettings


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


def edit_minutes_left(comment: Comment, now: dt.datetime | None = None) -> int:
    """Whole minutes (rounded up) the author may still edit the comment; 0 once past."""
    left = (editable_until(comment) - (now or timezone.now())).total_seconds()
    return max(0, math.ceil(left / 60))


@dataclass(frozen=True)
class Voice:
    """What a reader may say in an article's discussion, and why not: told where they act.

    The default is an ordinary signed-in reader on an open article (how a live
    broadcast renders a comment for everyone).
    """

    closed: bool = False
    closed_since: dt.datetime | None = None
    banned: bool = False
    suspended_until: dt.datetime | None = None
    # Whose comments wait for a moderator: "article" (every comment here), "reader"
    # (this reader's, anywhere), or "" when the pipeline decides at once.
    premoderated: str = ""

    @property
    def barred(self) -> bool:
        """Banned or suspended: no comments, likes or reports (services.is_barred)."""
        return self.banned or self.suspended_until is not None

    @property
    def may_post(self) -> bool:
        return not self.closed and not self.barred


def voice(*, article, user, now: dt.datetime | None = None) -> Voice:
    """The reader's voice on this article: no query for an anonymous reader, one for a
    signed-in one (two when new readers are pre-moderated and they are not trusted)."""
    closed = {"closed": article.comments_closed, "closed_since": article.comments_closed_at}
    if not user.is_authenticated:
        return Voice(premoderated="article" if article.premoderate else "", **closed)
    now = now or timezone.now()
    below = ModerationSettings.objects.filter(pk=1).values("premoderate_below")
    # The reader's standing (none for most) and the settings' threshold, in one query.
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            "standing__banned_at",
            "standing__suspended_until",
            "standing__premoderate",
            "standing__trusted",
        )
        .annotate(premoderate_below=Subquery(below))
        .first()
    ) or {}
    if row.get("standing__banned_at") is not None:
        return Voice(banned=True, **closed)
    suspended_until = row.get("standing__suspended_until")
    if suspended_until is not None and suspended_until > now:
        return Voice(suspended_until=suspended_until, **closed)
    if article.premoderate:
        premoderated = "article"
    elif row.get("standing__premoderate") or _new_reader_held(
        user, below=row.get("premoderate_below"), trusted=row.get("standing__trusted")
    ):
        premoderated = "reader"
    else:
        premoderated = ""
    return Voice(premoderated=premoderated, **closed)


def _new_reader_held(user, *, below, trusted) -> bool:
    """The pipeline's "too few approved comments" hold (moderation._premoderation)."""
    if not below or trusted:
        return False
    return Comment.objects.approved().filter(author=user).count() < below
