"""Moderation by real Celery workers on Redis: decided once, never lost."""

import os
import signal
import subprocess
import sys
import time

import pytest

from comments.models import Comment, ModerationDecision
from comments.services import post_comment
from comments.tasks import moderate
from tests.services import ROOT, free_port, stop, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(check, timeout=60, what="moderation"):
    wait_until(check, timeout=timeout, what=what)


def start_worker(env, name, *, concurrency=1):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "briefing_site",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


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


def test_a_worker_killed_mid_batch_leaves_every_comment_decided_exactly_once(
    production_env, demo_article, reader, other_reader_account
):
    env = {**production_env, "COMMENT_SWEEP_AFTER_SECONDS": "0"}
    authors = [reader, other_reader_account]
    comments = [
        Comment.objects.get(
            pk=post_comment(
                article=demo_article, author=authors[n % 2], body=f"Batch comment number {n}."
            ).pk
        )
        for n in range(120)
    ]
    first = start_worker(env, "doomed", concurrency=2)
    try:
        wait_for(
            lambda: ModerationDecision.objects.filter(comment__in=comments).count() >= 10,
            what="the first decisions",
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    second = start_worker(env, "survivor", concurrency=2)
    try:
        # Tasks lost with the killed worker are found by the sweeper.
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from comments.tasks import sweep_pending; sweep_pending()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        wait_for(
            lambda: (
                Comment.objects.filter(pk__in=[c.pk for c in comments], status="pending").count()
                == 0
            ),
            what="every comment decided",
        )
    finally:
        stop(second)
    for comment in comments:
        assert decided(comment) == 1, comment.pk


def test_comments_posted_while_redis_is_down_are_moderated_once_it_is_back(
    production_env, demo_article, reader, tmp_path
):
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"

    def redis_server():
        return subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        )

    server = redis_server()
    env = {**production_env, "REDIS_URL": redis_url, "COMMENT_SWEEP_AFTER_SECONDS": "0"}
    worker = None
    try:
        time.sleep(0.5)
        stop(server)  # Redis is down while readers post
        script = "\n".join(
            [
                "from articles.models import Article",
                "from django.contrib.auth import get_user_model",
                "from comments.services import post_comment",
                f"article = Article.objects.get(pk={demo_article.pk})",
                f"author = get_user_model().objects.get(pk={reader.pk})",
                "for n in range(5):",
                "    body = f'Posted in the outage {n}.'",
                "    post_comment(article=article, author=author, body=body)",
            ]
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        posted = Comment.objects.filter(body__startswith="Posted in the outage")
        assert posted.count() == 5
        assert set(posted.values_list("status", flat=True)) == {"pending"}

        server = redis_server()  # Redis is back
        worker = start_worker(env, "after-outage")
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from comments.tasks import sweep_pending; sweep_pending()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        wait_for(lambda: posted.filter(status="pending").count() == 0)
        assert all(decided(comment) == 1 for comment in posted)
    finally:
        if worker:
            stop(worker)
        stop(server)
