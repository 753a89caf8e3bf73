"""Who hears of a published comment: the reader it answers and the readers it names
as @name, each once, in their notices (and by email if they asked for it)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from briefing_site import events
from briefing_site.models import Mute, Notice
from comments.models import Comment
from comments.rendering import MENTION

# A comment naming a crowd must not become a way to reach everyone.
MENTIONS_TOLD_PER_COMMENT = 5


def mentioned_names(text: str) -> list[str]:
    """The distinct names a text mentions, in order, at most MENTIONS_TOLD_PER_COMMENT."""
    names: list[str] = []
    for name in MENTION.findall(text):
        if name.casefold() not in (known.casefold() for known in names):
            names.append(name)
    return names[:MENTIONS_TOLD_PER_COMMENT]


def tell_readers_of(comment: Comment) -> None:
    """Once the approval commits: a notice to the author of the comment it answers
    and to each reader it mentions; never to its own author, nor to a reader who
    muted them, and once per reader while it stays published."""
    if comment.depth > 1 or MENTION.search(comment.body):
        transaction.on_commit(lambda: _tell(comment.pk))


def withdraw(comment: Comment) -> None:
    """The comment is out of view (rejected, deleted, hidden by reports): its notices
    go too, for they name its author. Published again, it is told again."""
    withdraw_all([comment])


def withdraw_all(comments: list[Comment]) -> None:
    """withdraw() for each comment, in one query."""
    keys = [f"{kind}:{comment.pk}" for comment in comments for kind in ("reply", "mention")]
    if keys:
        Notice.objects.filter(key__in=keys).delete()


def _tell(comment_id: int) -> None:
    comment = (
        Comment.objects.filter(pk=comment_id, status=Comment.Status.APPROVED)
        .select_related("author", "article")
        .first()
    )
    if comment is None or comment.is_deleted or comment.author_id is None:
        return
    name = comment.author.username
    where = _short(comment.article.title)
    notices = {}
    if comment.depth > 1:
        parent = Comment.objects.filter(path=comment.parent_path).first()
        if parent is not None and parent.author_id and not parent.is_deleted:
            notices[parent.author_id] = Notice(
                user_id=parent.author_id,
                kind=Notice.Kind.REPLY,
                actor_id=comment.author_id,
                key=f"reply:{comment.pk}",
                message=f"{name} replied to your comment on “{where}”.",
                url=comment.get_absolute_url(),
            )
    names = mentioned_names(comment.body)
    if names:
        mentioned = (
            get_user_model()
            .objects.filter(username__in=names, is_active=True)
            .values_list("pk", flat=True)
        )
        for user_id in mentioned:
            notices.setdefault(
                user_id,
                Notice(
                    user_id=user_id,
                    kind=Notice.Kind.MENTION,
                    actor_id=comment.author_id,
                    key=f"mention:{comment.pk}",
                    message=f"{name} mentioned you on “{where}”.",
                    url=comment.get_absolute_url(),
                ),
            )
    notices.pop(comment.author_id, None)
    muters = Mute.objects.filter(muted_id=comment.author_id, reader_id__in=notices)
    for reader_id in muters.values_list("reader_id", flat=True):
        notices.pop(reader_id, None)
    if notices:
        Notice.objects.bulk_create(notices.values(), ignore_conflicts=True)
        # Open pages of the article refresh their header's notices link.
        events.publish(comment.article_id, "notices.updated", {})


def _short(title: str, limit: int = 120) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
