"""The one public address of the site: every absolute link (emails, feeds, the sitemap,
canonical links, robots.txt) is made from SITE_URL, never from the host a request
happened to name (behind a proxy that is an internal address)."""

from urllib.parse import urlsplit

from django.conf import settings


def site_url() -> str:
    """SITE_URL without its trailing slash, e.g. "https://news.example"."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """`path` (e.g. an article's get_absolute_url()) at the site's public address."""
    return site_url() + path


def site_domain() -> str:
    """The host and port of SITE_URL, as Django's sites framework names a domain."""
    return urlsplit(site_url()).netloc


def site_protocol() -> str:
    return urlsplit(site_url()).scheme or "http"
