"""Editors writing articles in the admin: the rules for what they type."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.briefing import Briefing, BriefingError, Question, block_markup, parse_briefing
from articles.importer import ImportRefused, block_data, import_briefing
from articles.markdown_text import parse_markdown
from articles.models import Article, Block, FollowupQuestion
from polls.models import Choice, Poll
from polls.results import ChoiceResult, PollCard

# The banner, the feed and the email label a follow-up themselves; a title carrying the label
# too would read "Follow-up: Follow-up: ...".
FOLLOWUP_LABEL = re.compile(r"^\s*(follow[\s-]*up\s*[:\-\u2013\u2014]\s*)+", re.IGNORECASE)

BRIEFING, MARKDOWN = "briefing", "markdown"
SYNTAXES = [(BRIEFING, "Briefing text"), (MARKDOWN, "Markdown")]

# The importer pads or widens a table whose row has the wrong number of cells; an editor
# writing on the page fixes the row instead, since readers would see the table mangled.
BROKEN_ROW = "Table row on line"


class WritingRefused(Exception):
    """The text cannot be saved; one sentence for the editor (with its line when it has one)."""


def followup_title(title: str) -> str:
    """The title of a follow-up without the "Follow-up:" label readers are shown anyway."""
    return FOLLOWUP_LABEL.sub("", title).strip() or title.strip()


@dataclass(frozen=True)
class Draft:
    """Text an editor pasted: its parsed briefing, or the one error that stops it, with its line."""

    briefing: Briefing | None
    error: str = ""
    warnings: tuple[str, ...] = ()


def parse(text: str, *, follows: Article | None = None, syntax: str = BRIEFING) -> Draft:
    """The briefing in `text`, written in the briefing format or Markdown; a follow-up's title
    without its label. Never raises on bad input."""
    try:
        briefing = parse_markdown(text) if syntax == MARKDOWN else parse_briefing(text)
    except BriefingError as error:
        return Draft(briefing=None, error=str(error))
    broken_rows = [warning for warning in briefing.warnings if warning.startswith(BROKEN_ROW)]
    if broken_rows:
        return Draft(briefing=None, error=broken_rows[0].split(";")[0] + ".")
    if follows is not None:
        briefing = replace(briefing, title=followup_title(briefing.title))
    return Draft(briefing=briefing, warnings=briefing.warnings)


def earlier_polls(follows: Article | None) -> QuerySet[Poll]:
    """The questions a follow-up of `follows` can answer: the polls of the story's published
    pieces, oldest piece first."""
    if follows is None:
        return Poll.objects.none()
    root = follows.story_root_id
    return (
        Poll.objects.filter(Q(article_id=root) | Q(article__story_id=root))
        .filter(
            article__status=Article.Status.PUBLISHED,
            article__published_at__lte=timezone.now(),
        )
        .select_related("article")
        .order_by("article__published_at", "article_id", "position", "pk")
    )


def save(
    text: str,
    *,
    follows: Article | None = None,
    status: str,
    publish_at=None,
    answers: Iterable[Poll] = (),
    syntax: str = BRIEFING,
) -> Article:
    """A new article from the pasted text, as a draft, scheduled or published, answering
    `answers` (polls of the story's earlier pieces).

    Raises WritingRefused, and saves nothing, when the text does not parse, its address
    belongs to another article (the importer would rebuild that one in place), or a
    question is not one of the story's earlier pieces.
    """
    draft = parse(text, follows=follows, syntax=syntax)
    if draft.briefing is None:
        raise WritingRefused(draft.error)
    if Article.objects.filter(slug=draft.briefing.slug).exists():
        raise WritingRefused(
            f"An article with the address “{draft.briefing.slug}” already exists: change the title."
        )
    chosen = {poll.pk for poll in answers}
    if chosen - set(earlier_polls(follows).filter(pk__in=chosen).values_list("pk", flat=True)):
        raise WritingRefused("Choose questions asked in earlier pieces of this story.")
    # One transaction: followers are told after it commits, and readers who took part in an
    # answered question must be among them.
    with transaction.atomic():
        try:
            result = import_briefing(
                draft.briefing, status=status, follows=follows, publish_at=publish_at
            )
        except ImportRefused as refused:
            raise WritingRefused(str(refused)) from refused
        FollowupQuestion.objects.bulk_create(
            FollowupQuestion(followup=result.article, poll_id=pk, answers=True)
            for pk in sorted(chosen)
        )
    return result.article


def preview_card(question: Question) -> PollCard:
    """The poll a reader question becomes, unsaved, as its results read before anyone votes."""
    poll = Poll(question=question.text, kind=question.kind)
    choices = [
        Choice(poll=poll, text=text, position=index) for index, text in enumerate(question.choices)
    ]
    return PollCard(
        poll=poll,
        choices=[ChoiceResult(choice, 0, 0, False) for choice in choices],
        total=0,
        my_choice_id=None,
        is_closed=False,
        show_results=True,
    )


def preview_sections(draft: Draft) -> list[dict]:
    """The parsed sections with unsaved blocks, for the reader templates' block partial; a
    question block carries the card of the poll it becomes (`preview_card`)."""
    if draft.briefing is None:
        return []
    cards = {question.text: preview_card(question) for question in draft.briefing.questions}
    sections = []
    for section in draft.briefing.sections:
        blocks = []
        for parsed in section.blocks:
            block = Block(kind=parsed.type, text=block_markup(parsed), data=block_data(parsed))
            if parsed.type == "question":
                block.preview_card = cards.get(parsed.text)
            blocks.append(block)
        sections.append({"title": section.title or "", "level": section.level, "blocks": blocks})
    return sections
