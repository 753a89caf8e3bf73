"""Readers' proposed answers get the same automatic first pass as comments."""

import pytest

from comments.models import AuthorStanding, ModeratedTerm
from comments.moderation import decide_proposal
from polls.models import Choice
from polls.proposals import propose_answer, record_proposal_verdict
from polls.tasks import moderate_proposal


class Score:
    def __init__(self, value):
        self.value = value

    def score(self, text):
        return self.value


def proposal(open_poll, text, **kwargs):
    return propose_answer(poll=open_poll, text=text, voter_key="a" * 32, **kwargs).choice


def test_a_civil_answer_is_approved_and_becomes_votable(open_poll, settings):
    settings.POLL_PROPOSALS_AUTO_APPROVE = True
    choice = proposal(open_poll, "Joint monitoring teams")
    verdict = decide_proposal(choice, classifier=Score(0.01))
    assert (verdict.outcome, verdict.phase) == ("approve", "clean")
    record_proposal_verdict(choice.pk, verdict)
    choice.refresh_from_db()
    assert choice.status == Choice.Status.APPROVED
    assert choice.moderated_at is not None


def test_a_banned_word_rejects_and_a_suspect_word_holds(open_poll):
    ModeratedTerm.objects.create(kind="banned", term="scum")
    ModeratedTerm.objects.create(kind="suspect", term="bribe")
    rude = proposal(open_poll, "Send the s.c.u.m home")
    assert decide_proposal(rude, classifier=Score(0)).outcome == "reject"
    odd = proposal(open_poll, "Bribe the monitors")
    verdict = decide_proposal(odd, classifier=Score(0))
    assert (verdict.outcome, verdict.phase) == ("hold", "suspect_words")
    record_proposal_verdict(odd.pk, verdict)
    odd.refresh_from_db()
    assert odd.status == Choice.Status.PENDING  # a moderator decides
    assert odd.moderation_reasons == ["It contains suspect words: bribe."]


def test_a_toxic_answer_is_rejected_by_the_classifier(open_poll):
    choice = proposal(open_poll, "Whatever you idiots think")
    assert decide_proposal(choice, classifier=Score(0.99)).phase == "toxicity"


def test_a_banned_readers_answer_is_rejected(open_poll, reader):
    AuthorStanding.objects.create(user=reader, banned_at="2026-01-01T00:00Z")
    choice = propose_answer(poll=open_poll, text="Anything", user=reader).choice
    assert decide_proposal(choice, classifier=Score(0)).phase == "author"


@pytest.mark.django_db(transaction=True)
def test_a_proposal_is_moderated_once_after_it_commits(open_poll, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.COMMENT_CLASSIFIER = "tests.polls.test_proposal_moderation.Calm"
    settings.POLL_PROPOSALS_AUTO_APPROVE = True
    choice = proposal(open_poll, "Satellite imagery shared with both sides")
    choice.refresh_from_db()
    assert choice.status == Choice.Status.APPROVED
    assert moderate_proposal.apply(args=(choice.pk,)).get() == "nothing to do"


class Calm:
    def score(self, text):
        return 0.0
