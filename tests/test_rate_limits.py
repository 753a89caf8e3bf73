"""What readers post is rate limited; past the limit they get 429, a message, and nothing saved.

Log-ins: tests/accounts/test_login.py; comments: tests/comments/test_comment_actions.py;
votes: tests/polls/test_vote_endpoint.py and test_rate_limits.py. The rest are here.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from comments.models import Comment, Report
from comments.services import approve_comment, post_comment
from polls.models import Choice, Poll

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _tasks_in_the_request(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REDIS_URL = ""
    settings.COMMENTS_AUTO_APPROVE = False


def readers(count):
    User = get_user_model()
    return [User.objects.create_user(f"reader{n}", f"reader{n}@example.com") for n in range(count)]


def approved_comments(article, author, count):
    comments = []
    for n in range(count):
        comment = post_comment(article=article, author=author, body=f"Point {n}")
        approve_comment(comment.pk)
        comments.append(comment)
    return comments


def test_sign_ups_from_one_address_are_limited(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    statuses = [
        client.post(
            reverse("account_signup"),
            {"email": f"r{n}@example.com", "username": f"Reader_{n}", "password1": "a long pw 1"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert get_user_model().objects.count() == 2


def test_replies_share_the_readers_comment_limit(client, demo_article, settings):
    settings.COMMENT_RATE_PER_READER = "2/h"
    author, replier = readers(2)
    (root,) = approved_comments(demo_article, author, 1)
    client.force_login(replier)
    url = reverse("comments:reply", args=[root.pk])
    statuses = [
        client.post(url, {"body": f"Reply {n}"}, headers=HTMX).status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert Comment.objects.filter(author=replier).count() == 2


def test_reports_are_limited_per_reader_and_say_so(client, demo_article, settings):
    settings.REPORT_RATE_PER_READER = "2/h"
    author, reporter = readers(2)
    comments = approved_comments(demo_article, author, 3)
    client.force_login(reporter)
    responses = [
        client.post(
            reverse("comments:report", args=[comment.pk]),
            {"reason": Report.Reason.SPAM, "note": "Selling things"},
            headers=HTMX,
        )
        for comment in comments
    ]
    assert [response.status_code for response in responses] == [200, 200, 429]
    page = responses[-1].content.decode()
    assert "You are sending reports too fast" in page
    assert "Selling things" in page  # what the reader wrote is still there
    assert Report.objects.filter(reporter=reporter).count() == 2


def test_without_javascript_a_limited_report_shows_the_form_again(client, demo_article, settings):
    settings.REPORT_RATE_PER_READER = "1/h"
    author, reporter = readers(2)
    first, second = approved_comments(demo_article, author, 2)
    client.force_login(reporter)
    client.post(reverse("comments:report", args=[first.pk]), {"reason": Report.Reason.ABUSE})
    limited = client.post(
        reverse("comments:report", args=[second.pk]), {"reason": Report.Reason.ABUSE}
    )
    assert limited.status_code == 429
    assert "You are sending reports too fast" in limited.content.decode()
    assert not Report.objects.filter(comment=second).exists()


def test_proposed_answers_are_limited_per_voter(client, demo_article, settings):
    settings.POLL_RATE_PER_VOTER = "2/h"
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.OPEN)
    url = reverse("polls:propose", args=[poll.pk])
    # The first proposal comes before the voter cookie (counted by address);
    # the cookie's own count starts with the second.
    statuses = [
        client.post(url, {"text": f"Answer number {n}"}, headers=HTMX).status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert Choice.objects.filter(poll=poll).count() == 3
