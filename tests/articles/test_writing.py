"""Editors writing in the admin: a follow-up's title never carries the label twice."""

import pytest
from django.urls import reverse

from articles.models import Article
from articles.writing import followup_title


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
