"""Workers share a backlog on PostgreSQL: a batch passes over the rows another
transaction holds, and a moderator's decision taken meanwhile is the one that stands."""

import threading

import pytest
from django.db import connection, transaction

from comments import moderator_actions, tasks
from comments.models import Comment, ModerationDecision, ModerationSettings
from comments.services import post_comment
from tests.services import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pending(postgres, demo_article, reader, monkeypatch):
    """pending("text"): a comment waiting for moderation; the test runs the worker's part."""
    monkeypatch.setattr(tasks, "enqueue_moderation", lambda *args: True)
    # A reader past a new commenter's pre-moderation: clean comments are published.
    ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})
    return lambda body: post_comment(article=demo_article, author=reader, body=body)


def decisions(comment):
    return list(ModerationDecision.objects.filter(comment=comment).values_list("phase", "actor_id"))


def test_a_moderator_holding_a_comment_keeps_their_decision_while_a_batch_decides_the_rest(
    pending, moderator
):
    contested = pending("A view a moderator is reading.")
    others = [pending(f"View number {n}.") for n in range(3)]
    holding, done = threading.Event(), threading.Event()

    def moderator_reads_then_rejects():
        try:
            with transaction.atomic():
                Comment.objects.select_for_update().get(pk=contested.pk)
                holding.set()
                done.wait(30)
                moderator_actions.reject(comment=contested, moderator=moderator, reason="Off-topic")
        finally:
            connection.close()

    reading = threading.Thread(target=moderator_reads_then_rejects)
    reading.start()
    holding.wait(10)
    worker = threading.Thread(
        target=lambda: (tasks.moderate_backlog(contested.pk, 1), connection.close())
    )
    worker.start()
    # The batch passes over the held comment and decides the others meanwhile.
    wait_until(lambda: all(decisions(c) for c in others), timeout=30, what="the others")
    done.set()
    reading.join(30)
    worker.join(30)

    assert decisions(contested) == [("moderator", moderator.pk)]
    assert Comment.objects.get(pk=contested.pk).status == "rejected"
    assert [decisions(c) for c in others] == [[("clean", None)]] * 3
