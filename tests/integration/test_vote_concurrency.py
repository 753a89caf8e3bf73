"""Votes stay exact under concurrency, on PostgreSQL, through the real ASGI server."""

import random
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection

from polls.models import Choice, Poll, Vote
from polls.voting import Voter, cast_vote

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def poll(demo_article, postgres):
    return Poll.objects.select_related("article").get(article=demo_article, kind="yes_no")


def test_200_readers_voting_at_once_are_200_votes(app_server, poll):
    choices = list(poll.choices.values_list("pk", flat=True))
    start = threading.Barrier(200)

    def one_reader(n):
        # A connection each: waiting at the barrier can outlast the server's 5 s keep-alive.
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=app_server, timeout=60, limits=fresh) as reader:
            token = TOKEN.search(reader.get(poll.article.get_absolute_url()).text)[1]
            start.wait()
            response = reader.post(
                f"/polls/{poll.pk}/vote/",
                data={"choice": choices[n % 3], "csrfmiddlewaretoken": token},
                headers={"HX-Request": "true", "Referer": app_server},
            )
            return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one_reader, range(200)))

    assert [status for status, _ in results] == [200] * 200
    assert Vote.objects.filter(poll=poll).count() == 200
    counters = dict(Choice.objects.filter(poll=poll).values_list("pk", "vote_count"))
    assert counters == {choices[0]: 67, choices[1]: 67, choices[2]: 66}
    # What readers are shown agrees with the rows.
    last_fragment = results[-1][1]
    assert re.search(r"<strong data-poll-total>(\d+) readers voted", last_fragment)
    with httpx.Client(base_url=app_server) as voter:
        token = TOKEN.search(voter.get(poll.article.get_absolute_url()).text)[1]
        shown = voter.post(
            f"/polls/{poll.pk}/vote/",
            data={"choice": choices[0], "csrfmiddlewaretoken": token},
            headers={"HX-Request": "true", "Referer": app_server},
        ).text
    assert "<strong data-poll-total>201 readers voted.</strong>" in shown
    assert "(68)" in shown


def test_one_reader_voting_20_times_at_once_ends_with_one_vote(app_server, poll):
    choices = list(poll.choices.values_list("pk", flat=True))
    with httpx.Client(base_url=app_server, timeout=60) as reader:
        token = TOKEN.search(reader.get(poll.article.get_absolute_url()).text)[1]
        # The first vote gives the reader their voter cookie; then 20 at once.
        reader.post(
            f"/polls/{poll.pk}/vote/",
            data={"choice": choices[0], "csrfmiddlewaretoken": token},
            headers={"Referer": app_server},
        )
        start = threading.Barrier(20)

        def vote(n):
            start.wait()
            return reader.post(
                f"/polls/{poll.pk}/vote/",
                data={"choice": choices[n % 3], "csrfmiddlewaretoken": token},
                headers={"HX-Request": "true", "Referer": app_server},
            ).status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(vote, range(20)))
    assert statuses == [200] * 20
    assert Vote.objects.filter(poll=poll).count() == 1
    vote = Vote.objects.get(poll=poll)
    counters = dict(Choice.objects.filter(poll=poll).values_list("pk", "vote_count"))
    assert sum(counters.values()) == 1
    assert counters[vote.choice_id] == 1


def test_racing_transactions_on_postgresql_keep_counters_exact(poll):
    """Below HTTP: 40 threads, each its own PostgreSQL connection, 8 voters changing votes."""
    choices = list(poll.choices.values_list("pk", flat=True))
    start = threading.Barrier(40)

    def voter_thread(n):
        try:
            start.wait()
            rng = random.Random(n)
            for _ in range(10):
                cast_vote(
                    poll=poll,
                    choice_id=rng.choice(choices),
                    voter=Voter(voter_key=f"{n % 8:032x}"),
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(voter_thread, range(40)))

    assert Vote.objects.filter(poll=poll).count() == 8
    per_choice = {pk: Vote.objects.filter(choice_id=pk).count() for pk in choices}
    counters = dict(Choice.objects.filter(poll=poll).values_list("pk", "vote_count"))
    assert counters == per_choice
