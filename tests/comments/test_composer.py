"""The composer guides the reader: a preview rendered as the comment will be published,
the length limit (a too-long text keeps the text and says so), the community
guidelines, the edit window after posting; and what the reader did stays told
(Reported, Log in to like, a stance that could not be shown, refusals on a site page)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from comments.models import Comment
from comments.rendering import MAX_BODY_LENGTH
from polls.voting import Voter, cast_vote

from .conftest import HTMX

MARKDOWN = "A *careful* point, with a [source](https://example.org/report) and `code`.\n\n> quoted"


def post_url(article):
    return reverse("comments:post", args=[article.slug])


def textarea_of(page: str, field_id: str) -> str:
    match = re.search(rf'<textarea name="body" id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea #{field_id}"
    return match.group(1)


def preview_of(page: str) -> str:
    match = re.search(r'<div class="comment__body">(.*?)</div>\s*</section>', page, re.S)
    assert match, "no preview"
    return match.group(1)


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


# Preview


def test_with_htmx_the_preview_is_the_html_the_comment_is_published_with(
    signed_in, reader, demo_article
):
    response = signed_in.post(
        post_url(demo_article), {"body": MARKDOWN, "preview": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "Preview: not posted yet" in fragment
    assert not Comment.objects.exists()

    signed_in.post(post_url(demo_article), {"body": MARKDOWN})
    assert preview_of(fragment) == Comment.objects.get().body_html


def test_without_javascript_preview_shows_the_page_again_with_the_text_kept(
    signed_in, demo_article
):
    response = signed_in.post(post_url(demo_article), {"body": MARKDOWN, "preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page
    assert "Preview: not posted yet" in page
    assert "<em>careful</em>" in preview_of(page)
    assert textarea_of(page, "body-article") == MARKDOWN.replace(">", "&gt;")
    assert not Comment.objects.exists()


def test_the_preview_sanitizes_as_the_published_comment_does(signed_in, demo_article):
    hostile = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    fragment = signed_in.post(
        post_url(demo_article), {"body": hostile, "preview": "1"}, headers=HTMX
    ).content.decode()
    preview = preview_of(fragment)
    assert "<script" not in preview
    assert "<img" not in preview
    assert 'href="javascript' not in preview
    assert "&lt;script&gt;" in preview


def test_a_reply_and_an_edit_preview_too(signed_in, reader, other_reader, say):
    parent = say(other_reader, "Open to replies")
    fragment = signed_in.post(
        parent.urls["reply"], {"body": "**Bold** reply", "preview": "1"}, headers=HTMX
    ).content.decode()
    assert "<strong>Bold</strong> reply" in fragment
    mine = say(reader, "My first words")
    page = signed_in.post(mine.urls["edit"], {"body": "My _second_ words", "preview": "1"})
    assert page.status_code == 200
    assert "<em>second</em>" in preview_of(page.content.decode())
    assert Comment.objects.get(pk=mine.pk).body == "My first words"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_an_empty_preview_says_what_is_missing(signed_in, demo_article, headers):
    response = signed_in.post(
        post_url(demo_article), {"body": "  ", "preview": "1"}, headers=headers
    )
    assert response.status_code == 422
    assert "Write something before posting." in response.content.decode()


def test_previews_do_not_use_up_the_readers_posts_but_have_their_own_limit(
    signed_in, demo_article, settings
):
    settings.COMMENT_RATE_PER_READER = "1/h"
    settings.COMMENT_PREVIEW_RATE_PER_READER = "3/h"
    for _ in range(3):
        response = signed_in.post(
            post_url(demo_article), {"body": "Draft", "preview": "1"}, headers=HTMX
        )
        assert response.status_code == 200
    limited = signed_in.post(
        post_url(demo_article), {"body": "Draft", "preview": "1"}, headers=HTMX
    )
    assert limited.status_code == 429
    assert "previews too fast" in limited.content.decode()
    assert signed_in.post(post_url(demo_article), {"body": "Now posted"}).status_code == 303


# Length


def test_the_composer_states_the_limit_and_cuts_nothing_short(signed_in, demo_article):
    page = signed_in.get(demo_article.get_absolute_url()).content.decode()
    assert "Up to 5,000 characters." in page
    assert f'data-max-length="{MAX_BODY_LENGTH}"' in page
    assert 'maxlength="5000"' not in page  # a browser would cut a pasted text without a word


@pytest.mark.parametrize("length", [MAX_BODY_LENGTH + 1, MAX_BODY_LENGTH * 3])
def test_without_javascript_a_too_long_comment_keeps_the_text_and_says_so(
    signed_in, demo_article, length
):
    text = "word " * (length // 5) + "x" * (length % 5)
    response = signed_in.post(post_url(demo_article), {"body": text})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Keep your comment to 5,000 characters" in page
    assert 'class="form-error"' in page
    assert textarea_of(page, "body-article") == text
    assert not Comment.objects.exists()


def test_with_htmx_a_too_long_comment_comes_back_in_its_form_with_the_text(signed_in, demo_article):
    text = "y" * (MAX_BODY_LENGTH + 10)
    response = signed_in.post(post_url(demo_article), {"body": text}, headers=HTMX)
    assert response.status_code == 422
    page = response.content.decode()
    assert "it has 5,010" in page
    assert textarea_of(page, "body-article") == text


# Guidelines and the edit window


def test_the_composer_links_the_community_guidelines_and_names_the_edit_window(
    signed_in, demo_article
):
    page = signed_in.get(demo_article.get_absolute_url()).content.decode()
    composer = page[page.index('id="compose-article"') :]
    composer = composer[: composer.index("</form>")]
    assert f'href="{reverse("guidelines")}"' in composer
    assert "you can edit a comment for 15 minutes after posting" in composer


def test_after_posting_the_author_is_told_how_long_they_can_edit(signed_in, demo_article):
    fragment = signed_in.post(
        post_url(demo_article), {"body": "Just posted"}, headers=HTMX
    ).content.decode()
    assert "You can edit this for 15 minutes" in fragment
    page = signed_in.get(demo_article.get_absolute_url()).content.decode()
    assert "You can edit this for 15 minutes" in page


def test_the_edit_window_counts_down_and_goes(signed_in, demo_article, reader, say):
    comment = say(reader, "Posted a while ago")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=comment.created_at - dt.timedelta(minutes=14, seconds=30)
    )
    page = signed_in.get(demo_article.get_absolute_url()).content.decode()
    assert "You can edit this for 1 more minute" in page
    Comment.objects.filter(pk=comment.pk).update(
        created_at=comment.created_at - dt.timedelta(minutes=16)
    )
    assert (
        "You can edit this" not in signed_in.get(demo_article.get_absolute_url()).content.decode()
    )


# Reported, log in to like, the stance


def test_after_reporting_the_reader_sees_reported_instead_of_report(
    client, reader, other_reader, say
):
    comment = say(other_reader, "Reportable")
    client.force_login(reader)
    page = client.get(comment.article.get_absolute_url()).content.decode()
    assert f'id="report-{comment.pk}">Report</a>' in page
    fragment = client.post(
        comment.urls["report"], {"reason": "spam"}, headers=HTMX
    ).content.decode()
    assert "Thanks: the moderators will look at it." in fragment
    reported = f'id="report-{comment.pk}" hx-swap-oob="true">Reported</span>'
    assert reported in fragment
    page = client.get(comment.article.get_absolute_url()).content.decode()
    assert f'id="report-{comment.pk}">Reported</span>' in page
    assert f'href="{comment.urls["report"]}"' not in page
    again = client.get(comment.urls["report"]).content.decode()
    assert "You reported this comment already" in again
    # Others still may report it.
    client.force_login(other_reader)
    other = say(reader, "Another")
    assert (
        f'id="report-{other.pk}">Report</a>'
        in client.get(comment.article.get_absolute_url()).content.decode()
    )


def test_anonymous_readers_are_asked_to_log_in_to_like(client, reader, other_reader, say):
    comment = say(other_reader, "Likeable")
    client.force_login(reader)
    client.post(comment.urls["like"])
    client.logout()
    page = client.get(comment.article.get_absolute_url()).content.decode()
    entry = page[page.index(f'id="c{comment.pk}"') :]
    entry = entry[: entry.index("</footer>")]
    assert '<span class="like-count">1 like</span>' in entry
    assert "Log in to like</a>" in entry
    assert "/accounts/login/?next=" in entry


def test_a_non_voter_who_asks_to_show_their_answer_is_told_why_none_shows(
    client, reader, demo_article
):
    poll = demo_article.polls.get(kind="yes_no")
    client.force_login(reader)
    data = {"body": "Undecided", "poll": poll.pk, "show_stance": "on"}
    fragment = client.post(post_url(demo_article), data, headers=HTMX).content.decode()
    assert "you have not answered this question" in fragment
    response = client.post(post_url(demo_article), {**data, "body": "Still undecided"}, follow=True)
    assert "you have not answered this question" in response.content.decode()
    # A voter is not told anything of the kind.
    cast_vote(poll=poll, choice_id=poll.choices.first().pk, voter=Voter(user_id=reader.pk))
    fragment = client.post(
        post_url(demo_article), {**data, "body": "Decided now"}, headers=HTMX
    ).content.decode()
    assert "you have not answered" not in fragment


def test_a_reply_from_a_non_voter_showing_their_answer_is_told_too(
    client, reader, other_reader, say, demo_article
):
    poll = demo_article.polls.get(kind="yes_no")
    parent = say(other_reader, "On the question", poll=poll)
    client.force_login(reader)
    fragment = client.post(
        parent.urls["reply"], {"body": "Me too", "show_stance": "on"}, headers=HTMX
    ).content.decode()
    assert "you have not answered this question" in fragment


# Refusals


@pytest.mark.parametrize(
    ("ask", "status", "sentence"),
    [
        ("broken cursor", 400, "That page of comments does not exist."),
        ("like own comment", 422, "You cannot like your own comment."),
        ("pick as a reader", 403, "Only editors and moderators choose editors"),
        ("edit after the window", 409, "this one no longer can"),
    ],
)
def test_refusals_are_the_sites_own_page_with_the_sentence(
    client, reader, say, demo_article, ask, status, sentence
):
    comment = say(reader, "Mine")
    client.force_login(reader)
    if ask == "broken cursor":
        response = client.get(
            reverse("comments:discussion", args=[demo_article.slug]), {"after": "%%%"}
        )
    elif ask == "like own comment":
        response = client.post(comment.urls["like"])
    elif ask == "pick as a reader":
        response = client.post(comment.urls["pick"])
    else:
        Comment.objects.filter(pk=comment.pk).update(
            created_at=comment.created_at - dt.timedelta(hours=1)
        )
        response = client.get(comment.urls["edit"])
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert sentence in page
    assert '<header class="site-header">' in page
    assert "Back to the latest briefings" in page
