"""Readers follow a story and hear of its follow-ups: one notice and one email each, once."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import following
from articles.models import Article, FollowupNotice, StoryFollow
from articles.publishing import publish, publish_due, schedule, start_followup
from articles.tasks import email_followup
from briefing_site.models import Notice

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _embedded(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://news.example"


@pytest.fixture
def story(demo_article):
    demo_article.published_at = timezone.now() - dt.timedelta(days=1)
    demo_article.save()
    return demo_article


def new_followup(story, slug="officials-meet"):
    piece = start_followup(story, title="Officials meet", slug=slug, lead="They met today.")
    publish(piece)
    piece.refresh_from_db()
    return piece


def test_a_reader_follows_a_story_from_any_of_its_articles(client, reader, story):
    client.force_login(reader)
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Follow this story" in page
    response = client.post(reverse("articles:follow", args=[story.slug]), headers=HTMX)
    assert "Following this story" in response.content.decode()
    assert StoryFollow.objects.filter(user=reader, story=story).count() == 1

    piece = new_followup(story)
    client.post(reverse("articles:follow", args=[piece.slug]))  # again, from the follow-up
    assert StoryFollow.objects.filter(user=reader).count() == 1
    assert "Following this story" in client.get(piece.get_absolute_url()).content.decode()

    response = client.post(reverse("articles:follow", args=[piece.slug]), {"action": "unfollow"})
    assert response.status_code == 302
    assert not StoryFollow.objects.filter(user=reader).exists()


def test_visitors_are_asked_to_log_in_to_follow(client, story):
    assert "Log in to follow this story" in client.get(story.get_absolute_url()).content.decode()
    response = client.post(reverse("articles:follow", args=[story.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not StoryFollow.objects.exists()


def test_followers_get_one_notice_and_one_email_per_follow_up(
    reader, other_reader_account, editor, story
):
    following.follow(reader, story)
    following.follow(other_reader_account, story)
    piece = new_followup(story)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "another_reader@example.com",
        "reader@example.com",
    ]
    email = next(m for m in mail.outbox if m.to == ["reader@example.com"])
    assert email.subject == "[Briefing] Officials meet"
    assert f"https://news.example{piece.get_absolute_url()}" in email.body
    assert "https://news.example/unfollow/" in email.body
    assert Notice.objects.filter(user=reader, url=piece.get_absolute_url()).count() == 1
    assert not Notice.objects.filter(user=editor).exists()

    # Whatever runs again, nobody hears twice.
    assert following.tell_followers(piece.pk) == 0
    for notice in FollowupNotice.objects.all():
        email_followup.delay(notice.pk)
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(user=reader).count() == 1


def test_a_scheduled_follow_up_tells_its_followers_when_it_goes_out(reader, story):
    following.follow(reader, story)
    piece = start_followup(story, title="Monitors arrive", slug="monitors-arrive")
    schedule(piece, timezone.now() + dt.timedelta(minutes=5))
    assert publish_due() == []
    assert mail.outbox == []
    Article.objects.filter(pk=piece.pk).update(publish_at=timezone.now())  # time passes
    publish_due()
    publish_due()
    assert [m.subject for m in mail.outbox] == ["[Briefing] Monitors arrive"]


def test_nobody_who_unfollowed_is_told(reader, story):
    following.follow(reader, story)
    following.unfollow(reader, story)
    new_followup(story)
    assert mail.outbox == []
    assert not Notice.objects.filter(user=reader).exists()


def test_the_emails_link_unfollows_without_logging_in(client, reader, story):
    following.follow(reader, story)
    new_followup(story)
    link = mail.outbox[0].body.split("https://news.example")[-1].split()[0]
    page = client.get(link)
    assert "Stop following this story" in page.content.decode()
    assert StoryFollow.objects.filter(user=reader).exists()  # a GET (a mail scanner) does nothing
    done = client.post(link)
    assert "you no longer follow" in done.content.decode()
    assert not StoryFollow.objects.filter(user=reader).exists()


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxLCJzIjoxfQ:1tampered:forged"])
def test_a_forged_unfollow_link_is_refused(client, reader, story, token):
    following.follow(reader, story)
    response = client.post(reverse("articles:unfollow", args=[token]))
    assert response.status_code == 400
    assert StoryFollow.objects.filter(user=reader).exists()


def test_an_smtp_failure_is_retried_and_the_email_sent_once(reader, story, monkeypatch, settings):
    following.follow(reader, story)
    attempts = []
    real_send = following.send_mail

    def flaky_send(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        return real_send(**kwargs)

    monkeypatch.setattr(following, "send_mail", flaky_send)
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    piece = start_followup(story, title="Second try", slug="second-try")
    publish(piece)
    assert len(attempts) == 2
    assert [m.subject for m in mail.outbox] == ["[Briefing] Second try"]
    assert FollowupNotice.objects.get(user=reader).emailed_at is not None


def test_drafts_tell_nobody(reader, story):
    following.follow(reader, story)
    start_followup(story, title="Draft", slug="draft-only")
    assert following.tell_followers(Article.objects.get(slug="draft-only").pk) == 0
    assert mail.outbox == []


def test_what_a_broker_outage_held_back_is_swept_up_once(reader, story, monkeypatch):
    from articles import tasks

    following.follow(reader, story)

    def broker_down(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.tell_followers, "apply_async", broker_down)
    monkeypatch.setattr(tasks.email_followup, "apply_async", broker_down)
    piece = new_followup(story)  # publishing still works
    assert piece.is_published
    assert mail.outbox == []
    assert not Notice.objects.filter(user=reader).exists()

    monkeypatch.undo()
    told, _ = following.sweep()
    assert told == 1
    assert [m.subject for m in mail.outbox] == ["[Briefing] Officials meet"]
    assert following.sweep(now=timezone.now() + dt.timedelta(minutes=5)) == (0, 0)
    assert len(mail.outbox) == 1


def test_an_email_left_unsent_is_queued_again_and_sent_once(reader, story, monkeypatch):
    from articles import tasks

    following.follow(reader, story)

    def broker_down(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.email_followup, "apply_async", broker_down)
    new_followup(story)
    assert mail.outbox == []
    assert Notice.objects.filter(user=reader).count() == 1  # told, but not emailed yet

    monkeypatch.undo()
    assert following.sweep() == (0, 0)  # too soon: it may still be on its way
    assert following.sweep(now=timezone.now() + dt.timedelta(minutes=3)) == (0, 1)
    assert len(mail.outbox) == 1
    following.sweep(now=timezone.now() + dt.timedelta(minutes=4))
    assert len(mail.outbox) == 1
