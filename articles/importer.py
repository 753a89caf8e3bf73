"""Store a parsed briefing as an Article with its sections, blocks and polls."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from articles.body import body_changed
from articles.briefing import Block as ParsedBlock
from articles.briefing import Briefing, block_markup
from articles.corrections import Change, keep_published_text, record_change
from articles.models import Article, Block, Section
from articles.publishing import announce
from polls.services import sync_polls


class ImportRefused(Exception):
    """The import would make an inconsistent story; one sentence for the editor."""


@dataclass
class ImportResult:
    article: Article
    created: bool
    sections: int
    blocks: int
    polls_created: list[str] = field(default_factory=list)
    polls_kept: list[str] = field(default_factory=list)
    polls_removed: list[str] = field(default_factory=list)
    polls_retired: list[str] = field(default_factory=list)


def block_data(block: ParsedBlock) -> dict:
    if block.type == "list":
        return {"items": list(block.items)}
    if block.type == "table":
        return {
            "caption": block.caption,
            "header": list(block.header),
            "rows": [list(row) for row in block.rows],
        }
    return {}


@transaction.atomic
def import_briefing(
    briefing: Briefing,
    *,
    slug: str | None = None,
    status: str | None = None,
    follows: Article | None = None,
    publish_at=None,
    change: Change | None = None,
) -> ImportResult:
    """Create the article, or rebuild it in place when the slug exists.

    Sections and blocks are replaced; polls are matched by question text so a
    re-import keeps their votes. `follows` makes it a follow-up of that article;
    `publish_at` schedules it. Rebuilding a published article keeps its new text as a
    version of the kind `change` says (a silent fix unless it says otherwise).
    """
    slug = slug or briefing.slug
    article = Article.objects.select_for_update().filter(slug=slug).first()
    created = article is None
    if created:
        article = Article(slug=slug, status=status or Article.Status.PUBLISHED)
    elif status:
        article.status = status
    was_published = not created and article.is_published
    if was_published:
        keep_published_text(article)
    _set_header(article, briefing, follows=follows, publish_at=publish_at)
    article.save()
    if article.is_published and not was_published:
        announce(article)
    sections, blocks = _replace_body(article, briefing)
    question_blocks = {block.text: block for block in blocks if block.kind == Block.Kind.QUESTION}
    outcome = sync_polls(
        article=article, questions=briefing.questions, blocks_by_question=question_blocks
    )
    if was_published:
        record_change(article=article, change=change or Change())
    return ImportResult(
        article=article,
        created=created,
        sections=len(sections),
        blocks=len(blocks),
        polls_created=outcome.created,
        polls_kept=outcome.kept,
        polls_removed=outcome.removed,
        polls_retired=outcome.retired,
    )


def _set_header(article: Article, briefing: Briefing, *, follows, publish_at):
    """What the article says of itself: its place in a story, its schedule, title and lead."""
    if follows is not None:
        if follows.pk == article.pk:
            raise ImportRefused("An article cannot follow up itself.")
        article.follows = follows
    if publish_at is not None:
        article.status = Article.Status.SCHEDULED
        article.publish_at = publish_at
    article.title = briefing.title
    article.lead = briefing.lead
    article.keywords = list(briefing.keywords)
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()


def _replace_body(article: Article, briefing: Briefing) -> tuple[list[Section], list[Block]]:
    """The article's sections and blocks, rebuilt from the briefing."""
    article.sections.all().delete()
    sections = Section.objects.bulk_create(
        Section(
            article=article,
            position=position,
            title=parsed.title or "",
            level=parsed.level,
            anchor=parsed.anchor,
        )
        for position, parsed in enumerate(briefing.sections)
    )
    blocks = Block.objects.bulk_create(
        Block(
            section=section,
            position=position,
            kind=parsed_block.type,
            text=block_markup(parsed_block),
            data=block_data(parsed_block),
        )
        for section, parsed_section in zip(sections, briefing.sections, strict=True)
        for position, parsed_block in enumerate(parsed_section.blocks)
    )
    body_changed(article.pk)  # bulk_create sends no signal
    return sections, blocks
