"""What a reader sees of a poll: its answers, and the results when they may see them."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from polls.models import Choice, Poll


def largest_remainder_percentages(counts: list[int]) -> list[int]:
    """Whole percentages that add up to exactly 100 (all zeros when nobody voted).

    Each share is rounded down, then the points still missing go to the shares
    that lost most in rounding (ties to the larger count, then the earlier one).
    """
    total = sum(counts)
    if total == 0:
        return [0 for _ in counts]
    exact = [count * 100 / total for count in counts]
    floors = [int(share) for share in exact]
    missing = 100 - sum(floors)
    by_remainder = sorted(
        range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), -counts[i], i)
    )
    for index in by_remainder[:missing]:
        floors[index] += 1
    return floors


@dataclass
class ChoiceResult:
    choice: Choice
    votes: int
    percent: int
    is_mine: bool


@dataclass
class PollCard:
    """Everything the poll partial needs for one reader."""

    poll: Poll
    choices: list[ChoiceResult]
    total: int
    my_choice_id: int | None
    is_closed: bool
    show_results: bool
    pending_proposals: list[str] = field(default_factory=list)
    error: str = ""
    notice: str = ""

    @property
    def has_voted(self):
        return self.my_choice_id is not None

    @property
    def takes_proposals(self):
        return self.poll.kind == Poll.Kind.OPEN and not self.is_closed

    @property
    def anchor(self):
        return f"poll-{self.poll.pk}"

    @property
    def proposal_hint(self) -> str:
        """What happens to a proposed answer, as it does (POLL_PROPOSALS_AUTO_APPROVE)."""
        if settings.POLL_PROPOSALS_AUTO_APPROVE:
            return "published once it passes our automatic checks"
        return "a moderator reads it before it is published"


def build_card(
    poll: Poll,
    *,
    my_choice_id: int | None = None,
    pending_proposals=(),
    error: str = "",
    notice: str = "",
    now=None,
    answers: list | None = None,
) -> PollCard:
    """The poll as this reader sees it: `answers`, its approved answers in poll order, or
    else `poll.choices.all()` must hold the approved ones."""
    if answers is None:
        answers = poll.choices.all()
    choices = [choice for choice in answers if choice.status == Choice.Status.APPROVED]
    counts = [choice.vote_count for choice in choices]
    percents = largest_remainder_percentages(counts)
    is_closed = poll.is_closed(now or timezone.now())
    visibility = poll.results_visibility
    show_results = (
        is_closed
        or visibility == Poll.ResultsVisibility.ALWAYS
        or (visibility == Poll.ResultsVisibility.AFTER_VOTE and my_choice_id is not None)
    )
    return PollCard(
        poll=poll,
        choices=[
            ChoiceResult(choice, votes, percent, choice.pk == my_choice_id)
            for choice, votes, percent in zip(choices, counts, percents, strict=True)
        ],
        total=sum(counts),
        my_choice_id=my_choice_id,
        is_closed=is_closed,
        show_results=show_results,
        pending_proposals=list(pending_proposals),
        error=error,
        notice=notice,
    )


def results_card(poll: Poll) -> PollCard:
    """The poll's results as anyone may be shown them, voter or not.

    `poll.choices.all()` must hold its answers (only the approved ones count).
    """
    card = build_card(poll)
    card.show_results = True
    return card
