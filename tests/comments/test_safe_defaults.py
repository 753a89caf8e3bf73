"""Safe out of the box: what the pipeline decides with the settings and word lists it ships with.

Every row goes through the real pipeline: the comment is posted, its moderation task
runs when the post commits (eagerly), with the shipped classifier, the shipped
thresholds and the shipped word lists, and the test reads the recorded decision.
"""

import datetime as dt
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from comments.models import (
    BlockedDomain,
    Comment,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
)
from comments.moderation import find_terms
from comments.services import approve_comment, post_comment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _real_pipeline(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker
    settings.COMMENTS_AUTO_APPROVE = False
    settings.COMMENT_CLASSIFIER = "comments.classifiers.ProfanityCheckClassifier"


@pytest.fixture
def regular(demo_article, django_capture_on_commit_callbacks):
    """A new regular reader each time: an account a month old with two published comments."""
    count = iter(range(1000))

    def make():
        user = get_user_model().objects.create_user(
            username=f"regular{next(count)}", email=None, password="x"
        )
        get_user_model().objects.filter(pk=user.pk).update(
            date_joined=timezone.now() - dt.timedelta(days=30)
        )
        for n in range(2):
            earlier = post_comment(article=demo_article, author=user, body=f"Earlier point {n}.")
            approve_comment(earlier.pk)
        Comment.objects.filter(author=user).update(created_at=timezone.now() - dt.timedelta(days=1))
        return user

    return make


@pytest.fixture
def decide(demo_article, django_capture_on_commit_callbacks):
    """Post the text as the author; the pipeline's decision on it, as recorded."""

    def post(author, body):
        with django_capture_on_commit_callbacks(execute=True):
            comment = post_comment(article=demo_article, author=author, body=body)
        decision = ModerationDecision.objects.get(comment=comment, actor=None)
        comment.refresh_from_db()
        assert (
            comment.status
            == {"approve": "approved", "hold": "held", "reject": "rejected"}[decision.outcome]
        )
        return decision

    return post


CYRILLIC_ES = "\u0441"

# (text, outcome, phase): obfuscations that must be caught...
CAUGHT = [
    ("f.u.c.k this whole summit", "reject", "banned_words"),
    ("What a load of sh1t diplomacy", "reject", "banned_words"),
    ("phuck the summit", "reject", "banned_words"),
    ("f*ck the summit", "reject", "banned_words"),
    ("F U C K this summit", "reject", "banned_words"),
    ("fuuuuuuck this summit", "reject", "banned_words"),
    ("f-u-c-k-i-n-g summit", "reject", "banned_words"),
    ("f\u00fcck this summit", "reject", "banned_words"),
    (f"fu{CYRILLIC_ES}k this summit", "reject", "banned_words"),
    ("These fuckers lied to us", "reject", "banned_words"),
    ("f***ing liars, all of them", "reject", "banned_words"),
    ("A total sh*t show", "reject", "banned_words"),
    ("What a bullsh!t deal", "reject", "banned_words"),
    ("$h!t deal", "reject", "banned_words"),
    ("You c-u-n-t", "reject", "banned_words"),
    ("The delegates are all c u n t s", "reject", "banned_words"),
    ("motherf*cker of a deal", "reject", "banned_words"),
    ("the minister is an a$$hole", "reject", "banned_words"),
    ("b1tch please", "reject", "banned_words"),
    ("what a wh0re", "reject", "banned_words"),
    ("fuk off, minister", "reject", "banned_words"),
    ("Just k1ll yourself", "reject", "banned_words"),
    ("n1gg3r", "reject", "banned_words"),
    ("F4GG0T", "reject", "banned_words"),
    ("What an 1d10t minister", "hold", "suspect_words"),
    ("The minister is a m.o.r.o.n", "hold", "suspect_words"),
    ("p.i.s.s off", "hold", "suspect_words"),
    ("I hope he will d!e in a f1re", "hold", "suspect_words"),
]
# ...and innocent words that contain a listed one (the Scunthorpe problem).
INNOCENT = [
    "Scunthorpe United won again",
    "The assassin was never caught",
    "A classic of the genre",
    "Sussex police confirmed it",
    "A cocktail of sanctions",
    "My therapist agrees with the plan",
    "Hello from Lisbon",
    "Middlesex and Essex councils met",
    "The analyst's assessment was cautious",
    "Cockburnspath and Penistone voted",
    "Shiitake mushrooms from Phuket",
    "The grapes of the Dickens novel",
    "He passed the bass to the bassist",
    "A skilled hitchhiker crossed the border",
    "Arsenal fans cheered the constitution",
    "They cocked their heads at the title",
    "Sniggers at the Pakistani embassy",
    "The spice trade and a peacock",
    "A pussycat and a shuttlecock",
    "Documents on the Lake Titicaca project",
]


def test_a_text_with_no_links_or_words_is_approved_for_a_regular_reader(regular, decide):
    decision = decide(regular(), "Independent monitors would help both sides.")
    assert (decision.outcome, decision.phase) == ("approve", "clean")


@pytest.mark.parametrize(("text", "outcome", "phase"), CAUGHT)
def test_an_obfuscated_word_is_caught(regular, decide, text, outcome, phase):
    decision = decide(regular(), text)
    assert (decision.outcome, decision.phase) == (outcome, phase), decision.reasons


@pytest.mark.parametrize("text", INNOCENT)
def test_an_innocent_word_that_contains_a_listed_one_is_approved(regular, decide, text):
    decision = decide(regular(), text)
    assert (decision.outcome, decision.phase) == ("approve", "clean"), decision.reasons


def test_the_table_has_at_least_forty_rows():
    assert len(CAUGHT) + len(INNOCENT) >= 40


def test_links_written_as_plain_text_hold_a_new_accounts_comment(reader, decide):
    decision = decide(reader, "Visit www.pills-online.example or http://pills-online.example/buy")
    assert (decision.outcome, decision.phase) == ("hold", "links")
    assert decision.reasons == ["It has links, and the account is less than 24 hours old."]


def test_a_blocked_domain_written_as_plain_text_holds_a_regular_readers_comment(regular, decide):
    BlockedDomain.objects.create(domain="pills-online.example")
    decision = decide(regular(), "Visit www.pills-online.example for the cheapest deals")
    assert (decision.outcome, decision.phase) == ("hold", "links")


def test_a_new_commenters_first_two_comments_wait_for_a_moderator(reader, decide):
    first = decide(reader, "My first thought on the summit.")
    assert (first.outcome, first.phase) == ("hold", "premoderation")
    assert first.reasons == [
        "The author has 0 approved comments; comments are held until they have 2."
    ]
    approve_comment(first.comment_id)
    second = decide(reader, "My second thought on the summit.")
    assert (second.outcome, second.phase) == ("hold", "premoderation")
    approve_comment(second.comment_id)
    third = decide(reader, "My third thought on the summit.")
    assert (third.outcome, third.phase) == ("approve", "clean")


def test_a_high_score_alone_holds_and_only_a_near_certain_one_rejects(regular, decide):
    row = ModerationSettings.current()
    assert (row.toxicity_hold, row.toxicity_reject) == (0.8, 0.97)
    # The shipped classifier gives 0.903 to this text (not in the lists)...
    held = decide(regular(), "Go to hell, minister")
    assert (held.outcome, held.phase) == ("hold", "toxicity")
    # ...and 0.998 to this one.
    rejected = decide(regular(), "You worthless piece of garbage, go to hell")
    assert (rejected.outcome, rejected.phase) == ("reject", "toxicity")


def test_the_starter_lists_are_data_moderators_edit(regular, decide):
    assert ModeratedTerm.objects.filter(kind="banned").count() >= 40
    assert ModeratedTerm.objects.filter(kind="suspect").count() >= 30
    ModeratedTerm.objects.filter(term="moron*").delete()
    decision = decide(regular(), "The minister is a m.o.r.o.n")
    assert decision.phase != "suspect_words"


@pytest.mark.parametrize(
    "text",
    [
        "a*" * 2500,
        "f" + "*" * 4999,
        "f*** " * 1000,
        "as" * 2500,
        "s.h.i" * 1000,
        "fuc" * 1666,
        "\u0430b" * 2500,
    ],
    ids=["stars-between", "star-run", "masked-words", "near-miss", "dotted", "prefix", "mixed"],
)
def test_the_shipped_lists_search_an_adversarial_text_in_well_under_a_second(text):
    terms = list(ModeratedTerm.objects.values_list("term", flat=True))
    find_terms("warm up: every pattern compiled", terms)
    started = time.perf_counter()
    find_terms(text, terms)
    assert time.perf_counter() - started < 1
