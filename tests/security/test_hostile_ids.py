"""Ids and event ids from readers' input: ASCII digits in range, else a clear 4xx, never a 500.

str.isdigit() and int() read more than ASCII digits ("²", "①", "1_000", Arabic-Indic
digits), which the database or Redis then refuse.
"""

import pytest

from briefing_site import events

pytestmark = pytest.mark.django_db

HOSTILE_IDS = ["%C2%B2", "%E2%91%A0", "%D9%A1", "1_000", "+1", "%201", "99999999999999999999999"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
@pytest.mark.parametrize("param", ["article", "poll"])
def test_admin_poll_add_page_ignores_an_id_that_is_not_one(
    client, editor, demo_article, param, value
):
    client.force_login(editor)
    response = client.get(f"/admin/polls/poll/add/?{param}={value}")
    assert response.status_code == 200


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_admin_proposed_answer_pages_ignore_an_id_that_is_not_one(client, moderator, value):
    client.force_login(moderator)
    response = client.get(f"/admin/polls/choice/?poll__id__exact={value}")
    assert response.status_code < 500


@pytest.mark.parametrize(
    "since", ["1_000-0", "%D9%A1-0", "1-%C2%B2", "%201-0", "18446744073709551616-0", "1-0-0"]
)
def test_updates_refuse_an_event_id_that_is_not_one(client, demo_article, since):
    response = client.get(f"{demo_article.get_absolute_url()}updates/?since={since}")
    assert response.status_code == 400
    assert "event id" in response.json()["error"]


def test_event_ids_are_ascii_digits_within_64_bits():
    assert events.is_event_id("1732470000000-0")
    assert events.is_event_id("18446744073709551615-18446744073709551615")
    for value in ["1_000-0", "\u0661-0", " 1-0", "1-0 ", "18446744073709551616-0", "1-²", ""]:
        assert not events.is_event_id(value), value


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_a_discussion_of_a_question_that_is_not_one_is_not_found(client, demo_article, value):
    response = client.get(f"{demo_article.get_absolute_url()}comments/?poll={value}")
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["\N{SUPERSCRIPT TWO}", "\N{CIRCLED DIGIT ONE}", "1_000"])
def test_a_comment_posted_to_a_question_that_is_not_one_is_refused(
    client, reader, demo_article, value
):
    client.force_login(reader)
    response = client.post(
        f"{demo_article.get_absolute_url()}comments/post/",
        {"body": "Which question was that?", "poll": value},
    )
    assert response.status_code == 404
