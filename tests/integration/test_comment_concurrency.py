"""A crowd posting at once loses no comment, on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from comments.models import Comment
from comments.services import post_comment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CROWD = 30


@pytest.fixture
def crowd(postgres, settings):
    # Approved as posted: no moderation task. (Celery's eager apply_async from many
    # threads at once can leave its process-wide "inside a task" flag set.)
    settings.COMMENTS_AUTO_APPROVE = True
    settings.REDIS_URL = ""
    User = get_user_model()
    return [User.objects.create_user(f"reader{n}", f"r{n}@example.com") for n in range(CROWD)]


def all_at_once(work):
    start = threading.Barrier(CROWD)

    def one(n):
        try:
            start.wait()
            return work(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CROWD) as pool:
        return list(pool.map(one, range(CROWD)))


def test_thirty_new_threads_posted_at_once_are_thirty_threads(demo_article, crowd):
    posted = all_at_once(
        lambda n: post_comment(article=demo_article, author=crowd[n], body=f"Thread {n}").pk
    )
    roots = Comment.objects.filter(article=demo_article, depth=1)
    assert sorted(roots.values_list("pk", flat=True)) == sorted(posted)
    assert len({c.path for c in roots}) == CROWD


def test_thirty_replies_to_one_comment_at_once_are_thirty_replies(demo_article, crowd):
    parent = post_comment(article=demo_article, author=crowd[0], body="Who will monitor it?")
    parent.refresh_from_db()
    all_at_once(
        lambda n: post_comment(
            article=demo_article, author=crowd[n], body=f"Answer {n}", parent=parent
        )
    )
    parent.refresh_from_db()
    assert Comment.objects.filter(path__startswith=parent.path, depth=2).count() == CROWD
    assert parent.numchild == CROWD
