"""A Celery worker SIGKILLed in the middle of a batch of 500 moderations.

Tasks are acks_late with reject_on_worker_lost: a pool process that dies
mid-task has its message requeued by the worker; a whole worker that dies
leaves its unacknowledged messages behind, and beat's sweeper queues those
comments again. Running a task twice decides nothing twice.
"""

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from comments.models import Comment, ModerationDecision
from tests.faults.conftest import (
    kill_group,
    manage_shell,
    running,
    start_beat,
    start_worker,
    sweep_every,
)
from tests.services import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
]

BATCH = 500


def pool_children(worker) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def automated_decisions(comment_ids) -> Counter:
    return Counter(
        ModerationDecision.objects.filter(comment__in=comment_ids, actor__isnull=True).values_list(
            "comment_id", flat=True
        )
    )


def test_a_worker_killed_mid_batch_leaves_every_comment_decided_exactly_once(
    production_env, private_redis, demo_article, tmp_path
):
    env = {
        **production_env,
        "REDIS_URL": private_redis.url,
        # Long enough that the sweeper does not re-queue the whole healthy backlog...
        "COMMENT_SWEEP_AFTER_SECONDS": "15",
        # ...and a comment it queued goes again after 20 s, should that copy be among
        # the tasks the killed worker had taken (they return only after an hour).
        "COMMENT_SWEEP_REQUEUE_SECONDS": "20",
    }
    sweep_every(5)
    authors = [
        get_user_model().objects.create_user(f"batch_author_{n}", f"b{n}@example.com")
        for n in range(50)
    ]
    # The app posts the batch itself, so every task goes to the private broker.
    manage_shell(
        env,
        "from django.contrib.auth import get_user_model\n"
        "from articles.models import Article\n"
        "from comments.services import post_comment\n"
        f"article = Article.objects.get(pk={demo_article.pk})\n"
        f"authors = list(get_user_model().objects.filter(pk__in={[a.pk for a in authors]}))\n"
        f"for n in range({BATCH}):\n"
        "    post_comment(article=article, author=authors[n % len(authors)],\n"
        "                 body=f'Batch comment number {n}, on the border talks.')\n",
    )
    batch = list(Comment.objects.filter(article=demo_article).values_list("pk", flat=True))
    assert len(batch) == BATCH
    decided = ModerationDecision.objects.filter(comment__in=batch, actor__isnull=True)

    doomed = start_worker(env, "doomed", concurrency=2)
    try:
        wait_until(lambda: decided.count() >= 50, timeout=90, what="the first decisions")
        # One pool process dies mid-task: the worker requeues its message.
        os.kill(pool_children(doomed)[0], signal.SIGKILL)
        wait_until(lambda: decided.count() >= 150, timeout=60, what="decisions after it")
    finally:
        # Then the whole worker, with nothing handed back to the broker.
        kill_group(doomed)
    killed_at = time.monotonic()
    left = BATCH - decided.count()
    assert left > 0, "the worker finished before it was killed"

    with running(start_worker(env, "survivor", concurrency=2), start_beat(env, tmp_path)):
        wait_until(
            lambda: not Comment.objects.filter(pk__in=batch, status="pending").exists(),
            timeout=120,
            what="every comment decided",
        )
        finished_in = time.monotonic() - killed_at
        time.sleep(3)  # a doubled task still in flight would decide now
    assert automated_decisions(batch) == dict.fromkeys(batch, 1)
    print(
        f"{left} of {BATCH} were left when the worker died; all decided {finished_in:.1f} s later"
    )
