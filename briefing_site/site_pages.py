"""Pages the newsroom writes in the admin, rendered from Markdown and sanitized."""

import nh3
from django.http import Http404
from markdown_it import MarkdownIt

from briefing_site.models import SitePage

GUIDELINES = "guidelines"
GUIDELINES_TITLE = "Community guidelines"
GUIDELINES_BODY = """\
Briefing's discussions are for readers who want to understand a story and
each other. Moderators read what is posted; these are the rules they apply.

## Welcome

- Disagree with ideas, not with people. Argue with evidence and say where it
  comes from.
- Stay on the story, or on the question you are discussing.
- Reply to the comment you are answering, so the thread stays readable.

## Not published

- Insults, threats, slurs and harassment of anyone, including public figures.
- Hate against people for who they are: nationality, ethnicity, religion,
  gender, sexuality or disability.
- Spam, advertising, and links posted to sell or to mislead.
- Someone else's private information, or pretending to be someone else
  (including the newsroom's staff).
- Claims presented as facts that you know to be false.

## How moderation works

A new comment is checked automatically before it appears; some are held for a
moderator, who has the last word. Three readers' reports hide a comment until
a moderator looks at it. You can edit a comment for a short while after
posting (the page says how long); an edited comment is checked again. A
moderator may suspend or ban an account that keeps breaking these rules; you
are told why.

If you think a decision was wrong, reply to the notice you received or write
to the newsroom.
"""

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def page_html(page: SitePage) -> str:
    return nh3.clean(_markdown.render(page.body), link_rel="noopener")


# Readers are pointed to the guidelines from every composer: until the newsroom
# writes its own, or if the page is deleted, they read this first version.
_DEFAULTS = {GUIDELINES: (GUIDELINES_TITLE, GUIDELINES_BODY)}


def page_named(slug: str) -> SitePage:
    page = SitePage.objects.filter(slug=slug).first()
    if page is None and slug in _DEFAULTS:
        title, body = _DEFAULTS[slug]
        page = SitePage(slug=slug, title=title, body=body)
    if page is None:
        raise Http404("No such page.")
    return page
