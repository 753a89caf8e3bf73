"""A vote on PostgreSQL is one round trip: exact under a crowd, a refusal changes nothing,
and the vote's answer costs two queries."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from polls import live
from polls.models import Choice, Poll, Vote
from polls.voting import InvalidChoice, PollClosed, Voter, VoteRefused, cast_vote, withdraw_vote
from tests.polls.conftest import HTMX

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def poll(demo_article, postgres):
    return Poll.objects.select_related("article").get(article=demo_article, kind="yes_no")


def rows_and_counters(poll):
    """{answer id: (its vote rows, its counter)} for every answer of the poll."""
    rows = dict(
        Vote.objects.filter(poll=poll).values_list("choice").annotate(n=Count("id")).order_by()
    )
    return {
        pk: (rows.get(pk, 0), counter)
        for pk, counter in Choice.objects.filter(poll=poll).values_list("pk", "vote_count")
    }


def database_state(poll):
    votes = sorted(Vote.objects.filter(poll=poll).values_list("voter_key", "choice_id"))
    return votes, rows_and_counters(poll)


# A lost update needs an unlucky interleaving: several crowds give it several chances.
@pytest.mark.parametrize("crowd_seed", range(4))
def test_a_crowd_voting_changing_and_withdrawing_at_once_keeps_rows_and_counters_equal(
    poll, crowd_seed
):
    """32 threads, each its own connection: 240 new voters, and 6 voters who change their
    vote or withdraw it, 3 threads each, while the others vote for the same answers."""
    choices = list(poll.choices.values_list("pk", flat=True))
    start = threading.Barrier(32)
    new_voters = [f"{n:016x}{i:016x}" for n in range(1, 32, 2) for i in range(15)]

    def crowd(n):
        try:
            start.wait()
            rng = random.Random(n + 100 * crowd_seed)
            for i in range(15):
                if n % 2:
                    voter = Voter(voter_key=f"{n:016x}{i:016x}")
                    assert cast_vote(poll=poll, choice_id=rng.choice(choices), voter=voter).changed
                    continue
                voter = Voter(voter_key=f"{n % 12:032x}")
                try:
                    if rng.random() < 0.2:
                        withdraw_vote(poll=poll, voter=voter)
                    else:
                        cast_vote(poll=poll, choice_id=rng.choice(choices), voter=voter)
                except VoteRefused:
                    pass  # lost three races in a row: refused, not lost
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(crowd, range(32)))

    assert Vote.objects.filter(poll=poll, voter_key__in=new_voters).count() == 240
    assert Vote.objects.filter(poll=poll).exclude(voter_key__in=new_voters).count() <= 6
    state = rows_and_counters(poll)
    assert all(rows == counter for rows, counter in state.values()), state


def test_each_new_voter_in_the_crowd_is_one_row_on_their_answer(poll):
    choices = list(poll.choices.values_list("pk", flat=True))
    start = threading.Barrier(20)

    def voter_thread(n):
        try:
            start.wait()
            return [
                cast_vote(
                    poll=poll,
                    choice_id=choices[(n + i) % 3],
                    voter=Voter(voter_key=f"{n:016x}{i:016x}", first_seen=timezone.now()),
                ).choice_id
                for i in range(10)
            ]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        chosen = [choice for votes in pool.map(voter_thread, range(20)) for choice in votes]

    expected = {pk: chosen.count(pk) for pk in choices}
    assert rows_and_counters(poll) == {pk: (n, n) for pk, n in expected.items()}
    # Fresh identities are flagged for the surge checks.
    assert Vote.objects.filter(poll=poll, is_new_voter=True).count() == 200


def test_a_refused_vote_leaves_the_database_as_it_was(poll, demo_article):
    choices = list(poll.choices.order_by("position").values_list("pk", flat=True))
    voter = Voter(voter_key="e" * 32)
    cast_vote(poll=poll, choice_id=choices[0], voter=voter)
    cast_vote(poll=poll, choice_id=choices[1], voter=Voter(voter_key="f" * 32))
    before = database_state(poll)

    other_poll = Poll.objects.filter(article=demo_article).exclude(pk=poll.pk).first()
    someone_elses = other_poll.choices.create(text="Elsewhere", normalized_text="elsewhere").pk
    pending = poll.choices.create(text="Maybe", normalized_text="maybe", status="pending")
    for refused in (someone_elses, pending.pk, 0, "x", 2**63, 10**6):
        with pytest.raises(InvalidChoice):
            cast_vote(poll=poll, choice_id=refused, voter=voter)
        with pytest.raises(InvalidChoice):
            cast_vote(poll=poll, choice_id=refused, voter=Voter(voter_key="a" * 32))
    assert database_state(poll) == (before[0], {**before[1], pending.pk: (0, 0)})

    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())
    poll.refresh_from_db()
    with pytest.raises(PollClosed):
        cast_vote(poll=poll, choice_id=choices[2], voter=voter)
    assert database_state(poll) == (before[0], {**before[1], pending.pk: (0, 0)})


@pytest.mark.parametrize("signed_in", [False, True], ids=["voter cookie", "account"])
def test_changing_and_repeating_a_vote_moves_the_counts(poll, signed_in, django_user_model):
    yes, no, _ = poll.choices.order_by("position").values_list("pk", flat=True)
    if signed_in:
        voter = Voter(user_id=django_user_model.objects.create_user("reader").pk)
    else:
        voter = Voter(voter_key="b" * 32)
    assert cast_vote(poll=poll, choice_id=yes, voter=voter).changed
    assert not cast_vote(poll=poll, choice_id=yes, voter=voter).changed
    outcome = cast_vote(poll=poll, choice_id=no, voter=voter)
    assert outcome.changed
    assert rows_and_counters(poll)[yes] == (0, 0)
    assert rows_and_counters(poll)[no] == (1, 1)
    # The vote gives the poll's answers as counted, for the reader's answer.
    assert [(answer.pk, answer.vote_count) for answer in outcome.answers] == list(
        poll.choices.approved().in_poll_order().values_list("pk", "vote_count")
    )
    assert withdraw_vote(poll=poll, voter=voter)
    assert rows_and_counters(poll)[no] == (0, 0)


def test_a_vote_and_its_answer_take_two_queries(client, poll, django_assert_max_num_queries):
    """The poll, then the vote with its counters and the answers to show, in one round trip."""
    yes = poll.choices.order_by("position").first()
    # A busy poll: its results went out and a trailing event is due, which
    # will carry this vote too.
    cache.set(live._throttle_key(poll.pk), 1, timeout=60)
    cache.set(live._trailing_key(poll.pk), 1, timeout=60)
    url = reverse("polls:vote", args=[poll.pk])
    with django_assert_max_num_queries(2):
        response = client.post(url, {"choice": yes.pk}, headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<strong data-poll-total>1 reader voted.</strong>" in fragment
    assert 'class="result__mine">Your vote</span>' in fragment
    assert rows_and_counters(poll)[yes.pk] == (1, 1)
