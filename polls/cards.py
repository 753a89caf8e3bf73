"""Poll cards: each poll as one reader sees it, with their own vote and pending answers."""

from django.db.models import Prefetch, prefetch_related_objects

from polls.models import Choice, Poll
from polls.proposals import pending_proposals_of
from polls.results import PollCard, build_card
from polls.voting import Voter, votes_of


def poll_cards(
    polls: list[Poll],
    *,
    user,
    voter: Voter | None,
    feedback: dict | None = None,
    known_votes: dict | None = None,
    known_answers: dict | None = None,
) -> dict[int, PollCard]:
    """Each poll by id, as this reader sees it: two queries at most.

    `poll.choices.all()` must hold the approved answers, unless `known_answers`
    ({poll id: [answers]}) gives them. `feedback` maps a poll id to
    {"error"|"notice": text}; `known_votes` ({poll id: choice id}) is given when
    the request just voted, so the vote need not be looked up again.
    """
    known_answers = known_answers or {}
    feedback = feedback or {}
    mine = known_votes if known_votes is not None else votes_of(voter, polls)
    pending = pending_proposals_of(
        polls=polls,
        user=user,
        voter_key=voter.voter_key if voter and voter.voter_key else "",
    )
    return {
        poll.pk: build_card(
            poll,
            my_choice_id=mine.get(poll.pk),
            pending_proposals=pending.get(poll.pk, ()),
            answers=known_answers.get(poll.pk),
            **feedback.get(poll.pk, {}),
        )
        for poll in polls
    }


def poll_card(
    poll: Poll, *, user, voter: Voter | None, answers: list | None = None, **options
) -> PollCard:
    """One poll's card (`options` as for poll_cards), its approved answers loaded here
    unless given (`answers`, in poll order, as a vote just counted them)."""
    if answers is None:
        approved = Choice.objects.approved().in_poll_order()
        prefetch_related_objects([poll], Prefetch("choices", queryset=approved))
        return poll_cards([poll], user=user, voter=voter, **options)[poll.pk]
    known_answers = {poll.pk: answers}
    return poll_cards([poll], user=user, voter=voter, known_answers=known_answers, **options)[
        poll.pk
    ]
