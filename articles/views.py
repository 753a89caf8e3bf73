from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render

from articles.models import Article, Block, Section
from comments.views import discussion_context
from polls.models import Choice, Poll
from polls.proposals import pending_proposals_of
from polls.results import build_card
from polls.voters import read_voter_quietly
from polls.voting import votes_of

ARTICLES_PER_PAGE = 20


def article_list(request):
    votes = (
        Choice.objects.filter(poll__article=OuterRef("pk"))
        .values("poll__article")
        .annotate(total=Sum("vote_count"))
        .values("total")
    )
    articles = (
        Article.objects.published()
        .annotate(
            question_count=Count("polls"),
            vote_total=Coalesce(Subquery(votes, output_field=IntegerField()), 0),
        )
        .only("title", "slug", "lead", "published_at", "comment_count")
        .order_by("-published_at", "-pk")
    )
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/list.html", {"page": page, "articles": page.object_list})


def article_detail(request, slug):
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    return render_article_page(request, article)


def render_article_page(request, article, *, status=200, poll_feedback=None):
    """The whole article page; `poll_feedback` maps a poll id to {"error"|"notice": text}."""
    approved_choices = Prefetch("choices", queryset=Choice.objects.approved())
    blocks = Block.objects.select_related("poll").prefetch_related(
        Prefetch("poll__choices", queryset=Choice.objects.approved())
    )
    sections = list(
        Section.objects.filter(article=article).prefetch_related(
            Prefetch("blocks", queryset=blocks)
        )
    )
    placed = [
        block.poll for section in sections for block in section.blocks.all() if _has_poll(block)
    ]
    unplaced = list(
        Poll.objects.filter(article=article, block__isnull=True).prefetch_related(approved_choices)
    )
    polls = placed + unplaced
    for poll in polls:
        poll.article = article  # already loaded: no query per poll for its links
    cards = poll_cards(request, polls, poll_feedback or {})
    for section in sections:
        for block in section.blocks.all():
            if _has_poll(block):
                block.poll_card = cards[block.poll.pk]

    lead = sections[0] if sections and not sections[0].title else None
    body_sections = sections[1:] if lead else sections
    context = {
        "article": article,
        "lead": lead,
        "sections": body_sections,
        "toc": table_of_contents(body_sections),
        "unplaced_polls": [cards[poll.pk] for poll in unplaced],
        "question_count": len(polls),
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
        **discussion_context(request, article, sort=request.GET.get("sort")),
    }
    return render(request, "articles/detail.html", context, status=status)


def poll_cards(request, polls, feedback, voter=None, known_votes=None):
    """Each poll as this reader sees it, with their own votes: two queries at most.

    `voter` is given when the request just made one (its cookie is not sent yet),
    `known_votes` ({poll id: choice id}) when it just voted.
    """
    voter = voter or read_voter_quietly(request)
    mine = known_votes if known_votes is not None else votes_of(voter, polls)
    pending = pending_proposals_of(
        polls=polls,
        user=request.user,
        voter_key=voter.voter_key if voter and voter.voter_key else "",
    )
    return {
        poll.pk: build_card(
            poll,
            my_choice_id=mine.get(poll.pk),
            pending_proposals=pending.get(poll.pk, ()),
            **feedback.get(poll.pk, {}),
        )
        for poll in polls
    }


def _has_poll(block):
    return block.kind == Block.Kind.QUESTION and getattr(block, "poll", None) is not None


def table_of_contents(sections):
    """Top-level sections, each with the deeper sections that follow it."""
    toc = []
    for section in sections:
        if toc and section.heading_level > toc[-1]["section"].heading_level:
            toc[-1]["children"].append(section)
        else:
            toc.append({"section": section, "children": []})
    return toc
