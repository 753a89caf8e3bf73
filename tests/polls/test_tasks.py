import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from polls.models import Choice, Poll, Surge, VoteMinute
from polls.surges import flag_surges
from polls.tasks import close_due_polls
from polls.voting import cast_vote
from tests.polls.conftest import choice_named, cookie_voter


def test_polls_past_their_closing_time_are_closed_once(yes_no_poll, open_poll):
    Poll.objects.filter(pk=yes_no_poll.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    Poll.objects.filter(pk=open_poll.pk).update(closes_at=timezone.now() + dt.timedelta(hours=1))
    assert close_due_polls() == 1
    assert close_due_polls() == 0
    yes_no_poll.refresh_from_db()
    open_poll.refresh_from_db()
    assert yes_no_poll.closed_at is not None
    assert open_poll.closed_at is None


def test_beat_runs_the_poll_tasks_every_minute(db):
    tasks = PeriodicTask.objects.filter(task__startswith="polls.tasks.")
    assert {task.task for task in tasks} == {
        "polls.tasks.close_due_polls",
        "polls.tasks.flag_vote_surges",
        "polls.tasks.sweep_pending_proposals",
    }
    assert all(task.enabled and task.interval.every == 1 for task in tasks)


def minute_of(poll, minutes_ago, votes, new=0, now=None):
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    return VoteMinute.objects.create(
        poll=poll,
        minute=now - dt.timedelta(minutes=minutes_ago),
        votes=votes,
        new_voter_votes=new,
    )


def test_a_minute_far_above_the_usual_rate_is_flagged(yes_no_poll):
    for ago in range(1, 31):
        minute_of(yes_no_poll, ago, votes=4)
    minute_of(yes_no_poll, 0, votes=60)
    [surge] = flag_surges()
    assert (surge.votes, surge.baseline_per_minute) == (60, 4.0)
    assert "60 votes" in str(surge)


def test_a_minute_mostly_from_new_voters_is_flagged_even_at_the_usual_rate(yes_no_poll):
    for ago in range(1, 31):
        minute_of(yes_no_poll, ago, votes=40)
    minute_of(yes_no_poll, 0, votes=40, new=36)
    [surge] = flag_surges()
    assert surge.new_voter_share == pytest.approx(0.9)


def test_a_steady_poll_is_not_flagged_and_nothing_is_hidden(yes_no_poll):
    for ago in range(0, 31):
        minute_of(yes_no_poll, ago, votes=40, new=4)
    assert flag_surges() == []
    minute_of(yes_no_poll, -1, votes=10)  # a busy minute, but too few votes to mean much
    assert flag_surges() == []
    assert not Surge.objects.exists()


def test_flagging_twice_records_one_surge(yes_no_poll):
    minute_of(yes_no_poll, 0, votes=60)
    flag_surges()
    flag_surges()
    assert Surge.objects.count() == 1


def test_recount_finds_and_repairs_wrong_counters(yes_no_poll):
    yes = choice_named(yes_no_poll, "Yes")
    for n in range(3):
        cast_vote(poll=yes_no_poll, choice_id=yes.pk, voter=cookie_voter(n + 1))
    call_command("recount_votes", "--check", stdout=StringIO())
    Choice.objects.filter(pk=yes.pk).update(vote_count=99)
    with pytest.raises(CommandError, match="1 vote counters disagree"):
        call_command("recount_votes", "--check", stdout=StringIO())
    out = StringIO()
    call_command("recount_votes", stdout=out)
    assert "1 counters corrected" in out.getvalue()
    yes.refresh_from_db()
    assert yes.vote_count == 3
