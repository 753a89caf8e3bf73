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
    # order, when the vote's statement read them (PostgreSQL).
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
                outcome = _record_in_one_statement(poll, choice_id, voter, now)
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


# _record's rules in one statement, one round trip and its own transaction: lock
# the voter's vote if there is one; insert it, or move it to the new answer;
# move both counters. An answer that is not an approved one of this poll
# matches nothing, so nothing changes. A racing request of the same voter that
# inserts first makes the INSERT fail on the unique constraint, and the whole
# statement with it; cast_vote then runs it again, and it finds that vote.
RECORD_VOTE = """
WITH old AS (
    SELECT id, choice_id FROM polls_vote
    WHERE poll_id = %(poll)s AND {voter} = %(voter)s
    FOR UPDATE
), answer AS (
    SELECT id FROM polls_choice
    WHERE id = %(choice)s AND poll_id = %(poll)s AND status = 'approved'
), inserted AS (
    INSERT INTO polls_vote
        (poll_id, choice_id, {voter}, is_new_voter, created_at, updated_at)
    SELECT %(poll)s, answer.id, %(voter)s, %(is_new)s, %(now)s, %(now)s FROM answer
    WHERE NOT EXISTS (SELECT FROM old)
    RETURNING choice_id
), moved AS (
    UPDATE polls_vote SET choice_id = answer.id, updated_at = %(now)s
    FROM old, answer
    WHERE polls_vote.id = old.id AND old.choice_id <> answer.id
    RETURNING old.choice_id AS left_id
), moves AS (
    SELECT choice_id AS id, 1 AS delta FROM inserted
    UNION ALL SELECT answer.id, 1 FROM answer WHERE EXISTS (SELECT FROM moved)
    UNION ALL SELECT left_id, -1 FROM moved
), locked AS (
    -- Counters are locked in primary key order: two voters swapping between
    -- the same answers do not deadlock.
    SELECT polls_choice.id, moves.delta FROM polls_choice JOIN moves USING (id)
    ORDER BY polls_choice.id
    FOR UPDATE OF polls_choice
), counted AS (
    -- PostgreSQL checks vote_count >= 0 on the counter as this statement's
    -- snapshot saw it before it re-reads the row that a racing vote of the
    -- same voter moved meanwhile (0 then, 1 now); GREATEST lets that first
    -- check pass. The value stored is computed from the row re-read, which
    -- counts the vote being moved: it is never below 1 there.
    UPDATE polls_choice SET vote_count = GREATEST(vote_count + locked.delta, 0)
    FROM locked WHERE polls_choice.id = locked.id
    RETURNING polls_choice.id, polls_choice.vote_count
), shown AS (
    -- The poll's answers as counted right after this vote, for its answer.
    SELECT {answer_columns}, COALESCE(counted.vote_count, c.vote_count) AS counted_votes
    FROM polls_choice c LEFT JOIN counted ON counted.id = c.id
    WHERE c.poll_id = %(poll)s AND c.status = 'approved'
)
SELECT
    EXISTS (SELECT FROM answer),
    EXISTS (SELECT FROM inserted) OR EXISTS (SELECT FROM moved),
    shown.*
FROM (SELECT) AS one LEFT JOIN shown ON true
ORDER BY shown.position, shown.id
"""
ANSWER_FIELDS = [field.attname for field in Choice._meta.concrete_fields]


def _record_in_one_statement(poll, choice_id, voter, now) -> VoteOutcome:
    """_record on PostgreSQL, in one statement; an invalid answer changes nothing."""
    column = "user_id" if voter.user_id is not None else "voter_key"
    params = {
        "poll": poll.pk,
        "voter": voter.user_id if voter.user_id is not None else voter.voter_key,
        "choice": choice_id,
        "is_new": voter.is_new(now),
        "now": now,
    }
    sql = RECORD_VOTE.format(
        voter=column, answer_columns=", ".join(f"c.{name}" for name in ANSWER_FIELDS)
    )
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
        if row[2] is None:  # the poll has no approved answer (left join)
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
