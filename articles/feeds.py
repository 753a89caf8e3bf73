"""Atom and RSS feeds of published articles: the latest, one per story and one per topic."""

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.timezone import localtime

from articles import stories, topics
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
    """Every published piece of a story, newest first: the story page's feed. Any piece's
    slug finds it, at the story page's address or at the article's (older subscriptions)."""

    url_name = "articles:story-rss"

    def get_object(self, request, slug):
        story = stories.find_story(slug)
        if story is None:
            raise Http404("No published story here.")
        return story

    def title(self, story):
        return f"Briefing: {story.first.title} (the story so far)"

    def description(self, story):
        return escape(story.first.lead)  # the RSS channel's description is HTML too

    def link(self, story):
        return absolute_url(story.get_absolute_url())

    def feed_url(self, story):
        return absolute_url(reverse(self.url_name, args=[story.slug]))

    def items(self, story):
        pieces = list(reversed(story.pieces))
        on_the_record = Prefetch(
            "versions", queryset=ArticleVersion.objects.on_the_record(), to_attr="on_the_record"
        )
        prefetch_related_objects(pieces, on_the_record)
        return pieces

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

    def subtitle(self, story):
        return story.first.lead


class TopicArticles(LatestArticles):
    """The latest published articles that carry a keyword."""

    url_name = "articles:topic-rss"

    def get_object(self, request, slug):
        topic = topics.find_topic(topics.topic_slug(slug))
        if topic is None:
            raise Http404("No article carries this topic.")
        return topic

    def title(self, topic):
        return f"Briefing: {topic.name}"

    def description(self, topic):
        return escape(f"Briefings on {topic.name}.")

    def link(self, topic):
        return absolute_url(topic.get_absolute_url())

    def feed_url(self, topic):
        return absolute_url(reverse(self.url_name, args=[topic.slug]))

    def items(self, topic):
        ids = topic.article_ids[:LATEST_ITEMS]
        found = Article.objects.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


class TopicArticlesAtom(TopicArticles):
    feed_type = Atom1Feed
    url_name = "articles:topic-atom"

    def subtitle(self, topic):
        return f"Briefings on {topic.name}."
