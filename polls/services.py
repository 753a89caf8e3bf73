"""Keeping an article's polls in step with its reader questions."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from polls.models import Choice, Poll
from polls.proposals import normalize_answer


@dataclass
class PollSync:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # gone from the file, kept for their votes


def create_poll(*, article, question: str, kind: str, choices, block=None, position=0, source):
    poll = Poll.objects.create(
        article=article,
        block=block,
        question=question,
        kind=kind,
        position=position,
        source=source,
    )
    Choice.objects.bulk_create(
        Choice(poll=poll, text=text, normalized_text=normalize_answer(text), position=index)
        for index, text in enumerate(choices)
    )
    return poll


def sync_polls(*, article, questions, blocks_by_question) -> PollSync:
    """Make the article's briefing polls match its reader questions.

    A poll whose question text is unchanged is kept as it is, with its votes;
    a new question gets a new poll; a poll whose question is gone is deleted,
    unless readers voted in it: then it is closed and listed after the article,
    so no vote is thrown away. Polls editors added by hand are left alone.
    Must run inside the caller's transaction.
    """
    outcome = PollSync()
    existing = {
        poll.question: poll
        for poll in Poll.objects.filter(article=article, source=Poll.Source.BRIEFING).annotate(
            vote_total=Count("votes")
        )
    }
    wanted = {question.text for question in questions}

    for text, poll in existing.items():
        if text in wanted:
            continue
        if poll.vote_total:
            poll.block = None
            poll.closed_at = poll.closed_at or timezone.now()
            poll.save(update_fields=["block", "closed_at"])
            outcome.retired.append(text)
        else:
            poll.delete()
            outcome.removed.append(text)

    for position, question in enumerate(questions):
        if question.text in outcome.kept or question.text in outcome.created:
            continue  # the same question asked twice is one poll
        block = blocks_by_question.get(question.text)
        poll = existing.get(question.text)
        if poll is not None:
            poll.position = position
            poll.block = block
            poll.save(update_fields=["position", "block"])
            outcome.kept.append(poll.question)
            continue
        create_poll(
            article=article,
            question=question.text,
            kind=question.kind,
            choices=question.choices,
            block=block,
            position=position,
            source=Poll.Source.BRIEFING,
        )
        outcome.created.append(question.text)
    return outcome
