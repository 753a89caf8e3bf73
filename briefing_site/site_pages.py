"""Pages the newsroom writes in the admin, rendered from Markdown and sanitized."""

import nh3
from django.shortcuts import get_object_or_404
from markdown_it import MarkdownIt

from briefing_site.models import SitePage

GUIDELINES = "guidelines"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def page_html(page: SitePage) -> str:
    return nh3.clean(_markdown.render(page.body), link_rel="noopener")


def page_named(slug: str) -> SitePage:
    return get_object_or_404(SitePage, slug=slug)
