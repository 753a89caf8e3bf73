"""A reader hears when someone answers them or names them, once, in the site, and by
email when they asked for it."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from briefing_site import digests
from briefing_site.celery import app
from briefing_site.models import Mute, Notice, ReaderPreferences
from comments.models import Comment
from comments.reply_notices import MENTIONS_TOLD_PER_COMMENT, mentioned_names, tell_readers_of
from comments.services import (
    approve_comment,
    delete_comment,
    edit_comment,
    post_comment,
    reject_comment,
)


@pytest.fixture
def say(say, django_capture_on_commit_callbacks):
    """Post a comment and commit: notices are written once the approval commits."""

    def committed(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return say(*args, **kwargs)

    return committed


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(action, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args)

    return run


def notices_of(user, kind=None):
    notices = Notice.objects.filter(user=user)
    return list(notices.filter(kind=kind) if kind else notices)


def test_a_published_reply_tells_the_author_it_answers_with_a_link_into_the_thread(
    say, reader, other_reader
):
    question = say(reader, "Will the monitors be armed?")
    reply = say(other_reader, "No, they are civilian observers.", parent=question)
    [notice] = notices_of(reader, Notice.Kind.REPLY)
    assert notice.message.startswith("other_reader replied to your comment on “")
    assert notice.url == reply.get_absolute_url()
    assert notices_of(other_reader) == []


def test_a_reply_awaiting_moderation_tells_nobody_until_it_is_published(
    say, reader, other_reader, committed
):
    question = say(reader, "Who pays for the patrols?")
    # Posted, its moderation not yet run.
    reply = post_comment(
        article=question.article, author=other_reader, body="ASEAN, mostly.", parent=question
    )
    assert notices_of(reader, Notice.Kind.REPLY) == []
    committed(approve_comment, reply.pk)
    assert len(notices_of(reader, Notice.Kind.REPLY)) == 1


def test_a_reply_approved_twice_is_told_once(say, reader, other_reader, committed):
    question = say(reader, "Is the border open?")
    reply = say(other_reader, "Partly.", parent=question)
    committed(tell_readers_of, reply)
    assert len(notices_of(reader, Notice.Kind.REPLY)) == 1


def test_a_rejected_or_deleted_reply_takes_its_notice_back(say, reader, other_reader, committed):
    question = say(reader, "Is the border open?")
    rejected = say(other_reader, "Partly, you fool.", parent=question)
    deleted = say(other_reader, "Partly.", parent=question)
    assert len(notices_of(reader, Notice.Kind.REPLY)) == 2
    committed(reject_comment, rejected.pk)
    committed(lambda: delete_comment(comment=deleted, actor=other_reader))
    assert notices_of(reader) == []  # they named the authors of hidden comments


def test_answering_oneself_tells_nobody(say, reader):
    question = say(reader, "A thought.")
    say(reader, "And a second one.", parent=question)
    assert notices_of(reader, Notice.Kind.REPLY) == []


def test_a_mention_tells_the_reader_named_and_nobody_else(say, reader, other_reader):
    say(reader, "As @other_reader said, the talks matter. Write to press@example.com.")
    [notice] = notices_of(other_reader, Notice.Kind.MENTION)
    assert notice.message.startswith("reader mentioned you on “")
    assert notices_of(reader) == []


def test_a_reply_that_also_names_the_author_it_answers_is_told_once(say, reader, other_reader):
    question = say(reader, "Any news?")
    say(other_reader, "@reader yes, see the follow-up.", parent=question)
    assert [n.kind for n in notices_of(reader)] == [Notice.Kind.REPLY]


def test_unknown_names_and_oneself_are_not_told_and_a_crowd_is_capped():
    names = mentioned_names(
        "@ada @bo @cy @di @ed @fay @gus, mail ada@example.com, @Ada again, end @ed."
    )
    assert names == ["ada", "bo", "cy", "di", "ed"][:MENTIONS_TOLD_PER_COMMENT]


def test_a_reader_who_muted_the_author_is_not_told(say, reader, other_reader):
    Mute.objects.create(reader=reader, muted=other_reader)
    question = say(reader, "Is it over?")
    say(other_reader, "Not yet, @reader.", parent=question)
    assert notices_of(reader) == []


# By email


@pytest.fixture
def wants_emails(reader):
    ReaderPreferences.objects.create(user=reader, email_replies=True)
    return reader


def test_a_reader_who_asked_gets_one_email_for_what_is_new_then_none_for_a_while(
    say, wants_emails, other_reader, settings
):
    settings.REPLY_DIGEST_MINUTES = 15
    question = say(wants_emails, "Who monitors the ceasefire?")
    say(other_reader, "Observers from Indonesia.", parent=question)
    say(other_reader, "@reader and Malaysia.")
    assert digests.send_reply_digests() == 1
    [email] = mail.outbox
    assert email.to == [wants_emails.email]
    assert "other_reader replied to your comment" in email.body
    assert "other_reader mentioned you" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    say(other_reader, "One more thing.", parent=question)
    assert digests.send_reply_digests() == 0  # within 15 minutes of the last email
    later = timezone.now() + dt.timedelta(minutes=16)
    assert digests.send_reply_digests(now=later) == 1
    assert "One more" not in mail.outbox[1].body  # notices carry no comment text
    assert mail.outbox[1].body.count("replied to your comment") == 1


def test_no_email_for_readers_who_did_not_ask_or_already_read_their_notices(
    say, reader, other_reader
):
    question = say(reader, "Is the road open?")
    say(other_reader, "Yes.", parent=question)
    assert digests.send_reply_digests() == 0
    ReaderPreferences.objects.create(user=reader, email_replies=True)
    Notice.objects.filter(user=reader).update(read_at=timezone.now())
    assert digests.send_reply_digests() == 0
    assert mail.outbox == []


def test_the_link_in_the_email_stops_them_without_logging_in(say, wants_emails, other_reader):
    question = say(wants_emails, "Anyone?")
    say(other_reader, "Here.", parent=question)
    digests.send_reply_digests()
    stop_url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = stop_url.split("://", 1)[1].split("/", 1)[1]
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/" + path)
    assert "Stop these emails" in page.content.decode()
    assert ReaderPreferences.objects.get(user=wants_emails).email_replies
    done = browser.post("/" + path)  # as a mail client's one-click does: no token, no log-in
    assert done.status_code == 200
    assert not ReaderPreferences.objects.get(user=wants_emails).email_replies


def test_a_damaged_stop_link_says_so(client, db):
    response = client.get(reverse("reply-emails-off", args=["not-a-token"]))
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_the_choice_is_made_on_the_notices_page(client, reader):
    client.force_login(reader)
    page = client.get(reverse("notices")).content.decode()
    assert 'name="email_replies"' in page
    client.post(reverse("notices"), {"preferences": "1", "email_replies": "on"})
    assert ReaderPreferences.objects.get(user=reader).email_replies


def test_the_digest_runs_every_minute_under_beat(db):
    task = PeriodicTask.objects.get(task="briefing_site.digests.send_reply_digests_task")
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    app.loader.import_default_modules()
    assert task.task in app.tasks


def test_a_mention_of_a_reader_who_left_tells_nobody(say, reader):
    gone = get_user_model().objects.create_user("gone_reader", "gone@example.com")
    gone.is_active = False
    gone.save()
    say(reader, "Thanks @gone_reader.")
    assert Notice.objects.filter(user=gone).count() == 0


def test_an_edited_reply_awaiting_moderation_again_takes_its_notice_back(say, reader, other_reader):
    question = say(reader, "Is the border open?")
    reply = say(other_reader, "Partly.", parent=question)
    edit_comment(comment=reply, editor=other_reader, body="Partly, and only by day.")
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.PENDING
    assert notices_of(reader) == []
