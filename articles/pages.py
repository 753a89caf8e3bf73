"""The article page, assembled from each app's read side: its body (articles.body), the poll cards
(polls.cards), the story around it and the discussion (comments.discussion)."""

from django.db.models import Prefetch
from django.shortcuts import render

from articles import body as article_body
from articles import corrections, following, publishing
from articles.models import FollowupQuestion
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
    body = article_body.of(article)
    polls = _polls_in_reading_order(article, body)
    for poll in polls:
        poll.article = article  # already loaded: no query per poll for its links
    cards = poll_cards(
        polls,
        user=request.user,
        voter=read_voter_quietly(request),
        feedback=poll_feedback,
    )
    standfirst = article_body.lead_not_in_body(article, body)
    body_parts, closing_results = _spliced(
        body, polls, cards, _results_blocks(article), standfirst=standfirst
    )
    discussion = discussion_context(
        article=article,
        user=request.user,
        sort=request.GET.get("sort"),
        page_url=article.get_absolute_url(),
        questions=polls,
    )
    return {
        "article": article,
        "body_parts": body_parts,
        "standfirst": standfirst,
        "unplaced_polls": [cards[poll.pk] for poll in polls if poll.block_id is None],
        "closing_results": closing_results,
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


def _polls_in_reading_order(article, body) -> list[Poll]:
    """The article's polls: those on its question blocks as they come in the text, then
    those on no block, in their own order."""
    polls = list(
        Poll.objects.filter(article=article)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.approved().in_poll_order()))
    )
    on_block = {poll.block_id: poll for poll in polls if poll.block_id is not None}
    placed = [on_block[block] for block in body.question_blocks if block in on_block]
    return placed + [poll for poll in polls if poll.block_id is None]


def _spliced(body, polls, cards, results_after, *, standfirst) -> tuple[list, list]:
    """The body's parts, each with what this page shows after it (a poll card, results,
    the standfirst); and the results shown at the end, after a section the article no
    longer has."""
    card_on_block = {poll.block_id: cards[poll.pk] for poll in polls if poll.block_id}
    parts = []
    for html, slot, number in body.parts:
        if slot == "poll" and number in card_on_block:
            parts.append((html, "poll", card_on_block[number]))
        elif slot == "results" and number in results_after:
            first, *more = results_after.pop(number)
            parts.append((html, "results", first))
            parts.extend(("", "results", card) for card in more)
        elif slot == "standfirst" and standfirst:
            parts.append((html, "standfirst", None))
        else:
            parts.append((html, "", None))
    return parts, [card for after in results_after.values() for card in after]


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
