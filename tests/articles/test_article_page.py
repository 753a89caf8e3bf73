import itertools
import re

import pytest
from django.conf import settings
from django.urls import reverse

from articles.body import body_changed
from articles.models import Article, Block
from polls.models import Poll


@pytest.fixture
def page(client, demo_article):
    response = client.get(demo_article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_headline_as_the_only_h1(page, demo_article):
    assert re.findall(r"<h1[ >]", page) == ["<h1 "]
    assert "Breaking: ASEAN Urges Restraint as Thai‑Cambodian Border Talks Kick Off" in page


def test_it_has_landmarks_and_a_skip_link(page):
    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert "<header" in page
    assert "<footer" in page
    assert '<nav class="toc"' in page


def test_the_table_of_contents_links_to_every_section_anchor(page, demo_article):
    anchors = re.findall(r'<li class="toc__item[^"]*"><a href="#([^"]+)"', page)
    assert len(anchors) == 15  # every ToC entry but the headline itself
    for anchor in anchors:
        assert f'<section id="{anchor}"' in page


def test_headings_never_skip_a_level(page):
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", page)]
    assert levels[0] == 1
    for previous, current in itertools.pairwise(levels):
        assert current <= previous + 1, levels


def test_numbered_subsections_are_third_level_headings(page):
    assert re.search(r"<h3 [^>]*>1\. Border Security &amp; Confidence‑Building</h3>", page)


def test_tables_have_captions_and_header_cells(page):
    tables = re.findall(r"<table[ >].*?</table>", page, flags=re.S)
    assert len(tables) == 2
    assert "<caption" in tables[0]
    assert "Key Facts at a Glance" in tables[0]
    assert "Thailand‑Cambodia Defence talks: Timeline &amp; Core Agenda" in tables[1]
    assert '<th scope="col">Aspect</th>' in tables[0]
    assert '<th scope="row" data-label="Aspect">Border length involved</th>' in tables[0]
    assert '<td data-label="Detail">Approximately 817 kilometers (508 miles)</td>' in tables[0]
    assert tables[1].count('<th scope="col">') == 4


def test_lists_keep_their_items(page):
    assert "<li>Non‑use of force in disputed zones</li>" in page


def test_text_is_kept_as_written(page):
    assert "the safe return of peopel displaced" in page
    assert "the bloc’s chair malaysia" in page


def test_reader_questions_appear_in_place_as_polls(page, demo_article):
    yes_no = Poll.objects.get(article=demo_article, kind=Poll.Kind.YES_NO)
    open_question = Poll.objects.get(article=demo_article, kind=Poll.Kind.OPEN)
    poll_at = page.index(f'id="poll-{yes_no.pk}"')
    assert page.index('id="reader-questions"') < poll_at < page.index('id="summary-of')
    assert poll_at < page.index(f'id="poll-{open_question.pk}"') < page.index("Share your thoughts")
    for answer in ["Yes", "No", "Not sure"]:
        assert re.search(
            rf'<input type="radio" name="choice" value="\d+" required> {answer}</label>', page
        )
    assert "No answers yet: propose the first one." in page


def test_keywords_are_shown_as_tags_that_lead_to_their_topics(page):
    assert '<li class="tag"><a href="/topics/asean-restraint/">ASEAN restraint</a></li>' in page
    assert (
        '<li class="tag"><a href="/topics/counter-terrorism-cooperation/">'
        "counter‑terrorism cooperation</a></li>"
    ) in page


def test_it_has_canonical_and_social_meta(page, demo_article):
    url = f"{settings.SITE_URL}{demo_article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Breaking: ASEAN Urges Restraint' in page
    assert '<meta property="og:description" content="Regional leaders are pressing' in page
    assert '<meta name="twitter:card" content="summary">' in page


def test_user_text_is_escaped(client, demo_article):
    block = Block.objects.filter(section__article=demo_article, kind=Block.Kind.PARAGRAPH).first()
    block.text = '<script>alert("x")</script>'
    block.save()
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_a_draft_is_hidden_from_readers(client, reader, demo_article):
    demo_article.status = Article.Status.DRAFT
    demo_article.save()
    assert client.get(demo_article.get_absolute_url()).status_code == 404
    client.force_login(reader)
    assert client.get(demo_article.get_absolute_url()).status_code == 404


def test_editors_preview_a_draft_and_get_an_admin_link(client, editor, demo_article):
    demo_article.status = Article.Status.DRAFT
    demo_article.save()
    client.force_login(editor)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Preview: this article is draft" in page
    assert reverse("admin:articles_article_change", args=[demo_article.pk]) in page
    assert '<meta name="robots" content="noindex">' in page


def test_moderators_get_a_link_to_look_at_it_in_the_admin(client, moderator, demo_article):
    client.force_login(moderator)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Open in admin" in page
    assert "Edit in admin" not in page


def test_readers_get_no_admin_link(client, reader, demo_article):
    client.force_login(reader)
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "/admin/" not in page


def test_an_unknown_slug_is_not_found(client, db):
    assert client.get("/articles/no-such-briefing/").status_code == 404


def test_the_query_count_does_not_grow_with_the_article(
    client, demo_article, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        client.get(demo_article.get_absolute_url())
    section = demo_article.sections.last()
    Block.objects.bulk_create(
        Block(
            section=section, position=100 + index, kind=Block.Kind.PARAGRAPH, text=f"More {index}"
        )
        for index in range(200)
    )
    body_changed(demo_article.pk)  # as the importer does after its bulk_create
    with django_assert_max_num_queries(9):
        response = client.get(demo_article.get_absolute_url())
    assert "More 199" in response.content.decode()
