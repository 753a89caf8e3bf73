"""Editors' hand work on polls: placing a new poll in an article, closing and reopening polls."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Max, Q, Value, When
from django.utils import timezone

from articles.briefing import YES_NO_CHOICES, BriefingError, parse_block_text
from articles.models import Block, Section
from polls.live import poll_results_changed
from polls.models import Choice, Poll
from polls.proposals import normalize_answer
from polls.services import create_poll

MAX_ANSWER_LENGTH = Choice._meta.get_field("text").max_length


def poll_question(text: str) -> str:
    """The question as its block will hold it: one line ending in "?", as in a briefing."""
    try:
        return parse_block_text("question", text).text
    except BriefingError as error:
        raise ValidationError(str(error)) from None


def poll_answers(*, kind: str, choices) -> list[str]:
    """The answers a new poll of this kind starts with, or a ValidationError saying why not.

    A yes/no question without answers gets Yes / No / Not sure; multiple choice
    needs at least two; an open question may start empty (readers propose).
    Two answers that normalise alike would be one answer, so they are refused.
    """
    answers = [" ".join(text.split()) for text in choices]
    answers = [text for text in answers if text]
    if kind == Poll.Kind.YES_NO and not answers:
        answers = list(YES_NO_CHOICES)
    if kind == Poll.Kind.CHOICE and len(answers) < 2:
        raise ValidationError("A multiple-choice question needs at least two answers.")
    errors, seen = [], set()
    for text in answers:
        normalized = normalize_answer(text)
        if not normalized:
            errors.append(f"“{text}” needs some words, not only punctuation.")
        elif normalized in seen:
            errors.append(f"“{text}” is listed twice.")
        elif len(text) > MAX_ANSWER_LENGTH:
            errors.append(f"“{text[:30]}…” is longer than {MAX_ANSWER_LENGTH} characters.")
        seen.add(normalized)
    if errors:
        raise ValidationError(errors)
    return answers


@transaction.atomic
def add_poll_after_block(
    *, block: Block, question: str, kind: str, choices, results_visibility: str, closes_at
) -> Poll:
    """Ask a new reader question right after `block`, in the same section.

    A question block is inserted after it (the later blocks of the section move
    down one place) and the poll is created on it, all or nothing.
    """
    question = poll_question(question)
    answers = poll_answers(kind=kind, choices=choices)
    # Lock the section: two editors inserting into it at once take turns.
    section = Section.objects.select_for_update().select_related("article").get(pk=block.section_id)
    after = Block.objects.get(pk=block.pk).position
    # Blocks are unique per (section, position): move the later ones from the
    # last backwards, so no two ever share a place on the way.
    for later in (
        Block.objects.filter(section=section, position__gt=after)
        .order_by("-position")
        .values_list("pk", flat=True)
    ):
        Block.objects.filter(pk=later).update(position=F("position") + 1)
    question_block = Block.objects.create(
        section=section, position=after + 1, kind=Block.Kind.QUESTION, text=question
    )
    last_position = section.article.polls.aggregate(last=Max("position"))["last"]
    poll = create_poll(
        article=section.article,
        question=question,
        kind=kind,
        choices=answers,
        block=question_block,
        position=0 if last_position is None else last_position + 1,
        source=Poll.Source.EDITOR,
    )
    poll.results_visibility = results_visibility
    poll.closes_at = closes_at
    poll.save(update_fields=["results_visibility", "closes_at"])
    return poll


def close_polls(*, polls, now=None) -> list[Poll]:
    """Close the open polls among `polls` now; returns the ones that changed."""
    now = now or timezone.now()
    closed = []
    for poll in polls:
        if poll.is_closed(now):
            continue
        # The conditional update claims the poll: closing it twice changes nothing.
        if Poll.objects.filter(pk=poll.pk, closed_at__isnull=True).update(closed_at=now):
            closed.append(poll)
            poll_results_changed(poll)
    return closed


def reopen_polls(*, polls, now=None) -> list[Poll]:
    """Open the closed polls among `polls` again; returns the ones that changed.

    A closing time already past is cleared too, or the poll would stay closed;
    one still ahead is kept.
    """
    now = now or timezone.now()
    closes_in_past = Q(closes_at__lte=now)
    reopened = []
    for poll in polls:
        changed = (
            Poll.objects.filter(pk=poll.pk)
            .filter(Q(closed_at__isnull=False) | closes_in_past)
            .update(
                closed_at=None,
                closes_at=Case(
                    When(closes_in_past, then=Value(None)),
                    default=F("closes_at"),
                    output_field=DateTimeField(),
                ),
            )
        )
        if changed:
            reopened.append(poll)
            poll_results_changed(poll)
    return reopened
