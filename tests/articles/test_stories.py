"""Stories: follow-ups, the timeline, scheduled publishing and the follow-up announcement."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.publishing import PublishingError, publish, publish_due, schedule, start_followup
from articles.tasks import publish_scheduled_articles
from briefing_site import events
from tests.articles.test_import_command import SMALL_BRIEFING, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_process_bus(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker
    events.reset_streams()


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "bridge.txt"
    path.write_text(SMALL_BRIEFING, encoding="utf-8")
    return path


@pytest.fixture
def demo_article(demo_article):
    """Published two days ago, so that its follow-ups are out by now."""
    demo_article.published_at = timezone.now() - dt.timedelta(days=2)
    demo_article.save()
    return demo_article


def announcements(article):
    return [e.payload for e in events.history(article.pk, None) if e.kind == "followup.published"]


def followup(of, slug, *, hours_later=1, status=Article.Status.PUBLISHED):
    piece = start_followup(of, title=f"Follow-up {slug}", slug=slug, lead=f"What {slug} says.")
    if status == Article.Status.PUBLISHED:
        publish(piece, at=of.published_at + dt.timedelta(hours=hours_later))
    piece.refresh_from_db()
    return piece


def test_a_follow_up_of_a_follow_up_belongs_to_the_first_articles_story(demo_article):
    second = followup(demo_article, "talks-day-two")
    third = followup(second, "talks-day-three", hours_later=2)
    assert (second.story_id, third.story_id, third.follows_id) == (
        demo_article.pk,
        demo_article.pk,
        second.pk,
    )


def test_every_article_of_a_story_shows_its_timeline_newest_first(client, demo_article):
    second = followup(demo_article, "talks-day-two")
    third = followup(second, "talks-day-three", hours_later=2)
    followup(third, "unfinished-draft", status=Article.Status.DRAFT)

    page = client.get(second.get_absolute_url()).content.decode()
    timeline = page[
        page.index('class="story-timeline"') : page.index(
            "</nav>", page.index('class="story-timeline"')
        )
    ]
    assert (
        timeline.index("talks-day-three")
        < timeline.index(second.title)
        < timeline.index(demo_article.slug)
    )
    assert f'<span aria-current="page">{second.title}</span>' in timeline
    assert "unfinished-draft" not in page  # readers never see drafts
    assert f'rel="prev" href="{demo_article.get_absolute_url()}"' in page
    assert f'rel="next" href="{third.get_absolute_url()}"' in page


def test_editors_see_the_stories_drafts_in_the_timeline(client, editor, demo_article):
    followup(demo_article, "unfinished-draft", status=Article.Status.DRAFT)
    client.force_login(editor)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Follow-up unfinished-draft" in page
    assert ">Draft</span>" in page


def test_a_lone_article_shows_no_timeline(client, demo_article):
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "story-timeline" not in page
    assert "story-pager" not in page


def test_the_page_costs_the_same_queries_however_long_the_story(
    client, demo_article, django_assert_max_num_queries
):
    followup(demo_article, "one-more")
    with django_assert_max_num_queries(9):
        client.get(demo_article.get_absolute_url())
    for n in range(20):
        followup(demo_article, f"more-{n}", hours_later=n + 2)
    with django_assert_max_num_queries(9):
        page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Follow-up more-19" in page


def test_a_scheduled_follow_up_publishes_on_time_and_once(client, demo_article):
    piece = followup(demo_article, "defence-meeting", status=Article.Status.DRAFT)
    at = timezone.now() + dt.timedelta(minutes=30)
    schedule(piece, at)
    assert client.get(piece.get_absolute_url()).status_code == 404

    assert publish_due(now=at - dt.timedelta(seconds=1)) == []
    assert announcements(demo_article) == []

    assert publish_due(now=at) == [piece.pk]
    assert publish_due(now=at) == []  # beat ran twice: nothing more
    piece.refresh_from_db()
    assert (piece.status, piece.published_at) == (Article.Status.PUBLISHED, at)
    assert announcements(demo_article) == [
        {
            "title": "Follow-up defence-meeting",
            "url": piece.get_absolute_url(),
            "summary": "What defence-meeting says.",
        }
    ]


def test_the_beat_task_publishes_what_is_due(demo_article):
    piece = followup(demo_article, "due-now", status=Article.Status.DRAFT)
    schedule(piece, timezone.now() + dt.timedelta(seconds=1))
    Article.objects.filter(pk=piece.pk).update(publish_at=timezone.now() - dt.timedelta(seconds=1))
    assert publish_scheduled_articles.delay().get() == [piece.pk]


def test_scheduling_refuses_the_past_and_published_articles(demo_article):
    piece = followup(demo_article, "late", status=Article.Status.DRAFT)
    with pytest.raises(PublishingError, match="future"):
        schedule(piece, timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(PublishingError, match="already published"):
        schedule(demo_article, timezone.now() + dt.timedelta(minutes=1))


def test_every_earlier_article_of_the_story_hears_of_a_new_follow_up(demo_article):
    second = followup(demo_article, "day-two")
    third = followup(second, "day-three", hours_later=2)
    assert [a["url"] for a in announcements(demo_article)] == [
        second.get_absolute_url(),
        third.get_absolute_url(),
    ]
    assert [a["url"] for a in announcements(second)] == [third.get_absolute_url()]
    assert announcements(third) == []


def test_a_briefing_is_imported_as_a_scheduled_follow_up(demo_article, small_file):
    at = (timezone.now() + dt.timedelta(hours=2)).replace(microsecond=0)
    run(str(small_file), "--follow-up-of", demo_article.slug, "--publish-at", at.isoformat())
    piece = Article.objects.get(slug="council-votes-on-river-bridge")
    assert (piece.story_id, piece.status, piece.publish_at) == (
        demo_article.pk,
        Article.Status.SCHEDULED,
        at,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--follow-up-of", "no-such-story"], "no article has that slug"),
        (["--publish-at", "tomorrow"], "is not a time"),
        (["--publish-at", "2001-01-01T00:00+00:00"], "is in the past"),
        (["--status", "scheduled"], "needs --publish-at"),
    ],
)
def test_bad_follow_up_options_are_refused_and_nothing_is_written(small_file, args, message):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=message):
        run(str(small_file), *args)
    assert not Article.objects.exists()


# The editors' admin


def test_an_editor_writes_a_follow_up_from_the_admin(client, editor, demo_article):
    client.force_login(editor)
    url = reverse("admin:articles_article_followup", args=[demo_article.pk])
    assert (
        "Write a follow-up"
        in client.get(
            reverse("admin:articles_article_change", args=[demo_article.pk])
        ).content.decode()
    )
    response = client.post(url, {"title": "Officials meet", "slug": "officials-meet"})
    piece = Article.objects.get(slug="officials-meet")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[piece.pk])
    assert (piece.status, piece.story_id) == (Article.Status.DRAFT, demo_article.pk)

    again = client.post(url, {"title": "Officials meet", "slug": "officials-meet"})
    assert "already exists" in again.content.decode()
    assert Article.objects.filter(slug="officials-meet").count() == 1


def test_a_moderator_cannot_write_follow_ups(client, moderator, demo_article):
    client.force_login(moderator)
    url = reverse("admin:articles_article_followup", args=[demo_article.pk])
    assert client.post(url, {"title": "X", "slug": "x"}).status_code == 403
    assert not Article.objects.filter(slug="x").exists()


def test_the_article_list_shows_status_schedule_story_and_counts(client, editor, demo_article):
    followup(demo_article, "day-two")
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Follow-up day-two" in page
    assert "column-vote_total" in page
    assert "?story=" in page  # the filter by story
