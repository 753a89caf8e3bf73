"""Editors' picks: staff pin published comments above the discussion, with a badge."""

import pytest
from django.urls import reverse

from briefing_site import events
from comments.models import Comment
from comments.services import CommentRefused, NotAllowed, set_editors_pick
from tests.comments.conftest import HTMX

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _in_process_bus(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker
    events.reset_streams()


def strip_of(page):
    start = page.find('class="picks"')
    return page[start : page.index("</section>", start)] if start >= 0 else ""


def test_an_editor_picks_a_comment_from_the_page_and_readers_see_the_strip(
    client, editor, reader, say, demo_article
):
    comment = say(reader, "The **observers** matter most.")
    client.force_login(editor)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Make an editors’ pick" in page
    response = client.post(reverse("comments:pick", args=[comment.pk]), headers=HTMX)
    assert "Remove from editors’ picks" in response.content.decode()

    client.logout()
    page = client.get(demo_article.get_absolute_url()).content.decode()
    strip = strip_of(page)
    assert "<strong>observers</strong>" in strip
    assert "reader" in strip
    assert "Make an editors’ pick" not in page
    updated = [e for e in events.history(demo_article.pk, None) if e.kind == "comment.updated"]
    assert "Editors’ pick" in updated[-1].payload["html"]


def test_readers_cannot_pick(client, reader, other_reader, say):
    comment = say(other_reader, "Pick me.")
    client.force_login(reader)
    assert client.post(reverse("comments:pick", args=[comment.pk])).status_code == 403
    assert not Comment.objects.get(pk=comment.pk).featured
    with pytest.raises(NotAllowed):
        set_editors_pick(comment=comment, actor=reader, picked=True)


def test_only_published_comments_are_picked(moderator, reader, say):
    pending = say(reader, "Not yet.", approved=False)
    Comment.objects.filter(pk=pending.pk).update(status=Comment.Status.HELD)
    pending.refresh_from_db()
    with pytest.raises(CommentRefused):
        set_editors_pick(comment=pending, actor=moderator, picked=True)


def test_a_moderator_unpicks_in_the_admin(client, moderator, reader, say, demo_article):
    comment = say(reader, "Was a pick.")
    set_editors_pick(comment=comment, actor=moderator, picked=True)
    client.force_login(moderator)
    client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "unpick", "_selected_action": [comment.pk]},
    )
    assert not Comment.objects.get(pk=comment.pk).featured
    assert strip_of(client.get(demo_article.get_absolute_url()).content.decode()) == ""


def test_the_strip_costs_one_query_however_many_picks(
    client, moderator, reader, say, demo_article, django_assert_max_num_queries
):
    for n in range(8):
        set_editors_pick(comment=say(reader, f"Pick {n}."), actor=moderator, picked=True)
    with django_assert_max_num_queries(9):
        page = client.get(demo_article.get_absolute_url()).content.decode()
    assert strip_of(page).count('class="pick"') == 5
