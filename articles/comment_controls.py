"""Closing, reopening and pre-moderating a story's comments: what moderators and editors
may do to an article without editing it (the `articles.moderate_comments` permission).

Each change is recorded in the admin's log against the article, by whom and when.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction

from articles.models import Article

PERMISSION = "articles.moderate_comments"


def can_moderate_comments(user) -> bool:
    return user is not None and user.has_perm(PERMISSION)


@transaction.atomic
def set_comments_closed(*, articles, actor, closed: bool) -> list[Article]:
    """Refuse (or take again) new comments on the articles; returns those that changed."""
    return _set(
        articles,
        actor,
        "Comments closed." if closed else "Comments reopened.",
        comments_closed=closed,
    )


@transaction.atomic
def set_premoderation(*, articles, actor, premoderate: bool) -> list[Article]:
    """Hold every new comment on the articles for a moderator, or stop; returns those changed."""
    message = "Comments pre-moderated." if premoderate else "Comments no longer pre-moderated."
    return _set(articles, actor, message, premoderate=premoderate)


def _set(articles, actor, message: str, **change) -> list[Article]:
    if not can_moderate_comments(actor):
        raise PermissionDenied("Only moderators and editors can do this.")
    [(field, value)] = change.items()
    ids = [article.pk for article in articles]
    changed = list(
        Article.objects.select_for_update()
        .filter(pk__in=ids)
        .exclude(**{field: value})
        .order_by("pk")
    )
    Article.objects.filter(pk__in=[article.pk for article in changed]).update(**change)
    if changed:
        LogEntry.objects.log_actions(
            user_id=actor.pk, queryset=changed, action_flag=CHANGE, change_message=message
        )
    return changed
