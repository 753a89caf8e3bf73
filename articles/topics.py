"""Topics: the keywords editors give articles, each with a page of the articles that carry it.

A topic's address is a slug of its keyword, made the same way everywhere, so that
"Counter\N{NON-BREAKING HYPHEN}terrorism cooperation" and "counter-terrorism
cooperation" are one topic at /topics/counter-terrorism-cooperation/, and a keyword in
any script keeps its letters."""

import functools
import unicodedata
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.urls import get_script_prefix, reverse

from articles import listing
from articles.models import Article
from briefing_site.site_address import absolute_url

# Longer than any keyword an editor writes: such an address names no topic.
MAX_SLUG_LENGTH = 200


def topic_slug(keyword: str) -> str:
    """Letters, digits and their marks, lower-cased; every other run of characters a hyphen.
    "" when the keyword has no letter or digit (it gets no page)."""
    words, word = [], []
    for char in unicodedata.normalize("NFC", str(keyword)).lower():
        if unicodedata.category(char)[0] in "LNM":
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return "-".join(words)


def topic_url(keyword: str) -> str:
    """The address of a keyword's topic page ("" when it can have none)."""
    slug = topic_slug(keyword)
    return _topic_url(slug, get_script_prefix()) if slug else ""


@functools.lru_cache(maxsize=4096)
def _topic_url(slug: str, script_prefix: str) -> str:
    # An article page names a dozen topics: each address is reversed once per process
    # (and per prefix the site is mounted at, which reverse() reads).
    return reverse("articles:topic", kwargs={"slug": slug})


@dataclass
class Topic:
    slug: str
    name: str  # the keyword as its newest article spells it
    article_ids: list[int]  # published, newest first

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


def find_topic(slug: str) -> Topic | None:
    """The topic at `slug` (made by topic_slug) with its published articles, in one query;
    None when no published article carries it."""
    if not slug or len(slug) > MAX_SLUG_LENGTH:
        return None
    candidates = Article.objects.published()
    # The keywords column holds JSON text: a pure-ASCII word of the slug appears in it as
    # written, whatever the database, so the database narrows the articles down and the
    # exact comparison below decides.
    for word in slug.split("-"):
        if word.isascii():
            candidates = candidates.filter(keywords__icontains=word)
    name, ids = "", []
    for pk, keywords in candidates.order_by("-published_at", "-pk").values_list("pk", "keywords"):
        matching = [k for k in keywords or [] if isinstance(k, str) and topic_slug(k) == slug]
        if matching:
            name = name or matching[0]
            ids.append(pk)
    if not ids:
        return None
    return Topic(slug=slug, name=name, article_ids=ids)


def topic_page(topic: Topic, *, page, per_page: int) -> dict:
    """The topic page's context: one page of its articles as cards, in one more query."""
    page = Paginator(topic.article_ids, per_page).get_page(page)
    return {
        "topic": topic,
        "page": page,
        "articles": listing.cards_of(page.object_list),
        "canonical_url": absolute_url(topic.get_absolute_url()),
    }
