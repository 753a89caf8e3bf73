"""Editors writing in the admin: pasted text parsed, saved whole or not at all; no doubled label."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.writing import WritingRefused, followup_title, parse, save
from tests.articles.test_import_command import snapshot


@pytest.mark.parametrize(
    "typed",
    [
        "Officials meet",
        "Follow-up: Officials meet",
        "follow-up \u2013 Officials meet",
        "Follow up: Follow-up: Officials meet",
        "  Officials meet  ",
    ],
)
def test_a_follow_up_title_drops_the_label_readers_are_shown_anyway(typed):
    assert followup_title(typed) == "Officials meet"


def test_a_title_that_is_only_the_label_stays_as_typed():
    assert followup_title("Follow-up:") == "Follow-up:"


def test_a_title_mentioning_a_follow_up_later_keeps_it():
    assert followup_title("Why the follow-up: matters") == "Why the follow-up: matters"


@pytest.mark.django_db
def test_the_admin_neither_prefills_nor_keeps_the_label(client, editor, demo_article):
    client.force_login(editor)
    url = reverse("admin:articles_article_followup", args=[demo_article.pk])
    page = client.get(url).content.decode()
    assert 'value="Follow-up:' not in page

    client.post(url, {"title": "Follow-up: Officials meet", "slug": "officials-meet"})
    assert Article.objects.get(slug="officials-meet").title == "Officials meet"


# The service: pasted briefing text saved as a draft, scheduled or published


FOLLOWUP_TEXT = """Follow-up: Bridge Works Begin
Table of Contents
- 1. Follow-up: Bridge Works Begin
- 2. What Happened
- 3. Reader Questions
The first piles went in on Tuesday.
What Happened
| Stage | Date |
| --- | --- |
| Piles | Tuesday |
Reader Questions
Should the works run at night?
Keywords woven naturally: bridge, works.
"""


def everything_written():
    return snapshot()


def test_pasted_text_parses_into_a_briefing_with_its_questions():
    draft = parse(FOLLOWUP_TEXT)
    assert draft.error == ""
    assert [question.text for question in draft.briefing.questions] == [
        "Should the works run at night?"
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("\n\nTable of Contents\n- 1. Intro\nIntro\nText.\n", "line 3"),
        (FOLLOWUP_TEXT.replace("| Piles | Tuesday |", "| Piles |"), "line 10"),
    ],
)
def test_an_error_names_its_line(text, line):
    draft = parse(text)
    assert draft.briefing is None
    assert line in draft.error
    assert "added empty cells" not in draft.error


def test_binary_junk_is_an_error_not_a_crash():
    assert parse("\x00\x01\x02\ufffd" * 50).briefing is None


@pytest.mark.django_db
def test_a_follow_up_is_saved_as_a_draft_with_its_poll_and_no_doubled_label(demo_article):
    piece = save(FOLLOWUP_TEXT, follows=demo_article, status=Article.Status.DRAFT)
    assert piece.title == "Bridge Works Begin"
    assert piece.status == Article.Status.DRAFT
    assert piece.story_id == demo_article.pk
    assert list(piece.polls.values_list("question", flat=True)) == [
        "Should the works run at night?"
    ]


@pytest.mark.django_db
def test_a_piece_is_scheduled_or_published(demo_article):
    later = timezone.now() + dt.timedelta(minutes=2)
    scheduled = save(FOLLOWUP_TEXT, status=Article.Status.DRAFT, publish_at=later)
    assert (scheduled.status, scheduled.publish_at) == (Article.Status.SCHEDULED, later)
    published = save(
        FOLLOWUP_TEXT.replace("Bridge Works Begin", "Bridge Works Pause"),
        status=Article.Status.PUBLISHED,
    )
    assert published.is_published


@pytest.mark.django_db
def test_nothing_is_saved_while_the_text_does_not_parse(demo_article):
    before = everything_written()
    with pytest.raises(WritingRefused, match="line"):
        save("Title only\n", follows=demo_article, status=Article.Status.PUBLISHED)
    assert everything_written() == before


@pytest.mark.django_db
def test_an_existing_address_is_refused_not_overwritten(demo_article):
    save(FOLLOWUP_TEXT, status=Article.Status.DRAFT)
    before = everything_written()
    with pytest.raises(WritingRefused, match="already exists"):
        save(FOLLOWUP_TEXT, status=Article.Status.PUBLISHED)
    assert everything_written() == before
