import pytest
from django.urls import reverse

from polls.models import Choice
from polls.proposals import (
    ProposalRefused,
    moderate_proposals,
    normalize_answer,
    propose_answer,
)
from polls.voting import cast_vote
from tests.polls.conftest import HTMX, cookie_voter


def propose(client, poll, text, **kwargs):
    return client.post(reverse("polls:propose", args=[poll.pk]), {"text": text}, **kwargs)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Independent monitors", "independent   MONITORS!"),
        ("U.N. peacekeepers", "UN peacekeepers"),
        ("Joint patrols", "joint patrols…"),
        ("Cease‑fire lines", "Cease-fire lines"),
        ("Cease-fire lines", "cease fire lines"),
        ("Patrols,hotlines", "patrols, hotlines"),
        ("“Drones”", "drones"),
    ],
)
def test_answers_that_differ_only_in_case_spacing_or_punctuation_are_one(first, second):
    assert normalize_answer(first) == normalize_answer(second)


def test_different_answers_stay_different():
    assert normalize_answer("Joint patrols") != normalize_answer("Joint patrol boats")
    assert normalize_answer("ceasefire") != normalize_answer("cease fire")


def test_a_reader_proposes_an_answer_that_waits_for_moderation(client, open_poll):
    response = propose(client, open_poll, "Independent ceasefire monitors", headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "your answer is with the moderators" in fragment
    assert "Your answer “Independent ceasefire monitors” is awaiting moderation." in fragment
    choice = Choice.objects.get(poll=open_poll)
    assert (choice.status, choice.proposal_count) == ("pending", 1)
    assert choice.proposed_by_voter  # the anonymous reader's cookie key
    # Nobody else sees it yet.
    client.cookies.clear()
    assert (
        "Independent ceasefire monitors"
        not in client.get(open_poll.article.get_absolute_url()).content.decode()
    )


def test_duplicate_proposals_become_one_answer(client, open_poll, reader):
    propose(client, open_poll, "Independent monitors")
    client.force_login(reader)
    propose(client, open_poll, "independent   monitors.")
    choice = Choice.objects.get(poll=open_poll)
    assert choice.text == "Independent monitors"
    assert choice.proposal_count == 2


def test_an_approved_proposal_becomes_an_answer_everyone_can_vote_for(client, open_poll, moderator):
    propose(client, open_poll, "Satellite monitoring")
    moderate_proposals(Choice.objects.filter(poll=open_poll), approve=True, moderator=moderator)
    client.cookies.clear()
    page = client.get(open_poll.article.get_absolute_url()).content.decode()
    assert '<input type="radio" name="choice"' in page
    assert "Satellite monitoring" in page
    choice = Choice.objects.get(poll=open_poll)
    cast_vote(poll=open_poll, choice_id=choice.pk, voter=cookie_voter(1))
    choice.refresh_from_db()
    assert choice.vote_count == 1


def test_proposing_an_existing_answer_points_the_reader_to_it(client, open_poll):
    open_poll.choices.create(text="Joint patrols", normalized_text="joint patrols")
    response = propose(client, open_poll, "JOINT PATROLS", headers=HTMX)
    assert "“Joint patrols” is already an answer: vote for it below." in response.content.decode()
    assert open_poll.choices.count() == 1


def test_a_rejected_proposal_is_never_shown(client, open_poll, moderator):
    propose(client, open_poll, "Something rude")
    moderate_proposals(Choice.objects.filter(poll=open_poll), approve=False, moderator=moderator)
    assert "Something rude" not in client.get(open_poll.article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write an answer before sending it."),
        ("   ", "Write an answer before sending it."),
        ("x" * 121, "Keep your answer to 120 characters (it has 121)."),
        ("?!…", "Your answer needs some words"),
        ("bell\x07", "control characters"),
    ],
)
def test_bad_proposals_are_refused_with_a_reason_and_nothing_saved(
    client, open_poll, text, message
):
    response = propose(client, open_poll, text, headers=HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Choice.objects.filter(poll=open_poll).exists()


def test_fixed_answer_questions_take_no_proposals(yes_no_poll):
    with pytest.raises(ProposalRefused, match="fixed answers"):
        propose_answer(poll=yes_no_poll, text="Maybe", voter_key="a" * 32)


def test_proposed_text_is_escaped_on_the_page(client, open_poll, moderator):
    propose(client, open_poll, '<img src=x onerror="alert(1)">')
    moderate_proposals(Choice.objects.filter(poll=open_poll), approve=True, moderator=moderator)
    page = client.get(open_poll.article.get_absolute_url()).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
