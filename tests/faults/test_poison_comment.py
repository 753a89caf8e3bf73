"""One comment makes the moderation task raise every time it runs.

The task retries it with backoff while the worker goes on with the others;
after its last retry the comment is held with the reason "moderation error"
in the moderators' queue, decided once, never approved unchecked.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from comments.models import Comment, ModerationDecision
from tests.faults.conftest import manage_shell, running, start_worker
from tests.faults.poison import POISON
from tests.services import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
]

OTHERS = 30


def test_a_poison_comment_blocks_no_other_and_ends_in_the_moderators_held_queue(
    production_env, private_redis, demo_article, client, moderator
):
    env = {
        **production_env,
        "REDIS_URL": private_redis.url,
        "COMMENT_CLASSIFIER": "tests.faults.poison.PoisonedClassifier",
        # The same five retries, doubling, in three seconds rather than thirty.
        "MODERATION_RETRY_MILLISECONDS": "100",
    }
    authors = [
        get_user_model().objects.create_user(f"poison_author_{n}", f"p{n}@example.com")
        for n in range(OTHERS + 1)
    ]
    # The poison comment first: it is at the head of the queue.
    manage_shell(
        env,
        "from django.contrib.auth import get_user_model\n"
        "from articles.models import Article\n"
        "from comments.services import post_comment\n"
        f"article = Article.objects.get(pk={demo_article.pk})\n"
        f"authors = list(get_user_model().objects.filter(pk__in={[a.pk for a in authors]}))\n"
        f"post_comment(article=article, author=authors[0], body='Look: {POISON}.')\n"
        f"for n in range(1, {OTHERS + 1}):\n"
        "    body = f'An ordinary view, number {n}.'\n"
        "    post_comment(article=article, author=authors[n], body=body)\n",
    )
    poison = Comment.objects.get(body__contains=POISON)
    others = Comment.objects.exclude(pk=poison.pk).filter(article=demo_article)
    assert others.count() == OTHERS

    with running(start_worker(env, "poisoned", concurrency=1)):
        started = time.monotonic()
        wait_until(
            lambda: not others.filter(status="pending").exists(),
            timeout=60,
            what="the other comments decided",
        )
        others_done = time.monotonic() - started
        poison.refresh_from_db()
        assert poison.status == "pending", "it is still being retried"
        wait_until(
            lambda: Comment.objects.get(pk=poison.pk).status != "pending",
            timeout=90,
            what="the poison comment's last retry",
        )
        poison_done = time.monotonic() - started

    poison.refresh_from_db()
    assert poison.status == "held"
    decision = ModerationDecision.objects.get(comment=poison)
    assert decision.phase == "error"
    assert decision.reasons == ["moderation error (RuntimeError); a moderator decides"]
    assert ModerationDecision.objects.filter(comment__in=others).count() == OTHERS

    client.force_login(moderator)
    queue = client.get(
        reverse("admin:comments_comment_changelist"), {"queue": "held", "phase": "error"}
    )
    assert queue.status_code == 200
    page = queue.content.decode()
    assert f"Look: {POISON}." in page
    assert "moderation error (RuntimeError)" in page
    print(
        f"{OTHERS} others decided in {others_done:.1f} s; the poison held after {poison_done:.1f} s"
    )
