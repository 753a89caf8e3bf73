"""The article's body is drawn once per version of its text (articles.body), and every
way an editor changes the text shows on the very next page, while each reader still gets
their own poll cards."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import slugify

from articles import body as article_body
from articles.briefing import parse_briefing
from articles.importer import import_briefing
from articles.models import Article, Block
from polls.models import Poll
from polls.placement import add_poll_after_block
from tests.articles.test_corrections import form_values, save_article, save_first_block
from tests.conftest import DEMO_BRIEFING

pytestmark = pytest.mark.django_db

SECTION = "Key Facts at a Glance"


def page(client, article) -> str:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def published_beside(demo_article, title, **fields) -> Article:
    """Another published article, out when the demo article is."""
    return Article.objects.create(
        title=title,
        slug=slugify(title),
        status=Article.Status.PUBLISHED,
        published_at=demo_article.published_at,
        **fields,
    )


def body_queries(client, article) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        page(client, article)
    return [
        q["sql"] for q in queries if "articles_section" in q["sql"] or "articles_block" in q["sql"]
    ]


def test_the_body_is_read_and_drawn_once_for_every_reader(client, reader, demo_article):
    assert body_queries(client, demo_article)  # the first page draws it
    assert body_queries(client, demo_article) == []
    client.force_login(reader)
    assert body_queries(client, demo_article) == []


def test_each_reader_still_sees_their_own_vote_in_the_stored_body(client, demo_article):
    poll = Poll.objects.filter(article=demo_article, block__isnull=False).first()
    other = Client()
    theirs = page(other, demo_article)
    response = client.post(
        reverse("polls:vote", args=[poll.pk]), {"choice": poll.choices.first().pk}
    )
    assert response.status_code == 303
    assert "Change your vote" not in theirs
    assert "Change your vote" in page(client, demo_article)
    assert "Change your vote" not in page(other, demo_article)


def test_a_block_and_its_section_edited_in_the_admin_show_on_the_next_page(
    client, editor, demo_article
):
    section = demo_article.sections.get(title=SECTION)
    first = section.blocks.order_by("position").first()
    client.force_login(editor)
    before = page(client, demo_article)
    assert SECTION in before
    response = save_first_block(
        client,
        section,
        first.text.replace("|", "| Revised", 1),
        title="Key facts, revised",
        change_kind="silent",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = page(client, demo_article)
    assert "Key facts, revised" in after
    assert SECTION not in after
    assert "Revised" in after


def test_a_block_deleted_in_the_admin_leaves_the_next_page(client, editor, demo_article):
    section = demo_article.sections.get(title=SECTION)
    table = section.blocks.get(kind=Block.Kind.TABLE)
    client.force_login(editor)
    assert f'id="table-{table.pk}"' in page(client, demo_article)
    url = reverse("admin:articles_section_change", args=[section.pk])
    form = form_values(client, url)
    index = next(key for key, value in form.items() if value == str(table.pk))
    deleted = index.removesuffix("id") + "DELETE"
    response = client.post(url, form | {deleted: "on", "change_kind": "silent"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert f'id="table-{table.pk}"' not in page(client, demo_article)


@pytest.mark.parametrize("how", ["one block", "a queryset of blocks"])
def test_a_block_deleted_outside_the_admin_leaves_the_next_page(client, demo_article, how):
    table = demo_article.sections.get(title=SECTION).blocks.get(kind=Block.Kind.TABLE)
    shown = f'id="table-{table.pk}"'  # delete() forgets the block's id
    assert shown in page(client, demo_article)
    if how == "one block":
        table.delete()
    else:
        Block.objects.filter(pk=table.pk).delete()
    assert shown not in page(client, demo_article)


def test_a_re_import_moves_the_version_once_per_section_not_per_block(demo_article, demo_briefing):
    with CaptureQueriesContext(connection) as queries:
        import_briefing(demo_briefing, slug=demo_article.slug)
    moves = [q for q in queries if 'SET "body_version"' in q["sql"]]
    assert len(moves) == demo_article.sections.count() + 1  # and the importer's own


def test_a_section_renamed_on_the_articles_own_admin_page_shows_at_once(
    client, editor, demo_article
):
    client.force_login(editor)
    assert SECTION in page(client, demo_article)
    url = reverse("admin:articles_article_change", args=[demo_article.pk])
    form = form_values(client, url)
    title = next(key for key, value in form.items() if value == SECTION)
    response = save_article(client, demo_article, **{title: "At a glance", "change_kind": "silent"})
    assert response.status_code == 302, response.content.decode()[:2000]
    after = page(client, demo_article)
    assert ">At a glance<" in after
    assert SECTION not in after


def test_a_re_imported_briefing_shows_its_new_text_at_once(client, demo_article):
    assert SECTION in page(client, demo_article)
    import_briefing(
        parse_briefing(DEMO_BRIEFING.read_text().replace(SECTION, "The facts")),
        slug=demo_article.slug,
    )
    after = page(client, demo_article)
    assert ">The facts<" in after
    assert SECTION not in after


def test_a_poll_placed_after_a_block_shows_its_card_where_it_was_placed(client, demo_article):
    section = demo_article.sections.get(title=SECTION)
    table = section.blocks.get(kind=Block.Kind.TABLE)
    before = page(client, demo_article)
    poll = add_poll_after_block(
        block=table,
        question="Should the border be surveyed again?",
        kind=Poll.Kind.YES_NO,
        choices=[],
        results_visibility=Poll.ResultsVisibility.ALWAYS,
        closes_at=None,
    )
    after = page(client, demo_article)
    assert f'id="poll-{poll.pk}"' not in before
    card = after.index(f'id="poll-{poll.pk}"')
    following = demo_article.sections.get(position=section.position + 1)
    assert after.index(f'id="table-{table.pk}"') < card < after.index(f'id="{following.anchor}"')


def test_a_poll_taken_off_its_block_leaves_the_page_at_once(client, demo_article):
    poll = Poll.objects.filter(article=demo_article, block__isnull=False).first()
    card = f'id="poll-{poll.pk}"'  # delete() forgets the poll's id
    assert card in page(client, demo_article)
    poll.delete()
    assert card not in page(client, demo_article)


def test_an_article_saved_from_an_old_copy_does_not_bring_its_old_body_back(client, demo_article):
    stale = Article.objects.get(pk=demo_article.pk)
    page(client, demo_article)
    block = Block.objects.filter(section__article=demo_article, kind="paragraph").first()
    block.text = "A paragraph rewritten after the copy was read."
    block.save()
    stale.title = "A new headline"
    stale.save()
    after = page(client, demo_article)
    assert "A new headline" in after
    assert "A paragraph rewritten after the copy was read." in after


def test_an_article_loaded_in_part_saves_only_what_it_loaded(
    demo_article, django_assert_num_queries
):
    partial = Article.objects.only("title", "follows").get(pk=demo_article.pk)
    partial.title = "A new headline"
    with django_assert_num_queries(1):  # the UPDATE, with no read of the fields left out
        partial.save()
    assert Article.objects.get(pk=demo_article.pk).title == "A new headline"


def test_a_follow_up_without_a_body_shows_its_lead_and_then_its_body_when_written(
    client, demo_article
):
    followup = published_beside(
        demo_article,
        "Talks resume",
        lead="The two sides meet again on Monday.",
        follows=demo_article,
    )
    assert '<div class="lead"><p>The two sides meet again on Monday.</p></div>' in page(
        client, followup
    )
    section = followup.sections.create(position=0, title="", anchor="lead")
    section.blocks.create(position=0, kind="paragraph", text="The two sides meet again on Monday.")
    section.blocks.create(position=1, kind="paragraph", text="Both delegations confirmed.")
    after = page(client, followup)
    assert after.count("The two sides meet again on Monday.</p>") == 1
    assert "<p>Both delegations confirmed.</p>" in after


def test_an_article_opening_with_a_heading_shows_its_lead_above_it_unless_its_text_has_it(
    client, demo_article
):
    article = published_beside(demo_article, "Border survey", lead="Surveyors start on Monday.")
    section = article.sections.create(position=0, title="What happens", anchor="what-happens")
    section.blocks.create(position=0, kind="paragraph", text="Both teams meet at the border.")
    assert '<div class="lead"><p>Surveyors start on Monday.</p></div>' in page(client, article)
    section.blocks.create(position=1, kind="paragraph", text="Surveyors start on Monday.")
    after = page(client, article)
    assert '<div class="lead">' not in after
    assert after.count("Surveyors start on Monday.</p>") == 1


def test_an_unavailable_cache_costs_a_drawing_not_the_page(client, demo_article, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert SECTION in page(client, demo_article)


def test_editor_text_cannot_pose_as_a_slot(client, demo_article):
    block = Block.objects.filter(section__article=demo_article, kind="paragraph").first()
    block.text = "<!--slot:poll:1--> and <!--slot:results:1-->"
    block.save()
    html = page(client, demo_article)
    assert "&lt;!--slot:poll:1--&gt; and &lt;!--slot:results:1--&gt;" in html
    assert article_body.SLOT.search(html) is None
