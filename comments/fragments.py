"""Each line of a discussion rendered once for every reader who sees it the same way.

A discussion page draws dozens of comments, and drawing one through the template costs
far more than the page's queries. Most readers see a comment exactly as the next reader
does, so the HTML of each line is kept in the default cache (Redis in production, shared
by every process) under a key made of everything the line shows: the comment's own
fields (its text, author, likes, status, pick, deletion and edit, its age in words), what
this reader did with it and may do with it (liked, reported, muted, theirs to edit,
a moderator, barred, the article closed) and the template itself. A change to any of
them is a new key, so a stored line is never stale: nothing has to be invalidated, and
whatever changes a comment (a service, a moderator's bulk action, a direct update) shows
on the next page. Old keys simply expire.

The reader's CSRF token is no part of a stored line: it is stored with a stand-in, and
each page puts in its own.
"""

import hashlib

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.urls import get_script_prefix
from django.utils import timezone, translation

# How long a line stays stored after it was drawn; a busy page draws it again sooner.
FRAGMENT_SECONDS = 3600
# Bump to set aside every stored line when the code drawing them changes (a change to
# the template changes the keys by itself).
RELEASE = 1


def template_digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=8).hexdigest()


def page_fields() -> tuple:
    """What every line of one page shares and the rendering depends on: the
    language, the time zone, where the site is mounted, the edit window."""
    return (
        RELEASE,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        settings.COMMENT_EDIT_WINDOW_MINUTES,
    )


def line_key(entry, page: tuple, reader_id: int | None) -> str:
    """The cache key of one line (a comment, or its "show more replies" link) as seen
    on a page with these `page` fields (page_fields() and what the template says of the
    reader) by the signed-in reader `reader_id` (None: nobody signed in). Every reader
    who sees the line alike shares it: of who they are, only whether it is theirs counts."""
    comment = entry.comment
    if entry.is_more:
        line = ("more", comment.pk, entry.indent, entry.more, entry.after)
    else:
        line = (
            comment.pk,
            reader_id is not None and comment.author_id == reader_id,
            entry.indent,
            entry.shown,
            entry.replying_to,
            entry.muted,
            entry.liked,
            entry.reported,
            entry.editable,
            entry.edit_minutes_left,
            comment.author_id,
            comment.author_name,
            comment.status,
            comment.public_reason,
            comment.featured,
            comment.stance.text if comment.stance_id and comment.stance else None,
            comment.created_at,
            age(comment.created_at),
            comment.edited_at is not None,
            comment.deleted_at is not None,
            comment.depth,
            comment.like_count,
            comment.body_html,
        )
    material = repr((page, line)).encode()
    return "discussion-line:" + hashlib.blake2b(material, digest_size=20).hexdigest()


class _Remembered:
    """One of humanize's lazy phrases ("%(count)s minutes ago"), each wording filled in
    once: translating it is most of what the phrase costs. Each language has its own."""

    def __init__(self, phrase):
        self.phrase = phrase
        self.filled: dict = {}

    def __mod__(self, values: dict) -> str:
        key = tuple(sorted(values.items()))
        filled = self.filled.get(key)
        if filled is None:
            filled = self.filled[key] = self.phrase % values
        return filled


def _remembered(phrases: dict) -> dict:
    # "now" is shown as it is, never filled in.
    return {
        name: phrase if name == "now" else _Remembered(phrase) for name, phrase in phrases.items()
    }


_ages: dict[str, type[NaturalTimeFormatter]] = {}


def _age_in(language: str) -> type[NaturalTimeFormatter]:
    """humanize's formatter with its phrases remembered in this language (the language is
    read once per age, not once per phrase: reading it is not free)."""
    formatter = _ages.get(language)
    if formatter is None:
        formatter = _ages[language] = type(
            "Age",
            (NaturalTimeFormatter,),
            {
                "time_strings": _remembered(NaturalTimeFormatter.time_strings),
                "past_substrings": _remembered(NaturalTimeFormatter.past_substrings),
                "future_substrings": _remembered(NaturalTimeFormatter.future_substrings),
            },
        )
    return formatter


def age(value) -> str:
    """humanize's naturaltime ("3 minutes ago"), word for word, at a fraction of its
    cost: a page says it of every comment it shows."""
    return _age_in(translation.get_language()).string_for(value)
