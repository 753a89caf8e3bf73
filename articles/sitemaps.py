from django.contrib.sitemaps import Sitemap

from articles.models import Article
from briefing_site.site_address import site_domain, site_protocol


class ArticleSitemap(Sitemap):
    """Locations at SITE_URL, whatever host the request named."""

    changefreq = "hourly"

    def get_domain(self, site=None):
        return site_domain()

    def get_protocol(self, protocol=None):
        return site_protocol()

    def items(self):
        return Article.objects.published().order_by("-published_at", "-pk")

    def lastmod(self, article):
        return article.updated_at
