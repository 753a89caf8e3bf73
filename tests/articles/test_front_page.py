import datetime as dt

from django.utils import timezone

from articles.models import Article


def make_article(title, *, days_ago=0, status=Article.Status.PUBLISHED):
    return Article.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        status=status,
        published_at=timezone.now() - dt.timedelta(days=days_ago),
        lead=f"Lead of {title}.",
    )


def test_it_lists_published_articles_newest_first(client, db):
    make_article("Older story", days_ago=3)
    make_article("Newest story", days_ago=0)
    make_article("Middle story", days_ago=1)
    page = client.get("/").content.decode()
    assert page.index("Newest story") < page.index("Middle story") < page.index("Older story")


def test_it_hides_drafts_and_scheduled_articles(client, db):
    make_article("Draft story", status=Article.Status.DRAFT)
    make_article("Future story", days_ago=-1)
    page = client.get("/").content.decode()
    assert "Draft story" not in page
    assert "Future story" not in page
    assert "No briefings have been published yet." in page


def test_it_shows_comment_vote_and_question_counts(client, demo_article):
    page = client.get("/").content.decode()
    assert f'href="{demo_article.get_absolute_url()}"' in page
    assert "0 comments" in page
    assert "0 votes" in page
    assert "2 reader questions" in page


def test_it_pages_through_older_articles(client, db):
    for index in range(25):
        make_article(f"Story {index}", days_ago=index)
    first = client.get("/").content.decode()
    assert first.count('class="article-card"') == 20
    assert 'href="?page=2" rel="next">Older briefings' in first
    second = client.get("/?page=2").content.decode()
    assert second.count('class="article-card"') == 5
    assert "Story 24" in second
    assert client.get("/?page=banana").status_code == 200


def test_its_query_count_does_not_grow_with_articles(client, db, django_assert_max_num_queries):
    make_article("First")
    with django_assert_max_num_queries(2):
        client.get("/")
    for index in range(60):
        make_article(f"Story {index}", days_ago=index + 1)
    with django_assert_max_num_queries(2):
        response = client.get("/")
    assert response.content.decode().count('class="article-card"') == 20
