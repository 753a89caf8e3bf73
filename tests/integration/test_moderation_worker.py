"""Moderation by real Celery workers on Redis: decided once.

A worker killed mid-batch, Redis down while readers post, and a poison
comment are in tests/faults/, at the scale of issue 9.
"""

import time

import pytest

from comments.models import ModerationDecision
from comments.services import post_comment
from comments.tasks import moderate
from tests.services import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(check, timeout=60, what="moderation"):
    wait_until(check, timeout=timeout, what=what)


def decided(comment):
    return ModerationDecision.objects.filter(comment=comment, actor__isnull=True).count()


def test_the_worker_publishes_a_clean_comment_and_holds_back_a_rude_one(
    celery_worker, app_server, demo_article, reader
):
    import httpx

    clean = post_comment(
        article=demo_article, author=reader, body="Independent monitors would help."
    )
    rude = post_comment(
        article=demo_article, author=reader, body="You are a stupid idiot, shut up."
    )
    wait_for(lambda: decided(clean) == 1 and decided(rude) == 1)
    clean.refresh_from_db()
    rude.refresh_from_db()
    assert clean.status == "approved"
    assert rude.status in {"held", "rejected"}
    decision = ModerationDecision.objects.get(comment=rude)
    assert decision.phase == "toxicity"
    assert decision.reasons
    page = httpx.get(f"{app_server}{demo_article.get_absolute_url()}").text
    assert "Independent monitors would help." in page
    assert "stupid idiot" not in page


def test_running_the_task_twice_decides_once(celery_worker, demo_article, reader):
    comment = post_comment(article=demo_article, author=reader, body="Said once, decided once.")
    wait_for(lambda: decided(comment) == 1)
    moderate.delay(comment.pk, 1)
    moderate.delay(comment.pk, 1)
    time.sleep(2)
    assert decided(comment) == 1
