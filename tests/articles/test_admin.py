import pytest
from django.urls import reverse

from articles.models import Block

pytestmark = pytest.mark.django_db


def block_formset(section, **changes):
    """The section change form's POST data, with one block's fields replaced."""
    blocks = list(section.blocks.all())
    data = {
        "article": section.article_id,
        "position": section.position,
        "title": section.title,
        "level": section.level,
        "anchor": section.anchor,
        "change_kind": "silent",  # the article is published: every save says what it is
        "blocks-TOTAL_FORMS": len(blocks),
        "blocks-INITIAL_FORMS": len(blocks),
        "blocks-MIN_NUM_FORMS": 0,
        "blocks-MAX_NUM_FORMS": 1000,
    }
    for index, block in enumerate(blocks):
        prefix = f"blocks-{index}-"
        data |= {
            prefix + "id": block.pk,
            prefix + "section": section.pk,
            prefix + "position": block.position,
            prefix + "kind": block.kind,
            prefix + "text": block.text,
        }
    for key, value in changes.items():
        data[f"blocks-0-{key}"] = value
    return data


@pytest.fixture
def list_section(demo_article):
    return demo_article.sections.get(title__startswith="Why the Talks Matter")


def test_an_editor_edits_a_list_in_briefing_markup_and_readers_see_it(client, editor, list_section):
    client.force_login(editor)
    url = reverse("admin:articles_section_change", args=[list_section.pk])
    response = client.post(url, block_formset(list_section, text="- First point\n- Second point"))
    assert response.status_code == 302
    block = list_section.blocks.get(position=0)
    assert block.data == {"items": ["First point", "Second point"]}
    page = client.get(list_section.article.get_absolute_url()).content.decode()
    assert "<li>Second point</li>" in page


def test_a_malformed_table_is_refused_with_a_message_and_nothing_changes(
    client, editor, demo_article
):
    section = demo_article.sections.get(title="Key Facts at a Glance")
    before = list(section.blocks.values_list("text", "data"))
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_section_change", args=[section.pk]),
        block_formset(section, text="just words, no table"),
    )
    assert response.status_code == 200
    assert "A table needs a header line" in response.content.decode()
    assert list(section.blocks.values_list("text", "data")) == before


def test_an_editor_changes_the_keywords_as_one_line(client, editor, demo_article):
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[demo_article.pk])
    page = client.get(url).content.decode()
    assert "Thailand defence talks, Cambodia defence talks" in page
    response = client.post(
        url,
        {
            "title": demo_article.title,
            "slug": demo_article.slug,
            "status": demo_article.status,
            "published_at_0": demo_article.published_at.strftime("%Y-%m-%d"),
            "published_at_1": demo_article.published_at.strftime("%H:%M:%S"),
            "lead": demo_article.lead,
            "keywords": "ceasefire,  ASEAN , ",
            "sections-TOTAL_FORMS": 0,
            "sections-INITIAL_FORMS": 0,
            "polls-TOTAL_FORMS": 0,
            "polls-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0,
            "questions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    demo_article.refresh_from_db()
    assert demo_article.keywords == ["ceasefire", "ASEAN"]


def test_a_moderator_can_look_but_not_edit(client, moderator, list_section):
    client.force_login(moderator)
    url = reverse("admin:articles_section_change", args=[list_section.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, block_formset(list_section, text="- Moderator was here"))
    assert response.status_code == 403
    assert "Moderator was here" not in list_section.blocks.get(position=0).text


def test_readers_and_visitors_cannot_reach_the_admin(client, reader, list_section):
    url = reverse("admin:articles_section_change", args=[list_section.pk])
    assert client.get(url).status_code == 302  # to the admin log-in
    client.force_login(reader)
    assert client.get(url).status_code == 302
    response = client.post(url, block_formset(list_section, text="- Reader was here"))
    assert response.status_code == 302
    assert Block.objects.filter(text__contains="Reader was here").count() == 0


def test_the_article_admin_links_to_the_page(client, editor, demo_article):
    client.force_login(editor)
    page = client.get(
        reverse("admin:articles_article_change", args=[demo_article.pk])
    ).content.decode()
    assert "View on site" in page
    assert "Do you believe regional blocs like ASEAN" in page  # its polls, inline
