"""The article page, assembled from each app's read side: its sections, the poll cards
(polls.cards), the story around it and the discussion (comments.discussion)."""

from django.db.models import Prefetch
from django.shortcuts import render

from articles import corrections, following, publishing
from articles.models import Block, FollowupQuestion, Section
from articles.stories import story_slug
from briefing_site import events
from briefing_site.site_address import absolute_url
from comments.discussion import discussion_context
from comments.live import muted_keys, reader_key
from polls.cards import poll_cards
from polls.models import Choice, Poll
from polls.results import results_card
from polls.voters import read_voter_quietly


def render_article_page(request, article, *, status=200, poll_feedback=None, extra_context=None):
    """The whole article page; `poll_feedback` maps a poll id to {"error"|"notice": text}."""
    context = article_page(request, article, poll_feedback=poll_feedback)
    context.update(extra_context or {})
    return render(request, "articles/detail.html", context, status=status)


def article_page(request, article, *, poll_feedback=None) -> dict:
    """What the article page shows this reader (their votes, their discussion order)."""
    # Read before the page: whatever happens while it renders is replayed to it.
    live_since = events.last_id(article.pk) if article.is_published else None
    sections = _sections(article)
    unplaced = list(
        Poll.objects.filter(article=article, block__isnull=True)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.approved().in_poll_order()))
    )
    polls = [block.poll for block in _question_blocks(sections)] + unplaced
    for poll in polls:
        poll.article = article  # already loaded: no query per poll for its links
    cards = poll_cards(
        polls,
        user=request.user,
        voter=read_voter_quietly(request),
        feedback=poll_feedback,
    )
    for block in _question_blocks(sections):
        block.poll_card = cards[block.poll.pk]
    lead = sections[0] if sections and not sections[0].title else None
    body_sections = sections[1:] if lead else sections
    discussion = discussion_context(
        article=article,
        user=request.user,
        sort=request.GET.get("sort"),
        page_url=article.get_absolute_url(),
        questions=polls,
    )
    return {
        "article": article,
        "lead": lead,
        "standfirst": "" if lead else _lead_not_in_body(article, sections),
        "sections": body_sections,
        "toc": table_of_contents(body_sections),
        "unplaced_polls": [cards[poll.pk] for poll in unplaced],
        "closing_results": _place_results(article, body_sections),
        "question_count": len(polls),
        "corrections": corrections.on_the_record(article) if article.is_published else [],
        "canonical_url": absolute_url(article.get_absolute_url()),
        "live": article.is_published,
        "live_since": live_since or "",
        **_story(request.user, article),
        "live_reader": reader_key(request.user),
        "live_muted": muted_keys(discussion["page"].muted),
        **discussion,
    }


def _lead_not_in_body(article, sections) -> str:
    """The article's lead when its text does not already open with it: a follow-up written
    as a title and a lead, with no body yet, still shows its readers what it says."""
    paragraphs = (
        block.text
        for section in sections
        for block in section.blocks.all()
        if block.type == "paragraph"
    )
    return "" if article.lead in paragraphs else article.lead


def _sections(article) -> list[Section]:
    """The article's sections with their blocks, and each question block's poll and answers.

    Each is ordered by its position alone: the models' default orders start with the
    article (or the section), which would join them only to sort by them.
    """
    blocks = (
        Block.objects.select_related("poll")
        .prefetch_related(
            Prefetch("poll__choices", queryset=Choice.objects.approved().in_poll_order())
        )
        .order_by("position")
    )
    return list(
        Section.objects.filter(article=article)
        .order_by("position")
        .prefetch_related(Prefetch("blocks", queryset=blocks))
    )


def _question_blocks(sections):
    for section in sections:
        for block in section.blocks.all():
            if block.kind == Block.Kind.QUESTION and getattr(block, "poll", None) is not None:
                yield block


def _story(user, article) -> dict:
    """The story this article belongs to: its pieces, the ones either side, and whether
    the reader follows it."""
    timeline = publishing.story_of(
        article, include_unpublished=user.has_perm("articles.change_article")
    )
    previous, later = publishing.neighbours(article, timeline)
    return {
        "timeline": timeline if len(timeline) > 1 else [],
        "story_slug": story_slug(timeline),
        "following": following.is_following(user, article),
        "previous_piece": previous,
        "next_piece": later,
    }


def _place_results(article, sections) -> list:
    """Give each section the results of earlier questions shown after it; returns those
    shown at the end (after a section the article no longer has)."""
    results_after = _results_blocks(article)
    for number, section in enumerate(sections, start=1):
        section.results_blocks = results_after.pop(number, [])
    return [card for after in results_after.values() for card in after]


def _results_blocks(article) -> dict[int, list]:
    """Results of the story's polls shown in this follow-up, by the section they follow."""
    if not article.follows_id:
        return {}  # only follow-ups take up earlier questions: no query for the rest
    taken_up = (
        FollowupQuestion.objects.filter(followup=article, show_results=True)
        .select_related("poll__article")
        .prefetch_related(
            Prefetch("poll__choices", queryset=Choice.objects.approved().in_poll_order())
        )
    )
    blocks: dict[int, list] = {}
    for question in taken_up.order_by("after_section", "pk"):
        # The editor chose to publish them: shown to every reader.
        blocks.setdefault(question.after_section, []).append(results_card(question.poll))
    return blocks


def table_of_contents(sections):
    """Top-level sections, each with the deeper sections that follow it."""
    toc = []
    for section in sections:
        if toc and section.heading_level > toc[-1]["section"].heading_level:
            toc[-1]["children"].append(section)
        else:
            toc.append({"section": section, "children": []})
    return toc
