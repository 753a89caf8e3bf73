"""The automatic first pass: each phase on its own, the order they run in, and its cost."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from briefing_site import events
from comments import tasks
from comments.models import (
    AuthorStanding,
    BlockedDomain,
    Comment,
    ModeratedTerm,
    ModerationDecision,
    ModerationSettings,
)
from comments.moderation import (
    ScorerUnavailable,
    Verdict,
    decide,
    find_terms,
    held_for_scorer_failure,
    normalised_for_repeats,
)
from comments.rendering import render_body
from comments.services import record_verdict


class FixedScore:
    """A classifier that gives every text the same score and remembers what it was asked."""

    def __init__(self, value):
        self.value = value
        self.texts = []

    def score(self, text):
        self.texts.append(text)
        return self.value


class Calm(FixedScore):
    """For COMMENT_CLASSIFIER, which names a class built without arguments."""

    def __init__(self):
        super().__init__(0.03)


class Unavailable:
    def score(self, text):
        raise ScorerUnavailable("timed out")


# Each phase on its own: a new commenter's comments are held by default (the
# last phase), which the tests of that phase below turn on with their own settings.
PHASES_ALONE = {"premoderate_below": 0}


def verdict_on(comment, *, settings=None, classifier=None, **kwargs):
    """decide() with the default thresholds (but no pre-moderation of new commenters)
    and a calm classifier, unless the test says otherwise."""
    return decide(
        comment,
        settings=settings if settings is not None else ModerationSettings(**PHASES_ALONE),
        classifier=classifier if classifier is not None else FixedScore(0.01),
        **kwargs,
    )


def ago(**delta):
    return timezone.now() - dt.timedelta(**delta)


def backdate(comment, **delta):
    Comment.objects.filter(pk=comment.pk).update(created_at=ago(**delta))


def standing(user, **fields):
    return AuthorStanding.objects.update_or_create(user=user, defaults=fields)[0]


def fresh(comment):
    """The comment as the task loads it."""
    return Comment.objects.select_related("article", "author__standing").get(pk=comment.pk)


@pytest.fixture
def veteran(reader):
    """The reader, with an account old enough to post links."""
    get_user_model().objects.filter(pk=reader.pk).update(date_joined=ago(days=30))
    reader.refresh_from_db()
    return reader


# A clean comment


def test_a_clean_comment_is_approved_with_its_score(reader, say):
    comment = say(reader, "Independent monitors would help both sides.", approved=False)
    assert verdict_on(comment, classifier=FixedScore(0.02)) == Verdict(
        outcome="approve", phase="clean", reasons=(), score=0.02
    )


def test_it_reads_the_settings_row_when_none_are_given(veteran, say):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"max_links": 0})
    comment = say(veteran, "See <https://example.org/report>", approved=False)
    verdict = decide(comment, classifier=FixedScore(0.01))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")


def test_a_comment_whose_author_deleted_their_account_is_still_decided(reader, say):
    comment = say(reader, "Orphaned but civil.", approved=False)
    Comment.objects.filter(pk=comment.pk).update(author=None)
    comment = fresh(comment)
    assert verdict_on(comment).phase == "clean"


# Phase 1: the author and the article


def test_a_banned_authors_comment_is_rejected(reader, say):
    standing(reader, banned_at=ago(days=1))
    verdict = verdict_on(say(reader, "Hello again.", approved=False))
    assert (verdict.outcome, verdict.phase) == ("reject", "author")
    assert verdict.reasons == ("The author is banned.",)


def test_a_suspended_authors_comment_is_rejected_until_the_suspension_ends(reader, say):
    standing(reader, suspended_until=timezone.now() + dt.timedelta(hours=1))
    comment = say(reader, "Back soon.", approved=False)
    verdict = verdict_on(comment)
    assert (verdict.outcome, verdict.phase) == ("reject", "author")
    assert "suspended until" in verdict.reasons[0]
    later = timezone.now() + dt.timedelta(hours=2)
    assert verdict_on(comment, now=later).phase == "clean"


def test_an_author_in_good_standing_passes_the_first_phase(reader, say):
    standing(reader, suspended_until=ago(hours=1), note="Served their time.")
    assert verdict_on(say(reader, "Hello again.", approved=False)).phase == "clean"


def test_a_comment_on_an_article_closed_to_comments_is_rejected(reader, say, demo_article):
    comment = say(reader, "Just in time?", approved=False)
    Article.objects.filter(pk=demo_article.pk).update(comments_closed=True)
    verdict = verdict_on(fresh(comment))
    assert (verdict.outcome, verdict.phase) == ("reject", "closed")
    assert verdict.reasons == ("Comments on this article are closed.",)


def test_a_banned_author_is_rejected_before_any_later_phase_looks(reader, say, demo_article):
    ModeratedTerm.objects.create(kind="banned", term="idiot")
    Article.objects.filter(pk=demo_article.pk).update(comments_closed=True)
    standing(reader, banned_at=ago(days=1))
    classifier = FixedScore(0.99)
    verdict = verdict_on(say(reader, "You idiot.", approved=False), classifier=classifier)
    assert (verdict.outcome, verdict.phase, verdict.score) == ("reject", "author", None)
    assert len(verdict.reasons) == 1
    assert classifier.texts == []


# Phase 2: length


def test_a_comment_with_no_visible_text_is_rejected(reader, say):
    comment = say(reader, "Soon to be empty.", approved=False)
    comment.body_html = "<p>\u200b</p>\n<p> </p>"
    verdict = verdict_on(comment)
    assert (verdict.outcome, verdict.phase) == ("reject", "length")
    assert verdict.reasons == ("The comment has no visible text.",)


def test_a_comment_longer_than_five_thousand_characters_is_rejected(reader, say):
    comment = say(reader, "Soon to be long.", approved=False)
    comment.body_html = f"<p>{'x' * 5001}</p>"
    verdict = verdict_on(comment)
    assert (verdict.outcome, verdict.phase) == ("reject", "length")
    assert "5,001" in verdict.reasons[0]


def test_the_length_is_counted_on_the_visible_text(reader, say):
    comment = say(reader, "Soon to be long.", approved=False)
    comment.body_html = f"<p><strong>{'x' * 5000}</strong></p>"
    assert verdict_on(comment).phase == "clean"


# Phase 3: repeats


def test_the_same_text_again_from_the_same_author_is_rejected_as_a_duplicate(reader, say):
    say(reader, "Great point, Anna! Agreed.")
    verdict = verdict_on(say(reader, "great   point Anna -- agreed", approved=False))
    assert (verdict.outcome, verdict.phase) == ("reject", "duplicate")
    assert verdict.reasons == ("The author posted the same text within the last 10 minutes.",)


def test_a_rejected_earlier_copy_still_makes_a_duplicate(reader, say):
    first = say(reader, "Buy cheap watches", approved=False)
    Comment.objects.filter(pk=first.pk).update(status=Comment.Status.REJECTED)
    assert verdict_on(say(reader, "Buy cheap watches", approved=False)).phase == "duplicate"


def test_the_first_of_two_identical_comments_is_not_the_duplicate(reader, say):
    first = say(reader, "Said twice by accident.", approved=False)
    say(reader, "Said twice by accident.", approved=False)
    assert verdict_on(first).phase == "clean"


def test_the_same_text_from_another_reader_is_not_a_duplicate(reader, other_reader, say):
    say(other_reader, "Agreed.")
    assert verdict_on(say(reader, "Agreed.", approved=False)).phase == "clean"


def test_the_same_text_after_the_window_is_not_a_duplicate(reader, say):
    backdate(say(reader, "Agreed."), minutes=11)
    assert verdict_on(say(reader, "Agreed.", approved=False)).phase == "clean"


def test_a_deleted_comment_does_not_make_a_duplicate(reader, say):
    earlier = say(reader, "Agreed.")
    Comment.objects.filter(pk=earlier.pk).update(deleted_at=timezone.now())
    assert verdict_on(say(reader, "Agreed.", approved=False)).phase == "clean"


def test_an_edit_that_copies_a_recent_comment_is_a_duplicate(reader, say):
    say(reader, "Agreed.")
    comment = say(reader, "Something else entirely.", approved=False)
    Comment.objects.filter(pk=comment.pk).update(
        body="Agreed!", body_html=render_body("Agreed!"), version=2, edited_at=timezone.now()
    )
    assert verdict_on(fresh(comment)).phase == "duplicate"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Great point, Anna!", "great point anna"),
        ("Great\n\npoint", "Great point"),
        ("¿Qué?", "qué"),
        ("???", "???"),
    ],
)
def test_repeats_are_compared_casefolded_without_punctuation_or_extra_spaces(one, other):
    assert normalised_for_repeats(one) == normalised_for_repeats(other)


def test_texts_of_nothing_but_different_punctuation_are_not_repeats():
    assert normalised_for_repeats("???") != normalised_for_repeats("!!!")


# Phase 4: banned words, and the matcher phases 4 and 8 share


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("bad", "That is BAD."),
        # Accents, both ways round.
        ("bad", "That is bád."),
        ("pédé", "pede"),
        ("connard", "Quel CONNÂRD"),
        ("bad", "ｂａｄ in full width"),
        # Spaced letters.
        ("bad", "what a b a d idea"),
        ("bad", "b. a. d."),
        # Separators.
        ("bad", "b.a.d"),
        ("bad", "b-a-d"),
        ("bad", "b_a_d"),
        ("bad", "b*a*d"),
        ("bad", "b\u200bad"),
        # Leetspeak.
        ("bad", "b4d"),
        ("bad", "b@d"),
        ("ass", "a$$"),
        ("ass", "@ss"),
        ("ass", "a55"),
        ("shit", "sh1t"),
        ("shit", "5h!t"),
        ("boot", "b00t"),
        ("bleed", "bl33d"),
        ("troll", "7r0ll"),
        ("kill", "k1ll"),
        ("kill", "ki11"),
        # Repeated letters.
        ("bad", "baaaad"),
        ("ass", "asssss"),
        ("kill", "kiiiilllll"),
        ("bad", "b-a-a-a-a-a-d"),
        # Mixed.
        ("idiot", "You 1.d.1.0.t!"),
        # Whole words only, punctuation around them is fine.
        ("ass", "Don't be an ass!"),
        ("ass", "(ass)"),
    ],
)
def test_a_term_is_found_however_it_is_disguised(term, text):
    assert find_terms(text, [term]) == [term]


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("ass", "We need to assess the class"),
        ("ass", "Massachusetts passes the bass"),
        ("ass", "as soon as possible"),
        ("cunt", "Scunthorpe United"),
        ("tit", "the title of the constitution"),
        ("anal", "an analyst from an Al Jazeera team"),
        ("hell", "he'll say hello"),
        ("ss", "It costs $5, or 55 cents, or 5.5"),
        ("kill", "a skill, a killer app"),
    ],
)
def test_a_term_inside_an_innocent_word_is_not_found(term, text):
    assert find_terms(text, [term]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Just kill yourself.",
        "KILL, YOURSELF",
        "k1ll   y0urself",
        "killyourself",
        "k i l l yourself",
    ],
)
def test_a_phrase_is_found_as_a_phrase(text):
    assert find_terms(text, ["kill yourself"]) == ["kill yourself"]


@pytest.mark.parametrize("text", ["kill time", "improve yourself", "skill yourself up"])
def test_part_of_a_phrase_is_not_the_phrase(text):
    assert find_terms(text, ["kill yourself"]) == []


def test_find_terms_gives_the_terms_as_listed_in_their_order():
    assert find_terms("Bad, worse, WORST", ["worst", "good", "Bad", "bad"]) == [
        "worst",
        "Bad",
        "bad",
    ]


def test_find_terms_ignores_terms_without_letters():
    assert find_terms("hello *** world", ["***", "", "  "]) == []


def test_a_banned_word_rejects_the_comment(reader, say):
    ModeratedTerm.objects.create(kind="banned", term="idiot")
    verdict = verdict_on(say(reader, "What an i.d.i.o.t", approved=False))
    assert (verdict.outcome, verdict.phase) == ("reject", "banned_words")
    assert verdict.reasons == ("It contains banned words: idiot.",)


def test_banned_words_are_searched_in_the_visible_text_only(reader, say):
    ModeratedTerm.objects.create(kind="banned", term="strong")
    comment = say(reader, "A **bold** claim", approved=False)
    assert verdict_on(comment).phase == "clean"


def test_a_term_added_in_the_admin_applies_to_the_next_comment(reader, say):
    comment = say(reader, "What a nincompoop.", approved=False)
    assert verdict_on(comment).phase == "clean"
    ModeratedTerm.objects.create(kind="banned", term="nincompoop")
    assert verdict_on(comment).phase == "banned_words"


# Phase 5: velocity


@pytest.fixture
def pace():
    return ModerationSettings(velocity_comments=2, velocity_minutes=2, **PHASES_ALONE)


def test_more_comments_than_the_limit_in_the_window_hold_the_next_one(reader, say, pace):
    for n in range(3):
        say(reader, f"Quick thought number {n}.")
    verdict = verdict_on(say(reader, "And another.", approved=False), settings=pace)
    assert (verdict.outcome, verdict.phase) == ("hold", "velocity")
    assert verdict.reasons == (
        "The author posted 3 other comments in the 2 minutes before this one (more than 2).",
    )


def test_as_many_comments_as_the_limit_are_fine(reader, say, pace):
    for n in range(2):
        say(reader, f"Quick thought number {n}.")
    assert verdict_on(say(reader, "And another.", approved=False), settings=pace).phase == "clean"


def test_comments_before_the_window_do_not_count_towards_velocity(reader, say, pace):
    for n in range(3):
        backdate(say(reader, f"Quick thought number {n}."), minutes=3)
    assert verdict_on(say(reader, "And another.", approved=False), settings=pace).phase == "clean"


def test_other_readers_comments_do_not_count_towards_velocity(reader, other_reader, say, pace):
    for n in range(3):
        say(other_reader, f"Quick thought number {n}.")
    assert verdict_on(say(reader, "And another.", approved=False), settings=pace).phase == "clean"


def test_a_trusted_author_skips_the_velocity_check(reader, say, pace):
    standing(reader, trusted=True)
    for n in range(3):
        say(reader, f"Quick thought number {n}.")
    assert verdict_on(say(reader, "And another.", approved=False), settings=pace).phase == "clean"


# Phase 6: links


def test_more_links_than_the_limit_hold_the_comment(veteran, say):
    body = " ".join(f"<https://example.org/{n}>" for n in range(3))
    verdict = verdict_on(say(veteran, body, approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons == ("It has 3 links; the limit is 2.",)


def test_as_many_links_as_the_limit_are_fine(veteran, say):
    body = "[one](https://example.org/1) and [two](https://example.org/2)"
    assert verdict_on(say(veteran, body, approved=False)).phase == "clean"


@pytest.mark.parametrize(
    "link",
    [
        "https://spam.example/buy",
        "https://SHOP.Spam.Example./buy",
        "http://user@deals.spam.example:8080/",
        "mailto:sales@spam.example",
    ],
)
def test_a_link_to_a_blocked_domain_or_its_subdomains_holds_the_comment(veteran, say, link):
    BlockedDomain.objects.create(domain="spam.example")
    verdict = verdict_on(say(veteran, f"Look [here]({link})", approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons[0].startswith("It links to a blocked domain:")


@pytest.mark.parametrize("link", ["https://notspam.example/", "https://spam.example.org/"])
def test_a_domain_that_merely_ends_like_a_blocked_one_is_not_blocked(veteran, say, link):
    BlockedDomain.objects.create(domain="spam.example")
    assert verdict_on(say(veteran, f"Look [here]({link})", approved=False)).phase == "clean"


def test_a_blocked_domain_written_as_plain_text_is_a_link_too(veteran, say):
    BlockedDomain.objects.create(domain="spam.example")
    verdict = verdict_on(say(veteran, "I would never visit www.spam.example", approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons == ("It links to a blocked domain: www.spam.example.",)


@pytest.mark.parametrize(
    "body",
    [
        "Visit www.pills-online.example or http://pills-online.example/buy or pills.shop",
        "Three: example.org, example.com/deal and deals@example.net",
        "One [linked](https://example.org/a), two <https://example.org/b>, three example.org/c",
    ],
)
def test_bare_urls_domain_names_and_addresses_count_towards_the_link_limit(veteran, say, body):
    verdict = verdict_on(say(veteran, body, approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons == ("It has 3 links; the limit is 2.",)


@pytest.mark.parametrize(
    "body",
    [
        "It cost 3.50, i.e. less than e.g. last year (see p.12).",
        "Version 2.0 of the plan, section 4.1, at 10.30am.",
        "The U.S. and the U.K. said so. Mr. Smith agreed.",
    ],
)
def test_numbers_and_abbreviations_are_not_links(veteran, say, body):
    settings = ModerationSettings(max_links=0, **PHASES_ALONE)
    assert verdict_on(say(veteran, body, approved=False), settings=settings).phase == "clean"


def test_an_edit_that_adds_a_blocked_link_is_held(veteran, say):
    BlockedDomain.objects.create(domain="spam.example")
    comment = say(veteran, "Clean at first.")
    body = "Clean at first. [Deals](https://spam.example/deals)"
    Comment.objects.filter(pk=comment.pk).update(
        body=body,
        body_html=render_body(body),
        version=2,
        edited_at=timezone.now(),
        status=Comment.Status.PENDING,
    )
    verdict = verdict_on(fresh(comment))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons == ("It links to a blocked domain: spam.example.",)


def test_a_link_from_a_new_account_holds_the_comment(reader, say):
    verdict = verdict_on(say(reader, "See <https://example.org/>", approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons == ("It has links, and the account is less than 24 hours old.",)


def test_a_new_account_without_links_is_fine(reader, say):
    assert verdict_on(say(reader, "No links here.", approved=False)).phase == "clean"


def test_every_link_rule_that_fires_gives_its_reason(reader, say):
    BlockedDomain.objects.create(domain="spam.example")
    body = "<https://spam.example/1> <https://spam.example/2> <https://example.org/>"
    verdict = verdict_on(say(reader, body, approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "links")
    assert verdict.reasons == (
        "It has 3 links; the limit is 2.",
        "It links to a blocked domain: spam.example.",
        "It has links, and the account is less than 24 hours old.",
    )


# Phase 7: toxicity


@pytest.mark.parametrize(
    ("score", "outcome", "phase"),
    [
        (0.0, "approve", "clean"),
        (0.79, "approve", "clean"),
        (0.8, "hold", "toxicity"),
        (0.96, "hold", "toxicity"),
        (0.97, "reject", "toxicity"),
        (1.0, "reject", "toxicity"),
    ],
)
def test_the_toxicity_score_holds_or_rejects_at_the_thresholds(reader, say, score, outcome, phase):
    verdict = verdict_on(say(reader, "Some words.", approved=False), classifier=FixedScore(score))
    assert (verdict.outcome, verdict.phase, verdict.score) == (outcome, phase, score)


def test_a_toxic_comment_says_its_score_and_the_threshold(reader, say):
    verdict = verdict_on(say(reader, "Some words.", approved=False), classifier=FixedScore(0.98))
    assert verdict.reasons == (
        "Its toxicity score 0.98 is at or above the rejection threshold 0.97.",
    )


def test_the_classifier_is_given_the_visible_text(veteran, say):
    classifier = FixedScore(0.0)
    verdict_on(
        say(veteran, "A **bold** claim, [see](https://example.org)", approved=False),
        classifier=classifier,
    )
    assert classifier.texts == ["A bold claim, see"]


def test_an_unavailable_scorer_propagates_for_the_task_to_retry(reader, say):
    with pytest.raises(ScorerUnavailable):
        verdict_on(say(reader, "Some words.", approved=False), classifier=Unavailable())


def test_a_score_outside_zero_to_one_counts_as_an_unavailable_scorer(reader, say):
    with pytest.raises(ScorerUnavailable):
        verdict_on(say(reader, "Some words.", approved=False), classifier=FixedScore(float("nan")))


def test_after_the_last_retry_the_task_holds_for_a_moderator():
    assert held_for_scorer_failure() == Verdict(
        outcome="hold", phase="toxicity", reasons=("scorer unavailable",), score=None
    )


# Phase 8: suspect words


def test_a_suspect_word_holds_the_comment_and_keeps_the_score(reader, say):
    ModeratedTerm.objects.create(kind="suspect", term="crypto")
    verdict = verdict_on(say(reader, "Try CRYPT0 today", approved=False))
    assert verdict == Verdict(
        outcome="hold",
        phase="suspect_words",
        reasons=("It contains suspect words: crypto.",),
        score=0.01,
    )


def test_a_toxic_comment_is_decided_by_its_score_before_its_suspect_words(reader, say):
    ModeratedTerm.objects.create(kind="suspect", term="crypto")
    verdict = verdict_on(say(reader, "crypto", approved=False), classifier=FixedScore(0.99))
    assert (verdict.outcome, verdict.phase) == ("reject", "toxicity")


def test_a_banned_word_is_not_held_as_a_suspect_word_too(reader, say):
    ModeratedTerm.objects.create(kind="suspect", term="idiot")
    ModeratedTerm.objects.create(kind="banned", term="moron")
    verdict = verdict_on(say(reader, "idiot moron", approved=False))
    assert (verdict.phase, verdict.reasons) == (
        "banned_words",
        ("It contains banned words: moron.",),
    )


# Phase 10: pre-moderation


def test_every_comment_on_a_premoderated_article_is_held(reader, say, demo_article):
    comment = say(reader, "Measured words.", approved=False)
    Article.objects.filter(pk=demo_article.pk).update(premoderate=True)
    verdict = verdict_on(fresh(comment))
    assert (verdict.outcome, verdict.phase) == ("hold", "premoderation")
    assert verdict.reasons == ("Comments on this article are pre-moderated.",)


def test_every_comment_by_a_premoderated_author_is_held(reader, say):
    standing(reader, premoderate=True)
    verdict = verdict_on(say(reader, "Measured words.", approved=False))
    assert (verdict.outcome, verdict.phase) == ("hold", "premoderation")
    assert verdict.reasons == ("The author's comments are pre-moderated.",)


def test_an_author_with_too_few_approved_comments_is_held(reader, say):
    say(reader, "My first.")
    verdict = verdict_on(
        say(reader, "My second.", approved=False), settings=ModerationSettings(premoderate_below=2)
    )
    assert (verdict.outcome, verdict.phase) == ("hold", "premoderation")
    assert verdict.reasons == (
        "The author has 1 approved comments; comments are held until they have 2.",
    )


def test_an_author_with_enough_approved_comments_is_not_held(reader, say):
    say(reader, "My first.")
    say(reader, "My second.")
    held = say(reader, "Not approved.", approved=False)
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.HELD)
    comment = say(reader, "My third.", approved=False)
    assert verdict_on(comment, settings=ModerationSettings(premoderate_below=2)).phase == "clean"


def test_a_trusted_author_skips_the_approved_count_but_not_explicit_premoderation(
    reader, say, demo_article
):
    standing(reader, trusted=True)
    comment = say(reader, "Measured words.", approved=False)
    assert verdict_on(comment, settings=ModerationSettings(premoderate_below=5)).phase == "clean"
    Article.objects.filter(pk=demo_article.pk).update(premoderate=True)
    assert verdict_on(fresh(comment)).phase == "premoderation"


# Cost


def queries_to_decide(comment):
    with CaptureQueriesContext(connection) as queries:
        verdict = decide(fresh(comment), classifier=FixedScore(0.01))
    return verdict, len(queries)


def test_deciding_takes_a_few_queries_however_much_the_author_has_written(
    veteran, say, django_assert_max_num_queries
):
    ModerationSettings.objects.update_or_create(
        pk=1, defaults={"velocity_comments": 100, "premoderate_below": 1}
    )
    ModeratedTerm.objects.create(kind="banned", term="idiot")
    ModeratedTerm.objects.create(kind="suspect", term="crypto")
    BlockedDomain.objects.create(domain="spam.example")
    body = "A first thought, [with a source](https://example.org/)."

    first = say(veteran, body, approved=False)
    with django_assert_max_num_queries(10):
        verdict, before = queries_to_decide(first)
    assert (verdict.phase, verdict.reasons) == (
        "premoderation",
        ("The author has 0 approved comments; comments are held until they have 1.",),
    )

    for n in range(50):
        say(veteran, f"Thought number {n}, [with a source](https://example.org/{n}).")
    latest = say(veteran, body.replace("first", "latest"), approved=False)
    with django_assert_max_num_queries(10):
        verdict, after = queries_to_decide(latest)
    assert verdict.phase == "clean"
    assert after == before


# With the task


def test_the_moderation_task_records_what_the_pipeline_decides(reader, say, settings):
    settings.COMMENT_CLASSIFIER = "tests.comments.test_moderation_pipeline.Calm"
    ModeratedTerm.objects.create(kind="suspect", term="crypto")
    say(reader, "An approved comment.")
    say(reader, "Another approved comment.")  # no longer a new commenter
    clean = say(reader, "Measured words.", approved=False)
    suspect = say(reader, "Buy crypto.", approved=False)
    assert tasks.moderate.apply(args=(clean.pk, 1)).get() == "approve"
    assert tasks.moderate.apply(args=(suspect.pk, 1)).get() == "hold"
    decisions = ModerationDecision.objects.order_by("comment_id")
    assert [(d.outcome, d.phase, d.score) for d in decisions if d.comment_id >= clean.pk] == [
        ("approve", "clean", 0.03),
        ("hold", "suspect_words", 0.03),
    ]
    assert Comment.objects.get(pk=suspect.pk).status == Comment.Status.HELD


def test_the_task_decides_records_and_publishes_a_comment_in_thirteen_queries(
    reader,
    say,
    demo_article,
    settings,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    # The comment with its article, author and standing; the settings, the author's
    # recent comments (two), the terms and their approved count (they are no longer
    # a new commenter); then, in one transaction, the locked row
    # (and whether this version was decided before), the decision, the comment's
    # status and score, and the article's count; after the commit, the comment as
    # readers see it.
    settings.COMMENT_CLASSIFIER = "tests.comments.test_moderation_pipeline.Calm"
    ModerationSettings.current()  # the row exists, as it does after the first comment
    say(reader, "An approved comment.")
    say(reader, "Another approved comment.")
    comment = say(reader, "Measured words.", approved=False)
    with (
        django_assert_max_num_queries(13),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.moderate.apply(args=(comment.pk, 1)).get() == "approve"
    comment.refresh_from_db()
    assert (comment.status, comment.toxicity) == (Comment.Status.APPROVED, 0.03)
    demo_article.refresh_from_db()
    assert demo_article.comment_count == 3
    published = [e for e in events.history(demo_article.pk, None) if e.kind == "comment.published"]
    assert [e.payload["id"] for e in published] == [comment.pk]


def test_a_held_comment_keeps_its_score(reader, say, settings):
    settings.COMMENT_CLASSIFIER = "tests.comments.test_moderation_pipeline.Calm"
    ModeratedTerm.objects.create(kind="suspect", term="crypto")
    comment = say(reader, "Buy crypto.", approved=False)
    assert tasks.moderate.apply(args=(comment.pk, 1)).get() == "hold"
    comment.refresh_from_db()
    assert (comment.status, comment.toxicity) == (Comment.Status.HELD, 0.03)


def test_a_version_already_decided_is_not_decided_again(reader, say):
    comment = say(reader, "Measured words.", approved=False)
    ModerationDecision.objects.create(
        comment=comment, version=1, outcome="hold", phase="clean", reasons=[]
    )
    verdict = Verdict(outcome="approve", phase="clean", reasons=(), score=0.01)
    assert record_verdict(comment.pk, 1, verdict) is False
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING
    assert ModerationDecision.objects.filter(comment=comment).count() == 1
