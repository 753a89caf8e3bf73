"""Editors writing in the admin: pasted text parsed, saved whole or not at all; no doubled label."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.following import tell_followers
from articles.models import Article, FollowupNotice
from articles.writing import WritingRefused, earlier_polls, followup_title, parse, save
from polls.models import Vote
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


# The admin page


def write_url(follows=None):
    url = reverse("admin:articles_article_write")
    return f"{url}?follows={follows.pk}" if follows else url


@pytest.mark.django_db
def test_the_write_a_follow_up_button_leads_to_the_page_with_the_story_set(
    client, editor, demo_article
):
    client.force_login(editor)
    change = client.get(reverse("admin:articles_article_change", args=[demo_article.pk]))
    assert write_url(demo_article) in change.content.decode()
    page = client.get(write_url(demo_article)).content.decode()
    assert "A follow-up in the same story" in page


@pytest.mark.django_db
def test_the_preview_button_shows_the_article_and_its_polls_without_saving(client, editor):
    client.force_login(editor)
    before = everything_written()
    page = client.post(write_url(), {"text": FOLLOWUP_TEXT, "action": "preview"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "The first piles went in on Tuesday." in html
    assert '<th scope="row" data-label="Stage">Piles</th>' in html
    assert "Should the works run at night?" in html
    assert everything_written() == before


@pytest.mark.django_db
def test_an_htmx_preview_is_the_fragment_alone(client, editor):
    client.force_login(editor)
    page = client.post(
        write_url(), {"text": FOLLOWUP_TEXT, "action": "preview"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert page.lstrip().startswith('<div id="preview"')
    assert "The first piles went in on Tuesday." in page


@pytest.mark.django_db
def test_bad_text_comes_back_with_its_line_and_nothing_saved(client, editor, demo_article):
    client.force_login(editor)
    before = everything_written()
    broken = FOLLOWUP_TEXT.replace("| Piles | Tuesday |", "| Piles |")
    page = client.post(write_url(demo_article), {"text": broken, "action": "publish"})
    assert page.status_code == 200
    assert "line 10" in page.content.decode()
    assert broken in page.content.decode()  # the editor's text is kept to fix
    assert everything_written() == before


@pytest.mark.django_db
def test_an_editor_publishes_a_follow_up_from_the_page(client, editor, demo_article):
    client.force_login(editor)
    response = client.post(write_url(demo_article), {"text": FOLLOWUP_TEXT, "action": "publish"})
    piece = Article.objects.get(title="Bridge Works Begin")
    assert response["Location"] == reverse("admin:articles_article_change", args=[piece.pk])
    assert piece.is_published
    assert piece.story_id == demo_article.pk


@pytest.mark.django_db
def test_scheduling_asks_for_the_time(client, editor):
    client.force_login(editor)
    page = client.post(write_url(), {"text": FOLLOWUP_TEXT, "action": "schedule"})
    assert "Give the time to publish it." in page.content.decode()
    assert not Article.objects.filter(title__contains="Bridge Works").exists()


@pytest.mark.django_db
def test_a_moderator_cannot_write(client, moderator):
    client.force_login(moderator)
    assert client.post(write_url(), {"text": FOLLOWUP_TEXT, "action": "publish"}).status_code == 403
    assert not Article.objects.filter(title__contains="Bridge Works").exists()


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(write_url(), {"text": FOLLOWUP_TEXT, "action": "publish"}).status_code == 403
    assert not Article.objects.filter(title__contains="Bridge Works").exists()


# A follow-up answers questions of the story's earlier pieces


def story_poll(demo_article):
    return demo_article.polls.order_by("position").first()


@pytest.mark.django_db
def test_a_follow_up_offers_the_polls_of_the_storys_published_pieces(client, editor, demo_article):
    poll = story_poll(demo_article)
    client.force_login(editor)
    page = client.get(write_url(demo_article)).content.decode()
    assert "Questions this piece answers" in page
    assert f'type="checkbox" name="answers" value="{poll.pk}"' in page
    assert "Questions this piece answers" not in client.get(write_url()).content.decode()


@pytest.mark.django_db
def test_the_chosen_questions_are_recorded_as_answered(client, editor, demo_article):
    poll = story_poll(demo_article)
    client.force_login(editor)
    client.post(
        write_url(demo_article),
        {"text": FOLLOWUP_TEXT, "answers": [poll.pk], "action": "draft"},
    )
    piece = Article.objects.get(title="Bridge Works Begin")
    assert list(piece.questions.values_list("poll_id", "answers", "show_results")) == [
        (poll.pk, True, True)
    ]


@pytest.mark.django_db
def test_a_published_follow_up_tells_the_readers_who_voted_on_the_question(
    client, editor, demo_article, django_user_model
):
    poll = story_poll(demo_article)
    reader = django_user_model.objects.create_user("voter", "voter@example.com", "pw")
    Vote.objects.create(poll=poll, choice=poll.choices.first(), user=reader)
    client.force_login(editor)
    client.post(
        write_url(demo_article), {"text": FOLLOWUP_TEXT, "answers": [poll.pk], "action": "publish"}
    )
    piece = Article.objects.get(title="Bridge Works Begin")
    tell_followers(piece.pk)
    assert FollowupNotice.objects.filter(followup=piece, user=reader).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["stranger", "999999", "abc"])
def test_a_question_from_outside_the_story_is_a_form_error_and_nothing_is_saved(
    client, editor, demo_article, bad
):
    other = save(
        FOLLOWUP_TEXT.replace("Bridge Works Begin", "Another Story"),
        status=Article.Status.PUBLISHED,
    )
    if bad == "stranger":
        bad = str(other.polls.get().pk)
    client.force_login(editor)
    before = everything_written()
    page = client.post(
        write_url(demo_article), {"text": FOLLOWUP_TEXT, "answers": [bad], "action": "publish"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Select a valid choice. {bad} is not one" in html or f"“{bad}” is not a valid" in html
    assert everything_written() == before


@pytest.mark.django_db
def test_the_service_refuses_a_question_from_outside_the_story(demo_article):
    other = save(
        FOLLOWUP_TEXT.replace("Bridge Works Begin", "Another Story"),
        status=Article.Status.PUBLISHED,
    )
    before = everything_written()
    with pytest.raises(WritingRefused, match="earlier pieces"):
        save(
            FOLLOWUP_TEXT,
            follows=demo_article,
            status=Article.Status.DRAFT,
            answers=[other.polls.get()],
        )
    assert everything_written() == before


@pytest.mark.django_db
def test_an_unpublished_piece_of_the_story_offers_no_question(demo_article):
    draft = save(FOLLOWUP_TEXT, follows=demo_article, status=Article.Status.DRAFT)
    offered = set(earlier_polls(demo_article).values_list("pk", flat=True))
    assert offered == set(demo_article.polls.values_list("pk", flat=True))
    assert not offered & set(draft.polls.values_list("pk", flat=True))


# The preview shows each reader question as the poll card readers will see


def preview_of(client, text):
    html = client.post(
        write_url(), {"text": text, "action": "preview"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert html.lstrip().startswith('<div id="preview"')
    return html


@pytest.mark.django_db
def test_a_reader_question_is_previewed_as_its_poll_card_in_place(client, editor):
    client.force_login(editor)
    html = preview_of(client, FOLLOWUP_TEXT)
    card = html[html.index('<section class="poll poll--preview"') :]
    assert html.index("<h2>Reader Questions</h2>") < html.index('class="poll poll--preview"')
    assert '<p class="poll__question"' in card
    assert "Should the works run at night?" in card
    for answer in ["Yes", "No", "Not sure"]:
        assert f'<span class="result__text">{answer}</span>' in card
    assert "0 readers voted." in card
    assert "<form" not in html  # nobody votes in a preview
    assert not Article.objects.filter(title__contains="Bridge Works").exists()


@pytest.mark.django_db
def test_a_choice_and_an_open_question_are_previewed_with_their_answers(client, editor):
    client.force_login(editor)
    text = FOLLOWUP_TEXT.replace(
        "Should the works run at night?",
        "Which day: Monday, Tuesday or Friday?\nWhat should the bridge be called?",
    )
    html = preview_of(client, text)
    assert html.count('class="poll poll--preview"') == 2
    choice_card, open_card = html.split("What should the bridge be called?")
    for day in ["Monday", "Tuesday", "Friday"]:
        assert f'<span class="result__text">{day}</span>' in choice_card
    assert "No answers yet: readers propose them." in open_card
    assert "result__text" not in open_card


# Markdown: the same article, written the way many editors already write


MARKDOWN_TEXT = """# Follow-up: Bridge Works Begin

The first piles went in on **Tuesday**,
says [the city](https://example.com/city).

## What Happened

| Stage | Date |
| --- | --- |
| Piles | Tuesday |

- Piles driven
- Deck ordered

### Next Steps

1. Night works decided
2. Deck laid

## Reader questions

- Should the works run at night?
- Which day: Monday, Tuesday or Friday?

What should the bridge be called?

Keywords: bridge, works.
"""


def test_markdown_parses_into_the_same_briefing_structure():
    draft = parse(MARKDOWN_TEXT, syntax="markdown")
    assert draft.error == ""
    briefing = draft.briefing
    assert briefing.title == "Follow-up: Bridge Works Begin"
    assert [(s.title, s.level) for s in briefing.sections] == [
        (None, 1),
        ("What Happened", 2),
        ("Next Steps", 3),
        ("Reader questions", 2),
    ]
    lead, happened, steps, asked = briefing.sections
    assert [b.text for b in lead.blocks] == [
        "The first piles went in on Tuesday, says the city (https://example.com/city)."
    ]
    table, bullets = happened.blocks
    assert (table.type, table.header, table.rows) == (
        "table",
        ("Stage", "Date"),
        (("Piles", "Tuesday"),),
    )
    assert (bullets.type, bullets.items) == ("list", ("Piles driven", "Deck ordered"))
    assert steps.blocks[0].items == ("Night works decided", "Deck laid")
    assert [(q.text, q.kind) for q in briefing.questions] == [
        ("Should the works run at night?", "yes_no"),
        ("Which day: Monday, Tuesday or Friday?", "choice"),
        ("What should the bridge be called?", "open"),
    ]
    assert [b.type for b in asked.blocks] == ["question"] * 3
    assert briefing.keywords == ("bridge", "works")
    assert briefing.warnings == ()


def test_a_follow_up_in_markdown_drops_the_label_too(demo_article):
    assert parse(MARKDOWN_TEXT, follows=demo_article, syntax="markdown").briefing.title == (
        "Bridge Works Begin"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Line 1: start with the title"),
        ("Some words\n\n# Title\n", "Line 1: start with the title"),
        ("# Title\n\nText.\n\n# Another\n", "Line 5: a second “# ” title"),
        ("# Title\n\n| a | b |\n| - | - |\n| 1 |\n", "Table row on line 5 has 1 cells"),
        ("# Title\n\n| a | b |\n| - | - |\n| 1 | 2 | 3 |\n", "Table row on line 5 has 3 cells"),
    ],
)
def test_markdown_errors_name_their_line(text, error):
    draft = parse(text, syntax="markdown")
    assert draft.briefing is None
    assert error in draft.error


def test_markdown_without_an_article_kind_is_kept_as_text_with_a_warning():
    draft = parse("# Title\n\n> Quoted.\n\n```\ncode\n```\n\n- a\n  - b\n", syntax="markdown")
    assert [b.text or b.items for b in draft.briefing.sections[0].blocks] == [
        "Quoted.",
        "code",
        ("a", "b"),
    ]
    assert len(draft.warnings) == 4  # quote, code block, nested list, no keywords


@pytest.mark.django_db
def test_an_editor_previews_and_publishes_markdown_from_the_page(client, editor, demo_article):
    client.force_login(editor)
    data = {"text": MARKDOWN_TEXT, "syntax": "markdown", "action": "preview"}
    page = client.post(write_url(demo_article), data).content.decode()
    assert "<h1>Bridge Works Begin</h1>" in page
    assert '<th scope="row" data-label="Stage">Piles</th>' in page
    assert page.count('class="poll poll--preview"') == 3
    assert '<input type="radio" name="syntax" value="markdown" id="id_syntax_1" checked>' in page
    assert not Article.objects.filter(title="Bridge Works Begin").exists()

    client.post(write_url(demo_article), {**data, "action": "publish"})
    piece = Article.objects.get(title="Bridge Works Begin")
    assert piece.is_published
    assert piece.keywords == ["bridge", "works"]
    assert piece.polls.count() == 3
    assert [s.title for s in piece.sections.order_by("position")][-1] == "Reader questions"


@pytest.mark.django_db
def test_an_unknown_syntax_is_a_form_error(client, editor):
    client.force_login(editor)
    page = client.post(write_url(), {"text": MARKDOWN_TEXT, "syntax": "rtf", "action": "publish"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert not Article.objects.filter(title__contains="Bridge Works").exists()
