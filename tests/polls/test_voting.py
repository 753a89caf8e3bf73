import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from polls.models import Vote, VoteMinute
from polls.surges import record_vote_minutes
from polls.voting import InvalidChoice, PollClosed, Voter, VoteRefused, cast_vote, withdraw_vote
from tests.polls.conftest import choice_named, cookie_voter


def counts(poll):
    return {choice.text: choice.vote_count for choice in poll.choices.all()}


def test_a_vote_is_counted_once(yes_no_poll):
    yes = choice_named(yes_no_poll, "Yes")
    cast_vote(poll=yes_no_poll, choice_id=yes.pk, voter=cookie_voter(1))
    cast_vote(poll=yes_no_poll, choice_id=yes.pk, voter=cookie_voter(1))
    assert counts(yes_no_poll) == {"Yes": 1, "No": 0, "Not sure": 0}
    assert Vote.objects.count() == 1


def test_changing_a_vote_moves_it(yes_no_poll):
    voter = cookie_voter(1)
    cast_vote(poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "Yes").pk, voter=voter)
    outcome = cast_vote(poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "No").pk, voter=voter)
    assert outcome.changed
    assert counts(yes_no_poll) == {"Yes": 0, "No": 1, "Not sure": 0}
    assert Vote.objects.get().choice.text == "No"


def test_withdrawing_a_vote_removes_it(yes_no_poll):
    voter = cookie_voter(1)
    cast_vote(poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "Yes").pk, voter=voter)
    assert withdraw_vote(poll=yes_no_poll, voter=voter) is True
    assert withdraw_vote(poll=yes_no_poll, voter=voter) is False
    assert counts(yes_no_poll)["Yes"] == 0
    assert not Vote.objects.exists()


def test_accounts_and_cookies_are_separate_voters(yes_no_poll, reader):
    yes = choice_named(yes_no_poll, "Yes").pk
    cast_vote(poll=yes_no_poll, choice_id=yes, voter=Voter(user_id=reader.pk))
    cast_vote(poll=yes_no_poll, choice_id=yes, voter=cookie_voter(1))
    assert counts(yes_no_poll)["Yes"] == 2


def test_the_database_refuses_a_second_vote_by_the_same_cookie(yes_no_poll):
    yes, no = choice_named(yes_no_poll, "Yes"), choice_named(yes_no_poll, "No")
    Vote.objects.create(poll=yes_no_poll, choice=yes, voter_key="k" * 32)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(poll=yes_no_poll, choice=no, voter_key="k" * 32)


def test_the_database_refuses_a_second_vote_by_the_same_account(yes_no_poll, reader):
    yes, no = choice_named(yes_no_poll, "Yes"), choice_named(yes_no_poll, "No")
    Vote.objects.create(poll=yes_no_poll, choice=yes, user=reader)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(poll=yes_no_poll, choice=no, user=reader)


def test_the_database_refuses_a_vote_without_a_voter_or_with_two(yes_no_poll, reader):
    yes = choice_named(yes_no_poll, "Yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(poll=yes_no_poll, choice=yes)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(poll=yes_no_poll, choice=yes, user=reader, voter_key="k" * 32)


def test_a_choice_of_another_poll_is_refused(yes_no_poll, open_poll, demo_article):
    other = open_poll.choices.create(text="Monitors", normalized_text="monitors")
    with pytest.raises(InvalidChoice):
        cast_vote(poll=yes_no_poll, choice_id=other.pk, voter=cookie_voter(1))
    with pytest.raises(InvalidChoice):
        cast_vote(poll=yes_no_poll, choice_id=None, voter=cookie_voter(1))
    with pytest.raises(InvalidChoice):
        cast_vote(poll=yes_no_poll, choice_id="'; DROP TABLE", voter=cookie_voter(1))
    assert not Vote.objects.exists()


def test_a_pending_proposal_cannot_be_voted_for(open_poll):
    pending = open_poll.choices.create(text="Drones", normalized_text="drones", status="pending")
    with pytest.raises(InvalidChoice):
        cast_vote(poll=open_poll, choice_id=pending.pk, voter=cookie_voter(1))


def test_a_closed_poll_refuses_votes_and_withdrawals(yes_no_poll):
    voter = cookie_voter(1)
    yes = choice_named(yes_no_poll, "Yes").pk
    cast_vote(poll=yes_no_poll, choice_id=yes, voter=voter)
    yes_no_poll.closes_at = timezone.now() - dt.timedelta(seconds=1)
    yes_no_poll.save()
    with pytest.raises(PollClosed):
        cast_vote(poll=yes_no_poll, choice_id=yes, voter=cookie_voter(2))
    with pytest.raises(PollClosed):
        withdraw_vote(poll=yes_no_poll, voter=voter)
    assert counts(yes_no_poll)["Yes"] == 1


def test_a_poll_of_an_unpublished_article_refuses_votes(yes_no_poll):
    Article.objects.filter(pk=yes_no_poll.article_id).update(status=Article.Status.DRAFT)
    yes_no_poll.article.refresh_from_db()
    with pytest.raises(VoteRefused):
        cast_vote(
            poll=yes_no_poll, choice_id=choice_named(yes_no_poll, "Yes").pk, voter=cookie_voter(1)
        )


def test_votes_per_minute_are_recorded_with_new_voters(yes_no_poll):
    now = timezone.now()
    yes = choice_named(yes_no_poll, "Yes").pk
    cast_vote(poll=yes_no_poll, choice_id=yes, voter=Voter(voter_key="a" * 32, first_seen=now))
    old = now - dt.timedelta(days=30)
    cast_vote(poll=yes_no_poll, choice_id=yes, voter=Voter(voter_key="b" * 32, first_seen=old))
    assert record_vote_minutes() == 1
    minute = VoteMinute.objects.get(poll=yes_no_poll)
    assert (minute.votes, minute.new_voter_votes) == (2, 1)
    assert minute.minute == now.replace(second=0, microsecond=0)
    record_vote_minutes()
    assert VoteMinute.objects.count() == 1


def test_a_voter_is_an_account_or_a_cookie_never_both():
    with pytest.raises(ValueError, match="either"):
        Voter(user_id=1, voter_key="a" * 32)
    with pytest.raises(ValueError, match="either"):
        Voter()
