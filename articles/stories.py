"""A story as readers see it: its published pieces in order, the questions each asked and
what readers said. Used by the story page, its feeds and the article page's link to it."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.urls import reverse

from articles.models import Article, FollowupQuestion
from briefing_site.site_address import absolute_url
from polls.cards import poll_cards
from polls.models import Choice, Poll
from polls.voters import read_voter_quietly


@dataclass
class Story:
    pieces: list[Article]  # published, oldest first; never empty

    @property
    def first(self) -> Article:
        return self.pieces[0]

    @property
    def latest(self) -> Article:
        return self.pieces[-1]

    @property
    def slug(self) -> str:
        return self.first.slug

    def get_absolute_url(self):
        return reverse("articles:story", kwargs={"slug": self.slug})


def pieces_of(story_root_id: int):
    """Every article of the story whose first article is `story_root_id`, in any state."""
    return Article.objects.filter(Q(pk=story_root_id) | Q(story_id=story_root_id))


def find_story(slug: str) -> Story | None:
    """The story of the published article at `slug`, in two queries; None if there is none.

    A story is known by its earliest published piece: its first article, unless that one
    was taken down (its address and title must not show then)."""
    article = Article.objects.published().filter(slug=slug).only("pk", "story").first()
    if article is None:
        return None
    pieces = pieces_of(article.story_root_id).published().order_by("published_at", "pk")
    return Story(pieces=list(pieces))


def story_slug(timeline: list[Article]) -> str:
    """The address of the story page for an article page's timeline (any order, any state):
    its earliest published piece's slug, or "" when none is out."""
    published = [piece for piece in timeline if piece.is_published]
    if not published:
        return ""
    return min(published, key=lambda piece: (piece.published_at, piece.pk)).slug


def story_page(request, story: Story) -> dict:
    """The story page's context: each piece with the questions it asked, and what readers
    said where this reader may see it (as on the article page), in a constant number of
    queries however long the story grows."""
    by_article = {piece.pk: piece for piece in story.pieces}
    polls = list(
        Poll.objects.filter(article__in=story.pieces)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.approved().in_poll_order()))
    )
    for piece in story.pieces:
        piece.asked = []  # the poll cards of its questions
    for poll in polls:
        poll.article = by_article[poll.article_id]  # loaded: no query per poll for its links
    cards = poll_cards(polls, user=request.user, voter=read_voter_quietly(request))
    # Results a published follow-up took up are public: the editor chose to show them.
    shown_by_editors = set(
        FollowupQuestion.objects.filter(
            followup__in=story.pieces, poll__in=polls, show_results=True
        ).values_list("poll_id", flat=True)
    )
    for poll in polls:
        card = cards[poll.pk]
        if poll.pk in shown_by_editors:
            card.show_results = True
        poll.article.asked.append(card)
    return {
        "story": story,
        "pieces": story.pieces,
        "keywords": _keywords(story.pieces),
        "canonical_url": absolute_url(story.get_absolute_url()),
    }


def _keywords(pieces) -> list[str]:
    """Every keyword of the story once, in the order its pieces first used them."""
    seen = {}
    for piece in pieces:
        for keyword in piece.keywords or []:
            seen.setdefault(keyword, None)
    return list(seen)
