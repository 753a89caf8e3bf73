"""A reader's proposed answer makes the moderation task raise every time it runs.

As with a poison comment, the task retries it with backoff, then holds it for a
moderator with the reason "moderation error": it never stays pending for the
sweeper to queue again every minute, and the answers proposed after it are decided.
"""

import pytest
from django.urls import reverse

from polls.models import Choice, Poll
from tests.faults.conftest import manage_shell, running, start_worker
from tests.faults.poison import POISON
from tests.services import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
]

OTHERS = 5


def test_a_poison_proposal_ends_held_for_a_moderator_and_others_are_decided(
    production_env, private_redis, demo_article, client, moderator
):
    env = {
        **production_env,
        "REDIS_URL": private_redis.url,
        "COMMENT_CLASSIFIER": "tests.faults.poison.PoisonedClassifier",
        # The same five retries, doubling, in three seconds rather than thirty.
        "MODERATION_RETRY_MILLISECONDS": "100",
    }
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.OPEN)
    manage_shell(
        env,
        "from polls.models import Poll\n"
        "from polls.proposals import propose_answer\n"
        f"poll = Poll.objects.get(pk={poll.pk})\n"
        f"propose_answer(poll=poll, text='{POISON}', voter_key='p' * 32)\n"
        f"for n in range(1, {OTHERS + 1}):\n"
        "    propose_answer(poll=poll, text=f'Ordinary answer {n}', voter_key=f'{n:032x}')\n",
    )
    poison = Choice.objects.get(poll=poll, text=POISON)
    others = Choice.objects.filter(poll=poll, text__startswith="Ordinary answer")
    assert others.count() == OTHERS

    with running(start_worker(env, "poisoned-proposals", concurrency=1)):
        wait_until(
            lambda: not others.filter(moderated_at__isnull=True).exists(),
            timeout=60,
            what="the other proposals decided",
        )
        wait_until(
            lambda: Choice.objects.get(pk=poison.pk).moderated_at is not None,
            timeout=90,
            what="the poison proposal's last retry",
        )

    poison.refresh_from_db()
    assert poison.status == Choice.Status.PENDING  # waiting for a moderator
    assert poison.moderation_reasons == ["moderation error (RuntimeError); a moderator decides"]

    client.force_login(moderator)
    queue = client.get(reverse("admin:polls_choice_changelist"), {"status": "pending"})
    assert queue.status_code == 200
    assert POISON in queue.content.decode()
