"""Atom and RSS feeds of published articles: the latest, and one per story."""

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.timezone import localtime

from articles.models import Article, ArticleVersion
from briefing_site.site_address import absolute_url

LATEST_ITEMS = 30


class LatestArticles(Feed):
    """Links are absolute at SITE_URL (Django would prefix the host the request named)."""

    title = "Briefing: latest articles"
    description = "News briefings with reader polls and discussion."
    url_name = "articles:feed-rss"

    def link(self):
        return absolute_url(reverse("articles:list"))

    def feed_url(self):
        return absolute_url(reverse(self.url_name))

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

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
    url_name = "articles:feed-atom"
    subtitle = LatestArticles.description


class StoryArticles(LatestArticles):
    """Every published piece of the story an article belongs to, newest first."""

    url_name = "articles:story-rss"

    def get_object(self, request, slug):
        article = get_object_or_404(Article.objects.published(), slug=slug)
        return Article.objects.get(pk=article.story_root_id)

    def title(self, root):
        return f"Briefing: {root.title} (the story so far)"

    def description(self, root):
        return escape(root.lead)  # the RSS channel's description is HTML too

    def link(self, root):
        return absolute_url(root.get_absolute_url())

    def feed_url(self, root):
        return absolute_url(reverse(self.url_name, args=[root.slug]))

    def items(self, root):
        on_the_record = Prefetch(
            "versions", queryset=ArticleVersion.objects.on_the_record(), to_attr="on_the_record"
        )
        return (
            Article.objects.published()
            .filter(Q(pk=root.pk) | Q(story_id=root.pk))
            .prefetch_related(on_the_record)
            .order_by("-published_at", "-pk")
        )

    def item_description(self, article):
        """The lead, then the piece's corrections and updates (its entry shows as updated)."""
        notes = "".join(
            format_html(
                "<p><strong>{}, {}:</strong> {}</p>",
                version.get_kind_display(),
                date_format(localtime(version.created_at), "j F Y, H:i e"),
                version.note,
            )
            for version in article.on_the_record
        )
        return escape(article.lead) + notes

    def item_updateddate(self, article):
        changes = [version.created_at for version in article.on_the_record]
        return max([super().item_updateddate(article), *changes])


class StoryArticlesAtom(StoryArticles):
    feed_type = Atom1Feed
    url_name = "articles:story-atom"

    def subtitle(self, root):
        return root.lead
