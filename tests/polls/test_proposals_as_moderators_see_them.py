"""Proposed answers as moderators and readers see them: the reader's hint tells what really
happens to a proposal; the list shows who proposed it and why it waits; a moderator
approves or rejects a reader's words, never rewrites them."""

import pytest
from django.urls import reverse

from comments.models import ModeratedTerm
from polls.models import Choice
from tests.polls.conftest import HTMX

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("admin:polls_choice_changelist")
WAITS = "a moderator reads it before it is published"
AUTOMATIC = "published once it passes our automatic checks"


class Calm:
    def score(self, text):
        return 0.0


@pytest.fixture(autouse=True)
def _calm_classifier(settings):
    settings.COMMENT_CLASSIFIER = "tests.polls.test_proposals_as_moderators_see_them.Calm"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker


def proposed(client, poll, text, capture):
    with capture(execute=True):
        client.post(reverse("polls:propose", args=[poll.pk]), {"text": text}, headers=HTMX)
    return Choice.objects.get(poll=poll, text=text)


def test_proposals_wait_for_a_human_by_default(
    client, open_poll, django_capture_on_commit_callbacks
):
    choice = proposed(client, open_poll, "Joint patrols", django_capture_on_commit_callbacks)
    assert choice.moderated_at is not None  # the automatic pass ran and found nothing...
    assert choice.status == Choice.Status.PENDING  # ...and a human decides


def test_the_hint_says_a_moderator_reads_it_first_when_they_do(client, open_poll):
    page = client.get(open_poll.article.get_absolute_url()).content.decode()
    assert WAITS in page
    assert AUTOMATIC not in page


def test_the_hint_says_it_is_published_after_automatic_checks_when_that_is_so(
    client, open_poll, settings, django_capture_on_commit_callbacks
):
    settings.POLL_PROPOSALS_AUTO_APPROVE = True
    page = client.get(open_poll.article.get_absolute_url()).content.decode()
    assert AUTOMATIC in page
    assert WAITS not in page
    choice = proposed(client, open_poll, "Joint patrols", django_capture_on_commit_callbacks)
    assert choice.status == Choice.Status.APPROVED  # the hint told the truth


def test_the_list_shows_the_proposer_and_why_it_waits(
    client, reader, moderator, open_poll, django_capture_on_commit_callbacks
):
    ModeratedTerm.objects.create(kind="suspect", term="sanctions")
    client.force_login(reader)
    proposed(client, open_poll, "Sanctions on both", django_capture_on_commit_callbacks)
    proposed(client, open_poll, "Joint patrols", django_capture_on_commit_callbacks)
    client.force_login(moderator)
    page = client.get(PROPOSALS).content.decode()
    assert "Proposed by" in page
    assert reader.username in page
    assert "It contains suspect words: sanctions." in page
    assert "Nothing found: it waits for a moderator." in page


def test_a_moderator_rejects_a_proposal_and_its_words_stay_the_readers(
    client, reader, moderator, open_poll, django_capture_on_commit_callbacks
):
    client.force_login(reader)
    choice = proposed(client, open_poll, "Joint patrols", django_capture_on_commit_callbacks)
    client.force_login(moderator)
    change = reverse("admin:polls_choice_change", args=[choice.pk])
    client.post(change, {"text": "Something the reader never said", "status": "pending"})
    choice.refresh_from_db()
    assert choice.text == "Joint patrols"
    response = client.post(PROPOSALS, {"action": "reject", "_selected_action": [choice.pk]})
    assert response.status_code == 302
    choice.refresh_from_db()
    assert (choice.status, choice.text) == (Choice.Status.REJECTED, "Joint patrols")
