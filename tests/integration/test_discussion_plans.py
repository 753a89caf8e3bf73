"""A busy discussion's first page is read in index order on PostgreSQL, not by sorting it all."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import services, threads
from comments.models import Comment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_discussion(demo_article, postgres):
    author = get_user_model().objects.create_user("reader", "reader@example.com")
    Comment.objects.bulk_create(
        Comment(
            article=demo_article,
            author=author,
            body=f"Thread {n}",
            body_html=f"<p>Thread {n}</p>",
            status=Comment.Status.APPROVED,
            path=Comment._get_path("", 1, n + 1),
            depth=1,
            score=(n % 97) / 97,
            reply_count=n % 13,
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
    return demo_article


@pytest.mark.parametrize("sort", ["best", "newest", "replies"])
def test_the_first_page_of_threads_is_read_in_order(busy_discussion, sort):
    user = get_user_model().objects.get()
    with CaptureQueriesContext(connection) as queries:
        page = threads.thread_page(article=busy_discussion, user=user, sort=sort)
    assert len(page.entries) >= threads.THREADS_PER_PAGE
    top = next(q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {top}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"comment_article_{sort}_idx" in plan
    assert "Sort" not in plan


def test_the_editors_picks_are_found_without_reading_every_comment(busy_discussion):
    with CaptureQueriesContext(connection) as queries:
        services.editors_picks(busy_discussion)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {queries[0]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "comment_picks_idx" in plan
    assert "Seq Scan on comments_comment" not in plan
