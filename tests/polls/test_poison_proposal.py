"""A proposed answer whose moderation keeps failing is held for a moderator, as a comment is."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from comments.models import Comment
from comments.services import post_comment
from comments.tasks import sweep_pending
from polls.models import Choice
from polls.proposals import propose_answer
from polls.tasks import sweep_pending_proposals

SCORED = []


class Choking:
    """A classifier with a bug: it raises on every text, and no retry makes it score."""

    def score(self, text):
        SCORED.append(text)
        raise RuntimeError("the model choked on this text")


@pytest.mark.django_db(transaction=True)
def test_a_proposal_whose_moderation_raises_is_held_after_as_many_attempts_as_a_comment(
    open_poll, demo_article, reader, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.COMMENTS_AUTO_APPROVE = False
    settings.COMMENT_CLASSIFIER = f"{__name__}.Choking"
    SCORED.clear()
    comment = post_comment(article=demo_article, author=reader, body="A view that chokes it.")
    answer = "An answer that chokes it"
    choice = propose_answer(poll=open_poll, text=answer, voter_key="a" * 32).choice

    # Minutes pass; the sweepers run each minute.
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    Comment.objects.filter(pk=comment.pk).update(created_at=long_ago)
    Choice.objects.filter(pk=choice.pk).update(created_at=long_ago)
    for _minute in range(3):
        sweep_pending()
        sweep_pending_proposals()
        cache.clear()  # past the sweepers' requeue window

    comment.refresh_from_db()
    choice.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert choice.status == Choice.Status.PENDING  # in the moderators' queue
    assert choice.moderated_at is not None
    assert choice.moderation_reasons == ["moderation error (RuntimeError); a moderator decides"]
    assert SCORED.count(answer) == SCORED.count("A view that chokes it.") == 1
