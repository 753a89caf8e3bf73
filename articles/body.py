"""The article's body (its lead, contents and sections) drawn once per version of its text.

Sections and blocks change only when an editor changes them, and drawing them is about a
third of an article page. So their HTML is kept in the default cache (Redis in production,
shared by every process) under the article's `body_version`, which every change to a
section or a block moves on, in the same transaction as the change:

- a Section or Block saved or deleted one by one (the admin, its inlines, a shell,
  polls.placement's new question block) moves it through the signals connected here;
- code that writes them around save() and delete() (bulk_create, update) calls
  `body_changed` itself, in the same transaction: the importer does.

What differs per reader or changes without the text changing is not part of the stored
HTML: each question's poll card and each earlier question's results are a slot, filled in
by the page (articles.pages) as it renders; the standfirst, drawn from the article's
own lead, is drawn by the page too.
"""

import logging
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, Prefetch, signals
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Block, Section
from comments.fragments import template_digest

log = logging.getLogger(__name__)

TEMPLATE = "articles/body.html"  # its partial "body", drawing on its partial "article-block"
# How long a version stays stored after it was drawn; a read article draws it again sooner.
BODY_SECONDS = 24 * 3600
# Bump to set aside every stored body when the code drawing them changes (a change to the
# template changes the keys by itself).
RELEASE = 1
# Autoescaping turns an editor's "<" into "&lt;", so no text of theirs can make a slot.
SLOT = re.compile(r"<!--slot:(poll|results|standfirst):(\d+)-->")


@dataclass(frozen=True)
class Body:
    # The HTML as (html, slot, number) parts: after each part's html comes the poll card
    # of the question block `number` ("poll"), the results shown after body section
    # `number` ("results"), the standfirst ("standfirst"), or nothing ("").
    parts: tuple[tuple[SafeString, str, int], ...]
    question_blocks: tuple[int, ...]  # in reading order
    has_lead: bool
    paragraphs: frozenset[str]  # the paragraphs' texts, kept only when there is no lead


def body_changed(article_id: int):
    """The article's sections or blocks changed: its page draws the body again."""
    _move_on(Article.objects.filter(pk=article_id))


def _move_on(articles):
    articles.update(body_version=F("body_version") + 1)


def of(article: Article) -> Body:
    """The article's body as it stands at its `body_version`: stored, or drawn and stored."""
    key = _key(article, get_template(TEMPLATE).template.source)
    body = _read(key)
    if body is None:
        body = _drawn(article, get_template(f"{TEMPLATE}#body"))
        _write(key, body)
    return body


def lead_not_in_body(article: Article, body: Body) -> str:
    """The article's lead when its text does not already open with it: a follow-up written
    as a title and a lead, with no body yet, still shows its readers what it says."""
    if body.has_lead or article.lead in body.paragraphs:
        return ""
    return article.lead


def _key(article: Article, template_source: str) -> str:
    digest = template_digest(template_source.encode())
    # created_at too: a rolled-back article's id may be given again, at version 0.
    born = article.created_at.timestamp()
    return f"article-body:{RELEASE}:{article.pk}:{born}:{article.body_version}:{digest}"


def _drawn(article: Article, template) -> Body:
    sections = list(
        Section.objects.filter(article=article)
        .order_by("position")
        .prefetch_related(Prefetch("blocks", queryset=Block.objects.order_by("position")))
    )
    lead = sections[0] if sections and not sections[0].title else None
    body_sections = sections[1:] if lead else sections
    question_blocks = []
    for section in sections:
        for block in section.blocks.all():
            if block.kind == Block.Kind.QUESTION:
                block.slot = format_html("<!--slot:poll:{}-->", block.pk)
                question_blocks.append(block.pk)
    for number, section in enumerate(body_sections, start=1):
        section.results_slot = format_html("<!--slot:results:{}-->", number)
    html = template.render({"lead": lead, "sections": body_sections, "toc": _toc(body_sections)})
    # Pieces of the template's own output, escaped as it drew them.
    pieces = [mark_safe(piece) for piece in SLOT.split(html)]  # noqa: S308
    parts = [
        (pieces[at], str(pieces[at + 1]), int(pieces[at + 2]))
        for at in range(0, len(pieces) - 1, 3)
    ]
    parts.append((pieces[-1], "", 0))
    return Body(
        parts=tuple(parts),
        question_blocks=tuple(question_blocks),
        has_lead=lead is not None,
        paragraphs=frozenset() if lead else _paragraphs(sections),
    )


def _paragraphs(sections) -> frozenset[str]:
    return frozenset(
        block.text
        for section in sections
        for block in section.blocks.all()
        if block.kind == Block.Kind.PARAGRAPH
    )


def _toc(sections) -> list[dict]:
    """Top-level sections, each with the deeper sections that follow it."""
    toc = []
    for section in sections:
        if toc and section.heading_level > toc[-1]["section"].heading_level:
            toc[-1]["children"].append(section)
        else:
            toc.append({"section": section, "children": []})
    return toc


def _read(key: str) -> Body | None:
    try:
        return cache.get(key)
    except Exception:  # a cache outage costs a drawing, never the page
        log.warning("The article body cache is unavailable.", exc_info=True)
        return None


def _write(key: str, body: Body):
    try:
        cache.set(key, body, BODY_SECONDS)
    except Exception:
        log.warning("The article body cache is unavailable.", exc_info=True)


def _section_changed(sender, instance, **kwargs):
    body_changed(instance.article_id)


def _block_changed(sender, instance, origin=None, **kwargs):
    if origin is not None and not _deletes_blocks(origin):
        return  # deleted with its section (or article), whose own signal moves the version
    _move_on(Article.objects.filter(sections=instance.section_id))


def _deletes_blocks(origin) -> bool:
    """Whether a deletion started from blocks: a block, or a queryset of blocks."""
    return isinstance(origin, Block) or getattr(origin, "model", None) is Block


def connect_signals():
    for name, signal in (("save", signals.post_save), ("delete", signals.post_delete)):
        signal.connect(_section_changed, sender=Section, dispatch_uid=f"body-section-{name}")
        signal.connect(_block_changed, sender=Block, dispatch_uid=f"body-block-{name}")
