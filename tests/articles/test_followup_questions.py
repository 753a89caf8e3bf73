"""Follow-ups take up the story's reader questions: results shown, and participants told."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from articles import following
from articles.models import Article, FollowupQuestion, Section
from articles.publishing import publish, start_followup
from briefing_site import events
from briefing_site.models import Notice
from comments.services import approve_comment, post_comment
from polls.models import Poll
from polls.proposals import propose_answer
from polls.voting import Voter, cast_vote
from tests.polls.conftest import choice_named, cookie_voter

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _embedded(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    events.reset_streams()


@pytest.fixture
def story(demo_article):
    demo_article.published_at = timezone.now() - dt.timedelta(days=1)
    demo_article.save()
    return demo_article


@pytest.fixture
def poll(story):
    return Poll.objects.get(article=story, kind=Poll.Kind.YES_NO)


def draft_followup(story):
    piece = start_followup(story, title="Officials meet", slug="officials-meet")
    Section.objects.create(article=piece, position=0, title="", level=2, anchor="lead")
    Section.objects.create(article=piece, position=1, title="The meeting", level=2, anchor="m")
    Section.objects.create(article=piece, position=2, title="What next", level=2, anchor="n")
    return piece


def reader(name):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@example.com", password="x"
    )


def test_a_follow_up_shows_what_readers_said_where_the_editor_put_it(client, story, poll):
    for n, answer in enumerate(["Yes", "Yes", "No"]):
        cast_vote(poll=poll, choice_id=choice_named(poll, answer).pk, voter=cookie_voter(n))
    piece = draft_followup(story)
    FollowupQuestion.objects.create(followup=piece, poll=poll, after_section=1)
    publish(piece)

    page = client.get(piece.get_absolute_url()).content.decode()
    block = page[page.index('class="results-block"') :]
    assert page.index('id="m"') < page.index('class="results-block"') < page.index('id="n"')
    assert "What readers said" in block
    assert "3 readers voted." in block
    assert 'value="67"' in block
    assert f'href="{story.get_absolute_url()}#poll-{poll.pk}"' in block


def test_closed_polls_show_final_results_at_the_end_by_default(client, story, poll):
    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())
    piece = draft_followup(story)
    FollowupQuestion.objects.create(followup=piece, poll=poll)
    publish(piece)
    page = client.get(piece.get_absolute_url()).content.decode()
    assert "What readers said · Final results" in page
    assert page.index('id="n"') < page.index('class="results-block"')


def test_the_results_in_a_follow_up_move_live(story, poll):
    piece = draft_followup(story)
    FollowupQuestion.objects.create(followup=piece, poll=poll)
    publish(piece)
    cast_vote(poll=poll, choice_id=choice_named(poll, "No").pk, voter=cookie_voter(1))
    [event] = [e for e in events.history(piece.pk, None) if e.kind == "poll.results"]
    assert event.payload["poll"] == poll.pk
    assert "<strong data-poll-total>1 reader voted.</strong>" in event.payload["html"]


def test_only_questions_of_the_same_story_can_be_taken_up(story, poll):
    other = Article.objects.create(
        title="Another story", slug="another", status="published", published_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        FollowupQuestion(followup=other, poll=poll).full_clean()


def test_readers_who_took_part_hear_that_the_newsroom_followed_up(story, poll, settings):
    voter, proposer, commenter, follower = (
        reader(name) for name in ("voter", "proposer", "commenter", "follower")
    )
    reader("bystander")
    open_poll = Poll.objects.get(article=story, kind=Poll.Kind.OPEN)
    cast_vote(poll=poll, choice_id=choice_named(poll, "Yes").pk, voter=Voter(user_id=voter.pk))
    cast_vote(poll=poll, choice_id=choice_named(poll, "No").pk, voter=cookie_voter(9))
    propose_answer(poll=open_poll, text="A joint patrol", user=proposer)
    settings.COMMENTS_AUTO_APPROVE = False
    comment = post_comment(article=story, author=commenter, body="Will they?", poll=poll)
    approve_comment(comment.pk)
    following.follow(follower, story)
    following.follow(voter, story)

    piece = draft_followup(story)
    FollowupQuestion.objects.create(followup=piece, poll=poll, answers=True)
    FollowupQuestion.objects.create(followup=piece, poll=open_poll, answers=True)
    publish(piece)

    notices = dict(Notice.objects.values_list("user__username", "message"))
    assert notices["voter"].startswith("The newsroom followed up on a question you took part in")
    assert poll.question in notices["voter"]
    assert open_poll.question in notices["proposer"]
    assert poll.question in notices["commenter"]
    assert notices["follower"] == "New in a story you follow: Officials meet"
    assert "bystander" not in notices
    # Email goes to those who follow the story; each hears once.
    assert sorted(m.to[0] for m in mail.outbox) == ["follower@example.com", "voter@example.com"]
    assert following.tell_followers(piece.pk) == 0
    assert Notice.objects.count() == 4


def test_participants_who_asked_for_email_get_it(client, story, poll):
    voter = reader("voter")
    cast_vote(poll=poll, choice_id=choice_named(poll, "Yes").pk, voter=Voter(user_id=voter.pk))
    client.force_login(voter)
    page = client.get(reverse("notices")).content.decode()
    assert 'name="email_answered_questions"' in page
    client.post(reverse("notices"), {"preferences": "1", "email_answered_questions": "on"})

    piece = draft_followup(story)
    FollowupQuestion.objects.create(followup=piece, poll=poll, answers=True)
    publish(piece)
    [email] = mail.outbox
    assert email.to == ["voter@example.com"]
    assert "a question you took part in" in email.body
    assert "/notices/" in email.body


def test_participants_who_turned_email_off_since_get_none(client, story, poll):
    voter = reader("voter")
    cast_vote(poll=poll, choice_id=choice_named(poll, "Yes").pk, voter=Voter(user_id=voter.pk))
    client.force_login(voter)
    client.post(reverse("notices"), {"preferences": "1", "email_answered_questions": "on"})
    piece = draft_followup(story)
    FollowupQuestion.objects.create(followup=piece, poll=poll, answers=True)
    client.post(reverse("notices"), {"preferences": "1"})  # unticked
    publish(piece)
    assert mail.outbox == []
    assert Notice.objects.filter(user=voter).count() == 1
