"""With a real Celery worker: a reader's proposed answer is never votable until a
moderator approves it, and one with a web address is rejected by the worker."""

import re
import time

import httpx
import pytest

from polls.models import Choice, Poll
from polls.proposals import moderate_proposals
from tests.services import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK = "Official newsroom answer: results moved to www.evil-example.com/vote"
CLEAN = "Joint monitoring teams on both sides"


def propose(app_server, poll, text):
    with httpx.Client(base_url=app_server, timeout=10) as reader:
        token = TOKEN.search(reader.get(poll.article.get_absolute_url()).text)[1]
        return reader.post(
            f"/polls/{poll.pk}/propose/",
            data={"text": text, "csrfmiddlewaretoken": token},
            headers={"HX-Request": "true", "Referer": app_server},
        )


def votable_for_a_stranger(app_server, poll, text):
    """Whether another reader, with no cookie, is shown `text` (a proposal is shown
    to others only as an answer to vote for)."""
    with httpx.Client(base_url=app_server, timeout=10) as stranger:
        return text in stranger.get(poll.article.get_absolute_url()).text


def test_a_proposal_is_votable_only_once_a_moderator_approves_it(
    celery_worker, app_server, demo_article, moderator
):
    poll = Poll.objects.select_related("article").get(article=demo_article, kind="open")
    for text in (LINK, CLEAN):
        answer = propose(app_server, poll, text)
        assert answer.status_code == 200
        assert "with the moderators" in answer.text

    def first_passes_done():
        return Choice.objects.filter(poll=poll, moderated_at__isnull=False).count() == 2

    wait_until(first_passes_done, timeout=30, what="the worker's first pass")
    time.sleep(5)
    linked = Choice.objects.get(poll=poll, text=LINK)
    clean = Choice.objects.get(poll=poll, text=CLEAN)
    assert linked.status == Choice.Status.REJECTED
    assert clean.status == Choice.Status.PENDING
    assert not votable_for_a_stranger(app_server, poll, "evil-example")
    assert not votable_for_a_stranger(app_server, poll, CLEAN)

    moderate_proposals([clean], approve=True, moderator=moderator)
    # Newcomers may share a copy of the page for ARTICLE_PAGE_CACHE_SECONDS.
    wait_until(lambda: votable_for_a_stranger(app_server, poll, CLEAN), timeout=15, what="approval")
