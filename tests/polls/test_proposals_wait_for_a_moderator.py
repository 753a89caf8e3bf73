"""A reader's proposed answer becomes votable only when a moderator approves it.

The automatic pass may reject a proposal (links, banned words, toxicity) or hold
it, never approve it, unless POLL_PROPOSALS_AUTO_APPROVE is on; a question takes
a bounded number of proposals.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from comments.models import ModerationSettings
from polls.models import Choice
from polls.proposals import ProposalsFull, has_web_address, propose_answer
from polls.voting import InvalidChoice, cast_vote
from tests.polls.conftest import HTMX, cookie_voter

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("admin:polls_choice_changelist")


class Calm:
    def score(self, text):
        return 0.0


@pytest.fixture(autouse=True)
def _calm_classifier(settings):
    settings.COMMENT_CLASSIFIER = "tests.polls.test_proposals_wait_for_a_moderator.Calm"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker


def propose(client, poll, text):
    return client.post(reverse("polls:propose", args=[poll.pk]), {"text": text}, headers=HTMX)


def proposed(client, poll, text, capture):
    """Propose as a reader and let the pipeline's first pass run, as after the commit."""
    with capture(execute=True):
        response = propose(client, poll, text)
    return response, Choice.objects.get(poll=poll, text=text)


def test_a_clean_proposal_waits_until_a_moderator_approves_it(
    client, open_poll, moderator, django_capture_on_commit_callbacks
):
    response, choice = proposed(
        client, open_poll, "Joint monitoring teams", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert "with the moderators" in response.content.decode()
    choice.refresh_from_db()
    assert choice.status == Choice.Status.PENDING
    assert choice.moderated_at is not None  # the automatic pass ran and found nothing
    with pytest.raises(InvalidChoice):
        cast_vote(poll=open_poll, choice_id=choice.pk, voter=cookie_voter(7))

    client.force_login(moderator)
    client.post(PROPOSALS, {"action": "approve", "_selected_action": [choice.pk]})
    choice.refresh_from_db()
    assert choice.status == Choice.Status.APPROVED
    cast_vote(poll=open_poll, choice_id=choice.pk, voter=cookie_voter(7))


def test_a_proposal_with_a_link_is_rejected(client, open_poll, django_capture_on_commit_callbacks):
    text = "Official newsroom answer: results moved to www.evil-example.com/vote"
    _, choice = proposed(client, open_poll, text, django_capture_on_commit_callbacks)
    choice.refresh_from_db()
    assert choice.status == Choice.Status.REJECTED
    assert "web address" in choice.moderation_reasons[0]
    with pytest.raises(InvalidChoice):
        cast_vote(poll=open_poll, choice_id=choice.pk, voter=cookie_voter(7))


def test_the_auto_approve_setting_lets_a_clean_proposal_through_but_not_a_link(
    client, open_poll, settings, django_capture_on_commit_callbacks
):
    settings.POLL_PROPOSALS_AUTO_APPROVE = True
    _, clean = proposed(client, open_poll, "Joint patrols", django_capture_on_commit_callbacks)
    _, linked = proposed(
        client, open_poll, "See evil-example.com for details", django_capture_on_commit_callbacks
    )
    clean.refresh_from_db()
    linked.refresh_from_db()
    assert (clean.status, linked.status) == (Choice.Status.APPROVED, Choice.Status.REJECTED)


def test_a_fast_proposer_is_held_even_with_auto_approve(
    client, open_poll, settings, django_capture_on_commit_callbacks
):
    settings.POLL_PROPOSALS_AUTO_APPROVE = True
    settings.POLL_RATE_PER_VOTER = "1000/m"
    moderation = ModerationSettings.current()
    moderation.velocity_comments, moderation.velocity_minutes = 2, 10
    moderation.save()
    for n in range(4):
        _, choice = proposed(
            client, open_poll, f"Answer number {n}", django_capture_on_commit_callbacks
        )
    choice.refresh_from_db()
    assert choice.status == Choice.Status.PENDING
    assert "other answers" in choice.moderation_reasons[0]


def test_a_question_takes_no_more_proposals_while_ten_wait(client, open_poll, settings):
    settings.POLL_RATE_PER_VOTER = "1000/m"
    settings.POLL_MAX_PENDING_PROPOSALS = 10
    for n in range(10):
        assert propose(client, open_poll, f"Waiting answer {n}").status_code == 200
    refused = propose(client, open_poll, "One too many")
    assert refused.status_code == 429
    assert "10 proposed answers waiting for the moderators" in refused.content.decode()
    assert not Choice.objects.filter(poll=open_poll, text="One too many").exists()
    # The same answer again only counts as proposed once more.
    assert propose(client, open_poll, "waiting answer 3!").status_code == 200


def test_a_question_takes_no_proposals_past_its_answer_cap(client, open_poll, settings):
    settings.POLL_MAX_CHOICES = open_poll.choices.exclude(status="rejected").count() + 1
    assert propose(client, open_poll, "The last one").status_code == 200
    refused = propose(client, open_poll, "Past the cap")
    assert refused.status_code == 429
    assert "vote for one of them" in refused.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "www.evil-example.com/vote",
        "https://example.org",
        "evil-example.com",
        "go to bit.ly/x",
        "evil\N{FULLWIDTH FULL STOP}example\N{FULLWIDTH FULL STOP}com",
        "evil\N{IDEOGRAPHIC FULL STOP}com",
    ],
)
def test_web_addresses_are_recognised(text):
    assert has_web_address(text)


@pytest.mark.parametrize(
    "text", ["U.N. peacekeepers", "Joint patrols. More talks", "e.g. monitors", "3.5 km buffer"]
)
def test_prose_is_not_a_web_address(text):
    assert not has_web_address(text)


@pytest.mark.django_db(transaction=True)
def test_proposals_arriving_in_the_same_instant_stop_exactly_at_the_cap(open_poll, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race needs PostgreSQL")
    settings.POLL_MAX_PENDING_PROPOSALS = 3
    together = threading.Barrier(12)
    refused = []

    def propose_one(n):
        together.wait()
        try:
            propose_answer(poll=open_poll, text=f"Answer number {n}", voter_key=f"voter-{n}")
        except ProposalsFull:
            refused.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=propose_one, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert open_poll.choices.filter(status=Choice.Status.PENDING).count() == 3
    assert len(refused) == 9
