"""A reader's comment body: Markdown in, safe HTML out, done once when the comment is saved.

The Markdown is a small subset: paragraphs, line breaks, emphasis, links, autolinks in
angle brackets, blockquotes, lists, inline code and fenced code blocks. Everything else
(headings, tables, rules, indented code, reference links, raw HTML) shows as the text
that was typed, and an image shows as its alt text, never as an ``<img>``.

A mention, @name, of a reader who exists becomes a link to that reader's page.

Two layers keep the HTML safe. markdown-it escapes typed HTML and only makes links of
http, https and mailto URLs; nh3 then allows nothing but the tags and attributes that
subset produces, and no relative link but a reader's page, so the sanitizer would make
any input safe on its own.
"""

import re
import string
import unicodedata
from collections.abc import Collection
from functools import cache
from html import escape
from html.parser import HTMLParser

import nh3
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

MAX_BODY_LENGTH = 5000

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "ul", "ol", "li", "code", "pre"}
# "start" keeps a list typed as "3. …" numbered from 3; "rel" is set by nh3 itself.
# The empty "*" entry matters: without it nh3 allows "lang" and "title" everywhere.
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# The URL has been entity-decoded and percent-encoded by markdown-it by now, so
# whitespace or control characters hidden in a scheme can no longer pass this test.
_ALLOWED_URL = re.compile(r"(?:https?|mailto):", re.IGNORECASE)

# "@name" where a name may stand (not inside an email address or a word).
MENTION = re.compile(r"(?<![\w@/.])@([\w.+-]*\w)")
# Text inside these is not searched for mentions: a link's text, code as typed.
_NO_MENTIONS_IN = {"a", "code", "pre"}
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?([a-z]+)")

# The only block elements in the subset: text on either side of them is separate.
_BLOCK_TAGS = {"p", "br", "blockquote", "ul", "ol", "li", "pre"}


# What Django decodes a byte that is not UTF-8 to: the client sent something we cannot read.
UNREADABLE = "\N{REPLACEMENT CHARACTER}"
UNREADABLE_MESSAGE = (
    "Your comment has characters that could not be read (shown as \N{REPLACEMENT CHARACTER}); "
    "retype them and post again."
)


class BodyError(ValueError):
    """The body is refused; the message is one sentence for the reader."""


class _CommentMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # Relative links and every other scheme stay text rather than becoming
        # an <a> whose href the sanitizer would then have to remove.
        return _ALLOWED_URL.match(url) is not None


def _render_image_as_text(renderer, tokens, idx, options, env):
    image = tokens[idx]
    alt = renderer.renderInlineAsText(image.children or [], options, env).strip()
    return escapeHtml(alt or image.attrGet("src") or "")


_markdown = _CommentMarkdown("zero", {"html": False, "linkify": False, "breaks": False})
_markdown.enable(
    [
        "blockquote",
        "list",
        "fence",
        "newline",
        "escape",
        "backticks",
        "emphasis",
        "link",
        "image",
        "autolink",
        "entity",
    ]
)
_markdown.add_render_rule("image", _render_image_as_text)


def clean_body(text: str) -> str:
    """The body as it will be stored, or BodyError saying what to change."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(_is_forbidden(char) for char in text):
        raise BodyError("Remove the control characters from your comment before posting.")
    if UNREADABLE in text:
        raise BodyError(UNREADABLE_MESSAGE)
    text = _strip_trailing_whitespace(text)
    if not text:
        raise BodyError("Write something before posting.")
    if len(text) > MAX_BODY_LENGTH:
        raise BodyError(
            f"Keep your comment to {MAX_BODY_LENGTH:,} characters (it has {len(text):,})."
        )
    if not has_visible_text(plain_text(render_body(text))):
        raise BodyError("Write something before posting.")
    return text


# Bidirectional controls (embeddings, overrides, isolates, marks) reorder what is
# shown: a link's text could read "google.com" backwards from what was typed.
_BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def render_body(text: str, readers: Collection[str] = ()) -> str:
    """The sanitized HTML of a body that clean_body has accepted; a mention of one of
    `readers` (names of readers who exist) links to their page."""
    html = _link_mentions(_markdown.render(text), readers) if readers else _markdown.render(text)
    # Stripped from the HTML, not only the text: an entity such as &#x202E; becomes one.
    return sanitize_html(html).translate(_BIDI_CONTROLS)


def mentioned(text: str) -> set[str]:
    """Every name the text mentions as @name."""
    return set(MENTION.findall(text))


def sanitize_html(html: str) -> str:
    """Any HTML cut down to what the comment subset produces; safe whatever it is given."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_no_relative_link_but_a_readers_page,
        url_schemes=URL_SCHEMES,
        # Relative links pass to the filter, which keeps only a reader's page.
        url_relative="pass_through",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def reader_page(name: str) -> str:
    return reverse("reader-profile", args=[name])


@cache
def _reader_page_pattern() -> re.Pattern:
    # Exactly what reverse() gives for a name: one path segment, never "." or "..".
    prefix, _, suffix = reader_page("NAME").partition("NAME")
    return re.compile(rf"{re.escape(prefix)}(?!\.)[\w.@+%-]+{re.escape(suffix)}")


def _no_relative_link_but_a_readers_page(tag: str, attribute: str, value: str) -> str | None:
    if tag != "a" or attribute != "href":
        return value
    # nh3 has checked the scheme of an absolute URL; anything else is relative here.
    if _ALLOWED_URL.match(value) or _reader_page_pattern().fullmatch(value):
        return value
    return None


def _link_mentions(html: str, readers: Collection[str]) -> str:
    """markdown-it's HTML with each mention of a reader in `readers` made a link. Its
    text has every "<" escaped, so a "<" starts a tag."""
    parts = []
    inside = 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            tag = _TAG_NAME.match(part)
            if tag and tag.group(1) in _NO_MENTIONS_IN:
                inside += -1 if part.startswith("</") else 1
        elif not inside and "@" in part:
            part = MENTION.sub(lambda match: _mention_link(match, readers), part)
        parts.append(part)
    return "".join(parts)


def _mention_link(match: re.Match, readers: Collection[str]) -> str:
    name = match.group(1)
    if name not in readers:
        return match.group(0)
    return f'<a href="{escape(reader_page(name))}">@{escape(name)}</a>'


def plain_text(html: str) -> str:
    """The visible text of rendered HTML, whitespace collapsed: for previews and moderation."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _is_forbidden(char: str) -> bool:
    # Cc: NUL and the other C0/C1 controls; Cs: lone surrogates, which cannot be stored.
    return char not in "\n\t" and unicodedata.category(char) in {"Cc", "Cs"}


def _strip_trailing_whitespace(text: str) -> str:
    lines = text.split("\n")
    stripped = [line.rstrip() for line in lines]
    for i, line in enumerate(lines[:-1]):
        # Two trailing spaces before another line are a Markdown hard break: keep
        # exactly two, and drop every other trailing space and tab.
        if line.endswith("  ") and stripped[i] and stripped[i + 1]:
            stripped[i] += "  "
    return "\n".join(stripped).strip()


def has_visible_text(text: str) -> bool:
    """Whether plain text says anything: for posting, and for the moderation pipeline."""
    # Typed HTML shows as text, so "<!-- -->" or "***" is "visible", but it is only
    # markup: ASCII punctuation alone says nothing, and neither do zero-width
    # spaces and joiners (format characters).
    return any(
        not char.isspace() and char not in string.punctuation and unicodedata.category(char) != "Cf"
        for char in text
    )


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)
