"""A discussion's lines come from the cache, and a reader never sees one go stale: after
any change to a comment, to the article or to the reader, the page shows it at once and
is exactly the page drawn with nothing stored."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.humanize.templatetags import humanize
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from django.utils import timezone, translation

from articles import publishing
from articles.models import Article
from briefing_site.models import Mute
from briefing_site.roles import MODERATORS, ensure_groups
from comments import fragments, moderator_actions, services
from comments.templatetags import discussion_lines

# The only bytes that differ from one request to the next.
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


class CountingCache(LocMemCache):
    def __init__(self):
        super().__init__("stored-lines-test", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.drawn = 0

    def set_many(self, data, *args, **kwargs):
        self.drawn += len(data)
        return super().set_many(data, *args, **kwargs)


class Clock:
    """The site's clock, and humanize's "… ago", stopped: a page drawn twice in a row
    is the same page even across a second."""

    def __init__(self, monkeypatch):
        self.moment = timezone.now()
        clock = self

        class AnyDatetime(type):
            def __instancecheck__(cls, value):
                return isinstance(value, dt.datetime)

        class Stopped(dt.datetime, metaclass=AnyDatetime):
            @classmethod
            def now(cls, tz=None):
                return clock.moment.astimezone(tz) if tz else clock.moment.replace(tzinfo=None)

        monkeypatch.setattr(timezone, "now", lambda: self.moment)
        monkeypatch.setattr(humanize, "datetime", Stopped)

    def move(self, by: dt.timedelta):
        self.moment += by


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def stored(monkeypatch):
    cache = CountingCache()
    monkeypatch.setattr(discussion_lines, "cache", cache)
    return cache


@pytest.fixture(params=["article", "discussion"])
def url(request, demo_article):
    if request.param == "article":
        return demo_article.get_absolute_url()
    return reverse("comments:discussion", args=[demo_article.slug])


@pytest.fixture
def seen(client, url, stored, monkeypatch):
    """The page as `client` sees it now (its lines from the cache where stored), checked
    against the same page drawn with nothing stored."""

    def look():
        page = CSRF.sub(r"\1…", client.get(url).content.decode())
        with monkeypatch.context() as nothing_stored:
            nothing_stored.setattr(discussion_lines, "cache", DummyCache("none", {}))
            fresh = CSRF.sub(r"\1…", client.get(url).content.decode())
        assert page == fresh
        return page

    return look


def line_of(page, comment):
    start = page.index(f'id="c{comment.pk}"')
    return page[start : page.index(f'id="reply-slot-{comment.pk}"', start)]


@pytest.fixture
def author(db):
    return get_user_model().objects.create_user(username="author", email="a@example.com")


@pytest.fixture
def third_reader(db):
    return get_user_model().objects.create_user(username="third", email="t@example.com")


def test_a_second_look_draws_no_line_again(client, reader, author, say, seen, stored):
    first = say(author, "First.")
    say(author, "A reply.", parent=first)
    client.force_login(reader)
    seen()
    drawn = stored.drawn
    assert drawn >= 2
    seen()
    assert stored.drawn == drawn


def test_readers_share_the_lines_they_see_alike_and_the_author_sees_their_own(
    client, reader, other_reader, author, say, seen, stored
):
    comment = say(author, "Mine.")
    say(author, "Also theirs.")
    client.force_login(reader)
    seen()
    drawn = stored.drawn
    client.force_login(other_reader)
    assert "data-mine" not in line_of(seen(), comment)
    assert stored.drawn == drawn
    client.force_login(author)
    line = line_of(seen(), comment)
    assert "data-mine" in line
    assert ">Delete</button>" in line


def test_another_readers_like_and_unlike_show_in_the_count(
    client, reader, author, third_reader, say, seen
):
    comment = say(author, "Worth a like.")
    client.force_login(reader)
    assert "Like\n" in line_of(seen(), comment)
    services.toggle_like(comment=comment, reader=third_reader)
    assert "Like · 1" in line_of(seen(), comment)
    services.toggle_like(comment=comment, reader=third_reader)
    assert "Like · 1" not in line_of(seen(), comment)


def test_the_readers_own_like_shows_as_liked(client, reader, author, say, seen):
    comment = say(author, "Worth a like.")
    client.force_login(reader)
    seen()
    services.toggle_like(comment=comment, reader=reader)
    assert 'aria-pressed="true"' in line_of(seen(), comment)
    services.toggle_like(comment=comment, reader=reader)
    assert 'aria-pressed="false"' in line_of(seen(), comment)


def test_an_edit_waits_for_moderation_then_shows_its_new_text(
    client, author, reader, moderator, say, seen
):
    comment = say(author, "Frist.")
    client.force_login(author)
    seen()
    services.edit_comment(comment=comment, editor=author, body="First, corrected.")
    line = line_of(seen(), comment)
    assert "First, corrected." in line
    assert "awaiting moderation" in line
    moderator_actions.approve(comment=comment, moderator=moderator)
    line = line_of(seen(), comment)
    assert "awaiting moderation" not in line
    assert '<span class="comment__edited">edited</span>' in line


def test_approval_and_rejection_show_to_the_author_and_the_reader(
    client, author, reader, moderator, say, seen
):
    comment = say(author, "Waiting.", approved=False)
    kept = say(author, "Kept.")
    say(author, "A reply keeps the thread.", parent=kept)
    client.force_login(author)
    assert "awaiting moderation" in line_of(seen(), comment)
    moderator_actions.approve(comment=comment, moderator=moderator)
    assert "awaiting moderation" not in line_of(seen(), comment)
    moderator_actions.reject(comment=comment, moderator=moderator, reason="Off-topic")
    assert "not published: Off-topic" in line_of(seen(), comment)
    client.force_login(reader)
    assert f'id="c{comment.pk}"' not in seen()


def test_a_comment_hidden_by_reports_leaves_every_page(
    client, author, reader, other_reader, third_reader, say, seen
):
    comment = say(author, "Reported.")
    say(author, "Still here.")
    client.force_login(reader)
    assert "Reported." in seen()
    for reporter in (reader, other_reader, third_reader):
        services.report_comment(comment=comment, reporter=reporter, reason="spam")
    assert "Reported." not in seen()


def test_the_readers_report_shows_as_reported(client, author, reader, say, seen):
    comment = say(author, "Reported once.")
    client.force_login(reader)
    assert ">Report</a>" in line_of(seen(), comment)
    services.report_comment(comment=comment, reporter=reader, reason="spam")
    assert ">Reported</span>" in line_of(seen(), comment)


def test_a_new_reply_shows_in_the_more_replies_link(client, author, reader, say, seen):
    comment = say(author, "Ask me.")
    for n in range(4):
        say(reader, f"Answer {n}.", parent=comment)
    client.force_login(reader)
    assert "Show 1 more reply<" in seen()
    say(reader, "One more.", parent=comment)
    assert "Show 2 more replies<" in seen()


def test_the_comments_own_page_and_its_replies_are_never_stale(
    client, author, reader, third_reader, say, stored, monkeypatch
):
    comment = say(author, "Ask me.")
    replies = [say(third_reader, f"Answer {n}.", parent=comment) for n in range(3)]
    client.force_login(reader)
    for url, headers in [
        (comment.get_absolute_url(), {}),
        (comment.urls["replies"], {"HX-Request": "true"}),
    ]:

        def look(url=url, headers=headers):
            page = CSRF.sub(r"\1…", client.get(url, headers=headers).content.decode())
            with monkeypatch.context() as nothing_stored:
                nothing_stored.setattr(discussion_lines, "cache", DummyCache("none", {}))
                fresh = client.get(url, headers=headers).content.decode()
            assert page == CSRF.sub(r"\1…", fresh)
            return page

        look()
        services.toggle_like(comment=replies[0], reader=author)
        assert "Like · 1" in line_of(look(), replies[0])
        services.toggle_like(comment=replies[0], reader=author)
        assert "Like · 1" not in line_of(look(), replies[0])


def test_a_deleted_comment_with_replies_stays_as_deleted(client, author, reader, say, seen):
    comment = say(author, "Soon gone.")
    say(reader, "An answer.", parent=comment)
    client.force_login(reader)
    assert "Soon gone." in line_of(seen(), comment)
    services.delete_comment(comment=comment, actor=author)
    line = line_of(seen(), comment)
    assert "[deleted]" in line
    assert "Soon gone." not in line


def test_an_editors_pick_shows_its_badge_in_the_line(client, author, reader, editor, say, seen):
    comment = say(author, "Pick me.")
    client.force_login(reader)
    assert "comment__featured" not in line_of(seen(), comment)
    services.set_editors_pick(comment=comment, actor=editor, picked=True)
    assert "comment__featured" in line_of(seen(), comment)
    services.set_editors_pick(comment=comment, actor=editor, picked=False)
    assert "comment__featured" not in line_of(seen(), comment)


def test_closing_the_comments_takes_the_reply_links_away(
    client, author, reader, moderator, say, seen, demo_article
):
    comment = say(author, "Answer me.")
    client.force_login(reader)
    assert "data-reply-link" in line_of(seen(), comment)
    articles = Article.objects.filter(pk=demo_article.pk)
    publishing.set_discussion(articles, actor=moderator, comments_closed=True)
    assert "data-reply-link" not in line_of(seen(), comment)
    publishing.set_discussion(articles, actor=moderator, comments_closed=False)
    assert "data-reply-link" in line_of(seen(), comment)


def test_a_banned_or_suspended_reader_loses_like_report_and_reply(
    client, author, reader, moderator, say, seen
):
    comment = say(author, "Answer me.")
    client.force_login(reader)
    assert ">Report</a>" in line_of(seen(), comment)
    moderator_actions.ban_author(user=reader, moderator=moderator, reason="Spam")
    line = line_of(seen(), comment)
    assert ">Report</a>" not in line
    assert "data-reply-link" not in line
    assert 'class="like' not in line
    moderator_actions.unban_author(user=reader, moderator=moderator)
    assert ">Report</a>" in line_of(seen(), comment)
    moderator_actions.suspend_author(user=reader, moderator=moderator, days=2, reason="Spam")
    assert ">Report</a>" not in line_of(seen(), comment)


def test_a_reader_made_moderator_gets_the_pick_button(client, author, reader, say, seen):
    comment = say(author, "Pick me.")
    client.force_login(reader)
    assert "Make an editors’ pick" not in line_of(seen(), comment)
    reader.groups.add(ensure_groups()[MODERATORS])
    assert "Make an editors’ pick" in line_of(seen(), comment)


def test_muting_the_author_folds_the_comment(client, author, reader, say, seen):
    comment = say(author, "Loud.")
    client.force_login(reader)
    assert "comment-fold" not in line_of(seen(), comment)
    mute = Mute.objects.create(reader=reader, muted=author)
    assert "You muted author." in line_of(seen(), comment)
    mute.delete()
    assert "comment-fold" not in line_of(seen(), comment)


def test_a_renamed_author_shows_their_new_name(client, author, reader, say, seen):
    comment = say(author, "Signed.")
    client.force_login(reader)
    seen()
    author.username = "renamed"
    author.save()
    line = line_of(seen(), comment)
    assert ">renamed</a>" in line


def test_time_passing_ages_the_comment_and_shortens_its_edit_window(
    client, author, say, seen, clock
):
    comment = say(author, "Just now.")
    client.force_login(author)
    line = line_of(seen(), comment)
    assert ">now</time>" in line
    assert "You can edit this for 15 minutes" in line
    clock.move(dt.timedelta(minutes=3, seconds=5))
    line = line_of(seen(), comment)
    assert ">3\xa0minutes ago</time>" in line
    assert "You can edit this for 12 more minutes" in line


AGES = [
    dt.timedelta(0),
    dt.timedelta(seconds=1),
    dt.timedelta(seconds=59, microseconds=999_999),
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=59, seconds=59),
    dt.timedelta(hours=1),
    dt.timedelta(hours=23, minutes=59),
    dt.timedelta(days=1),
    dt.timedelta(days=1, hours=6),
    dt.timedelta(days=8, hours=3),
    dt.timedelta(days=40),
    dt.timedelta(days=400),
    dt.timedelta(days=800, hours=5),
    dt.timedelta(seconds=-30),
    dt.timedelta(minutes=-5),
    dt.timedelta(hours=-2),
    dt.timedelta(days=-3, hours=-4),
]


@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_a_comments_age_reads_word_for_word_as_humanize_says_it(clock, language):
    with translation.override(language):
        for _ in range(2):  # the second time from what the first remembered
            for ago in AGES:
                moment = clock.moment - ago
                assert fragments.age(moment) == humanize.naturaltime(moment)
