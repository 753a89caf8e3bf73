"""Atom and RSS feeds of published articles: the latest, and one per story."""

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Article

LATEST_ITEMS = 30


class LatestArticles(Feed):
    title = "Briefing: latest articles"
    description = "News briefings with reader polls and discussion."

    def link(self):
        return reverse("articles:list")

    def items(self):
        return Article.objects.published().order_by("-published_at", "-pk")[:LATEST_ITEMS]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # Feed readers show a description (Atom: a summary of type "html") as HTML, and
        # the lead is an editor's plain text: escape it, or "<script>" in it would run there.
        return escape(article.lead)

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return max(article.updated_at, article.published_at)

    def item_categories(self, article):
        return article.keywords


class LatestArticlesAtom(LatestArticles):
    feed_type = Atom1Feed
    subtitle = LatestArticles.description


class StoryArticles(LatestArticles):
    """Every published piece of the story an article belongs to, newest first."""

    def get_object(self, request, slug):
        article = get_object_or_404(Article.objects.published(), slug=slug)
        return Article.objects.get(pk=article.story_root_id)

    def title(self, root):
        return f"Briefing: {root.title} (the story so far)"

    def description(self, root):
        return escape(root.lead)  # the RSS channel's description is HTML too

    def link(self, root):
        return root.get_absolute_url()

    def items(self, root):
        return (
            Article.objects.published()
            .filter(Q(pk=root.pk) | Q(story_id=root.pk))
            .order_by("-published_at", "-pk")
        )


class StoryArticlesAtom(StoryArticles):
    feed_type = Atom1Feed

    def subtitle(self, root):
        return root.lead
