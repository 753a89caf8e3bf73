"""Rules for polls that more than one app needs."""

from dataclasses import dataclass, field

from polls.models import Choice, Poll


@dataclass
class PollSync:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def sync_polls(*, article, questions, blocks_by_question) -> PollSync:
    """Make the article's polls match its reader questions.

    A poll whose question text is unchanged is kept as it is (with its votes);
    a new question gets a new poll with its choices; a poll whose question is
    gone is deleted. Must run inside the caller's transaction.
    """
    outcome = PollSync()
    existing = {poll.question: poll for poll in Poll.objects.filter(article=article)}
    wanted = {question.text for question in questions}

    gone = [poll for text, poll in existing.items() if text not in wanted]
    if gone:
        Poll.objects.filter(pk__in=[poll.pk for poll in gone]).delete()
        outcome.removed = [poll.question for poll in gone]

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
        poll = Poll.objects.create(
            article=article,
            block=block,
            question=question.text,
            kind=question.kind,
            position=position,
        )
        Choice.objects.bulk_create(
            Choice(poll=poll, text=text, position=index)
            for index, text in enumerate(question.choices)
        )
        outcome.created.append(poll.question)
    return outcome
