"""Readers' names as links to their pages, and times as the HTML checker accepts them."""

import datetime as dt

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.filter
def reader_url(reader) -> str:
    """The reader's page; "" for a name no address can hold (one with a "/", from
    before names were checked)."""
    if reader is None:
        return ""
    try:
        return reverse("reader-profile", args=[reader.username])
    except NoReverseMatch:
        return ""


@register.filter
def author_link(comment):
    """The comment's author's name linking to their page; a closed account stays text."""
    url = reader_url(comment.author) if comment.author_id is not None else ""
    if not url:
        return comment.author_name
    return format_html('<a href="{}">{}</a>', url, comment.author_name)


@register.filter
def machine_time(value) -> str:
    """A `<time datetime>` value: ISO 8601 in the site's time zone, to the millisecond.

    Django's `date:'c'` gives microseconds, which the HTML standard does not allow
    (at most three fractional digits)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""
