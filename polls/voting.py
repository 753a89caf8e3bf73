"""Casting, changing and withdrawing votes: one vote per voter and poll, counted exactly."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from polls.live import poll_results_changed
from polls.models import Choice, Poll, Vote

# A voter first seen this recently counts as new when looking for surges.
NEW_VOTER_WINDOW = dt.timedelta(minutes=10)


class VoteRefused(Exception):
    """The vote cannot be taken; the message is meant for the reader."""

    status = 400


class PollClosed(VoteRefused):
    status = 409


class InvalidChoice(VoteRefused):
    status = 422


@dataclass(frozen=True)
class Voter:
    """Who votes: an account when signed in, otherwise the voter cookie's key."""

    user_id: int | None = None
    voter_key: str | None = None
    first_seen: dt.datetime | None = None
    # The cookie's key was minted for this very request: it has no votes yet.
    is_fresh: bool = False

    def __post_init__(self):
        if (self.user_id is None) == (self.voter_key is None):
            raise ValueError("A voter is either an account or a voter cookie.")

    @property
    def lookup(self) -> dict:
        if self.user_id is not None:
            return {"user_id": self.user_id}
        return {"voter_key": self.voter_key}

    def is_new(self, now) -> bool:
        return self.first_seen is not None and now - self.first_seen <= NEW_VOTER_WINDOW


@dataclass(frozen=True)
class VoteOutcome:
    choice_id: int | None
    changed: bool
    # The poll's approved answers as counted right after the vote, in poll
    # order, when the vote's round trip read them (PostgreSQL).
    answers: list | None = None


def _check_open(poll: Poll, now):
    if not poll.article.is_published:
        raise VoteRefused("This poll is not open to readers.")
    if poll.is_closed(now):
        raise PollClosed("This poll is closed; the final results are shown.")


def _adjust(choice_id: int, delta: int):
    Choice.objects.filter(pk=choice_id).update(vote_count=F("vote_count") + delta)


def _count_for(poll: Poll, choice_id: int):
    """Add the vote to its answer's counter, which must be an approved answer of this poll.

    The counter's update is also the check (no query of its own): when it
    matches no answer, the vote is refused and its transaction rolled back.
    """
    counted = (
        Choice.objects.approved()
        .filter(pk=choice_id, poll=poll)
        .update(vote_count=F("vote_count") + 1)
    )
    if not counted:
        raise InvalidChoice("Choose one of this poll's answers.")


def cast_vote(*, poll: Poll, choice_id, voter: Voter) -> VoteOutcome:
    """Record the voter's answer, replacing an earlier one; counts stay exact.

    The database's unique constraints, not this code, guarantee one vote per
    voter: two requests racing to insert meet at the constraint, and the loser
    updates the winner's row instead.
    """
    now = timezone.now()
    _check_open(poll, now)
    try:
        choice_id = int(choice_id)
    except (TypeError, ValueError):
        choice_id = 0
    if not 0 < choice_id < 2**63:
        raise InvalidChoice("Choose one of this poll's answers.")

    for attempt in range(3):
        try:
            if connection.vendor == "postgresql":
                outcome = _record_in_one_round_trip(poll, choice_id, voter, now)
            else:
                with transaction.atomic():
                    # A key minted for this request has no vote yet: no need to look.
                    look = attempt or not voter.is_fresh
                    outcome = _record(poll, choice_id, voter, now, look=look)
            break
        except IntegrityError:
            # Another request of the same voter inserted first; go again and
            # take the update path.
            continue
    else:
        raise VoteRefused("Your vote could not be recorded; please try again.")
    if outcome.changed:
        poll_results_changed(poll)
    return outcome


def _record(poll, choice_id, voter, now, *, look=True) -> VoteOutcome:
    existing = None
    if look:
        existing = Vote.objects.select_for_update().filter(poll=poll, **voter.lookup).first()
    if existing is not None:
        if existing.choice_id == choice_id:
            return VoteOutcome(choice_id=choice_id, changed=False)
        existing_choice_id = existing.choice_id
        existing.choice_id = choice_id
        existing.save(update_fields=["choice", "updated_at"])
        # Always lock counters in the same (pk) order: two voters swapping
        # between the same answers must not deadlock.
        for counter_id, delta in sorted([(existing_choice_id, -1), (choice_id, +1)]):
            if delta > 0:
                _count_for(poll, counter_id)
            else:
                _adjust(counter_id, delta)
        return VoteOutcome(choice_id=choice_id, changed=True)

    # A racing request of the same voter makes this insert fail on the unique
    # constraint; cast_vote then runs the whole transaction again.
    Vote.objects.create(
        poll=poll, choice_id=choice_id, is_new_voter=voter.is_new(now), **voter.lookup
    )
    # The counter is the row every voter for this answer shares: update it
    # last, so its lock is held only until the commit.
    _count_for(poll, choice_id)
    return VoteOutcome(choice_id=choice_id, changed=True)


# _record's rules on PostgreSQL in one round trip: polls_record_vote() (migration
# polls 0008) locks the voter's vote if there is one, inserts it or moves it,
# moves both counters in primary key order, and returns the poll's approved
# answers as counted; their other columns come from the join. An answer that is
# not an approved one of this poll changes nothing.
RECORD_VOTE = """
SELECT vote.valid, vote.changed, {answer_columns}, vote.answer_votes
FROM polls_record_vote(
    %(poll)s::bigint, %(choice)s::bigint, %(user)s::bigint, %(voter_key)s::text,
    %(is_new)s::boolean, %(now)s::timestamptz
) AS vote
LEFT JOIN polls_choice c ON c.id = vote.answer_id
ORDER BY c.position, c.id
"""
ANSWER_FIELDS = [field.attname for field in Choice._meta.concrete_fields]


def _record_in_one_round_trip(poll, choice_id, voter, now) -> VoteOutcome:
    """_record on PostgreSQL, in one round trip; an invalid answer changes nothing."""
    params = {
        "poll": poll.pk,
        "choice": choice_id,
        "user": voter.user_id,
        "voter_key": voter.voter_key,
        "is_new": voter.is_new(now),
        "now": now,
    }
    sql = RECORD_VOTE.format(answer_columns=", ".join(f"c.{name}" for name in ANSWER_FIELDS))
    with connection.cursor() as cursor:
        # Inside a caller's transaction, a savepoint keeps a lost race from
        # breaking it; alone, the statement is its own transaction.
        if connection.in_atomic_block:
            with transaction.atomic():
                cursor.execute(sql, params)
        else:
            cursor.execute(sql, params)
        rows = cursor.fetchall()
    valid, changed = rows[0][:2]
    if not valid:
        raise InvalidChoice("Choose one of this poll's answers.")
    answers = []
    for row in rows:
        if row[2] is None:  # approved after this statement's snapshot: not joined
            continue
        answer = Choice.from_db(connection.alias, ANSWER_FIELDS, row[2:-1])
        answer.vote_count = row[-1]
        answers.append(answer)
    return VoteOutcome(choice_id=choice_id, changed=changed, answers=answers)


def withdraw_vote(*, poll: Poll, voter: Voter) -> bool:
    """Remove the voter's vote; True if there was one."""
    _check_open(poll, timezone.now())
    with transaction.atomic():
        vote = Vote.objects.select_for_update().filter(poll=poll, **voter.lookup).first()
        if vote is None:
            return False
        vote.delete()
        _adjust(vote.choice_id, -1)
    poll_results_changed(poll)
    return True


def votes_of(voter: Voter | None, polls) -> dict[int, int]:
    """The voter's choice in each of these polls, as {poll_id: choice_id}, in one query."""
    if voter is None:
        return {}
    return dict(
        Vote.objects.filter(poll__in=polls, **voter.lookup).values_list("poll_id", "choice_id")
    )
