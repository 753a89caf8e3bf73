"""Articles as the cards of a list (the front page, a topic page): each with its readers'
activity and the story it belongs to, in one query for any number of cards."""

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from articles.models import Article
from polls.models import Choice

CARD_FIELDS = ("title", "slug", "lead", "published_at", "comment_count", "story")


def _same_story():
    """Published pieces of the outer article's story (its `story_root` annotation)."""
    return Article.objects.published().filter(
        Q(pk=OuterRef("story_root")) | Q(story_id=OuterRef("story_root"))
    )


def as_cards(articles):
    """`articles` with what a card shows: comment, vote and question counts, and the story's
    size, address and first title (from its earliest published piece)."""
    votes = (
        Choice.objects.filter(poll__article=OuterRef("pk"))
        .values("poll__article")
        .annotate(total=Sum("vote_count"))
        .values("total")
    )
    earliest = _same_story().order_by("published_at", "pk")
    pieces = _same_story().order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return (
        articles.annotate(story_root=Coalesce("story_id", "pk"))
        .annotate(
            question_count=Count("polls"),
            vote_total=Coalesce(Subquery(votes, output_field=IntegerField()), 0),
            story_pieces=Subquery(pieces, output_field=IntegerField()),
            story_slug=Subquery(earliest.values("slug")[:1]),
            story_title=Subquery(earliest.values("title")[:1]),
        )
        .only(*CARD_FIELDS)
    )


def front_page():
    """Published articles newest first, each story once: its latest piece stands for it."""
    later_in_story = _same_story().filter(
        Q(published_at__gt=OuterRef("published_at"))
        | Q(published_at=OuterRef("published_at"), pk__gt=OuterRef("pk"))
    )
    return (
        as_cards(Article.objects.published())
        .filter(~Exists(later_in_story))
        .order_by("-published_at", "-pk")
    )


def cards_of(article_ids: list[int]) -> list[Article]:
    """These articles as cards, in the order given."""
    cards = {card.pk: card for card in as_cards(Article.objects.filter(pk__in=article_ids))}
    return [cards[pk] for pk in article_ids if pk in cards]
