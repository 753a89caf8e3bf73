"""Every comment action from the page: with HTMX, without, and by the wrong person."""

import datetime as dt
import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from briefing_site.models import Mute
from comments.models import Comment, Like, Report
from polls.voting import Voter, cast_vote
from tests.comments.conftest import HTMX


def post_url(article):
    return reverse("comments:post", args=[article.slug])


def test_visitors_are_asked_to_log_in_and_come_back(client, demo_article):
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "Log in to comment" in page
    assert f"/accounts/login/?next={demo_article.get_absolute_url()}" in page.replace("%2F", "/")
    response = client.post(post_url(demo_article), {"body": "hello"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_without_javascript_a_comment_is_posted_and_the_reader_sees_it_awaiting_moderation(
    client, reader, demo_article
):
    client.force_login(reader)
    response = client.post(post_url(demo_article), {"body": "A *first* thought."})
    comment = Comment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{demo_article.get_absolute_url()}#c{comment.pk}"
    assert comment.status == "pending"
    assert comment.body_html.strip() == "<p>A <em>first</em> thought.</p>"
    page = client.get(demo_article.get_absolute_url()).content.decode()
    assert "A <em>first</em> thought." in page
    assert "awaiting moderation" in page


def test_a_pending_comment_is_hidden_from_everyone_else(client, reader, other_reader, say):
    say(reader, "Not yet approved", approved=False)
    article_url = Comment.objects.get().article.get_absolute_url()
    assert "Not yet approved" not in client.get(article_url).content.decode()
    client.force_login(other_reader)
    assert "Not yet approved" not in client.get(article_url).content.decode()


def test_with_htmx_the_new_comment_is_inserted_and_the_form_emptied(client, reader, demo_article):
    client.force_login(reader)
    response = client.post(post_url(demo_article), {"body": "Live comment"}, headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    comment = Comment.objects.get()
    assert fragment.lstrip().startswith(f'<li class="comment-entry indent-1" id="c{comment.pk}"')
    assert "Live comment" in fragment
    assert 'id="compose-article" hx-swap-oob="true"' in fragment
    assert "<textarea" in fragment
    assert "Live comment</textarea>" not in fragment


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write something before posting."), ("x" * 5001, "5,000 characters")],
)
def test_a_bad_comment_keeps_the_text_and_says_why(client, reader, demo_article, body, message):
    client.force_login(reader)
    plain = client.post(post_url(demo_article), {"body": body})
    assert plain.status_code == 422
    assert message in plain.content.decode()
    htmx = client.post(post_url(demo_article), {"body": body}, headers=HTMX)
    assert htmx.status_code == 422
    assert htmx["HX-Retarget"] == "#compose-article"
    assert message in htmx.content.decode()
    assert not Comment.objects.exists()


def test_comments_are_rate_limited_per_reader(client, reader, demo_article, settings):
    settings.COMMENT_RATE_PER_READER = "2/h"
    client.force_login(reader)
    statuses = [
        client.post(post_url(demo_article), {"body": f"n{n}"}, headers=HTMX).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert Comment.objects.count() == 2


def test_a_reader_replies_inline_and_without_javascript(client, reader, other_reader, say):
    root = say(reader, "Root")
    client.force_login(other_reader)
    reply_url = reverse("comments:reply", args=[root.pk])
    form = client.get(reply_url, headers=HTMX).content.decode()
    assert f'hx-post="{reply_url}"' in form
    assert "<html" not in form
    page = client.get(reply_url).content.decode()
    assert "<html" in page
    assert "Reply to reader" in page

    fragment = client.post(reply_url, {"body": "Inline reply"}, headers=HTMX).content.decode()
    assert "Inline reply" in fragment
    assert f'id="reply-slot-{root.pk}" hx-swap-oob="true"' in fragment
    response = client.post(reply_url, {"body": "Plain reply"})
    assert response.status_code == 303
    assert [c.body for c in Comment.objects.filter(path__startswith=root.path, depth=2)] == [
        "Inline reply",
        "Plain reply",
    ]


def test_replies_to_deleted_rejected_or_foreign_comments_are_refused(
    client, reader, other_reader, say, demo_article
):
    deleted = say(reader, "deleted")
    Comment.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    waiting = say(reader, "waiting", approved=False)
    client.force_login(other_reader)
    gone = client.post(reverse("comments:reply", args=[deleted.pk]), {"body": "hi"})
    assert gone.status_code == 422
    assert "deleted" in gone.content.decode()
    hidden = client.post(reverse("comments:reply", args=[waiting.pk]), {"body": "hi"})
    assert hidden.status_code == 404  # not visible to this reader at all
    assert Comment.objects.count() == 2


def test_the_author_edits_within_the_window_and_it_shows_edited(client, reader, say):
    comment = say(reader, "Tpyo")
    client.force_login(reader)
    url = reverse("comments:edit", args=[comment.pk])
    assert "Tpyo</textarea>" in client.get(url, headers=HTMX).content.decode()
    fragment = client.post(url, {"body": "Typo fixed"}, headers=HTMX).content.decode()
    assert "Typo fixed" in fragment
    assert "edited" in fragment
    comment.refresh_from_db()
    assert comment.edited_at is not None


def test_editing_after_the_window_is_refused(client, reader, say):
    comment = say(reader, "Old words")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=16)
    )
    client.force_login(reader)
    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "New words"})
    assert response.status_code == 422
    assert "15 minutes" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Old words"


def test_nobody_else_can_edit_delete_or_like_for_the_author(client, reader, other_reader, say):
    comment = say(reader, "Mine")
    client.force_login(other_reader)
    assert (
        client.post(reverse("comments:edit", args=[comment.pk]), {"body": "x"}).status_code == 403
    )
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 403
    comment.refresh_from_db()
    assert (comment.body, comment.deleted_at) == ("Mine", None)
    # The pages say why, in the site's own page.
    for action in ("edit", "delete"):
        page = client.get(reverse(f"comments:{action}", args=[comment.pk]))
        assert page.status_code == 403
        assert "Not allowed" in page.content.decode()
        assert f"Only its author can {action} a comment." in page.content.decode()
    client.force_login(reader)
    own_like = client.post(reverse("comments:like", args=[comment.pk]))
    assert own_like.status_code == 422
    assert not Like.objects.exists()


def test_delete_leaves_a_placeholder_when_there_are_replies(client, reader, other_reader, say):
    root = say(reader, "Root")
    say(other_reader, "Answer", parent=root)
    client.force_login(reader)
    fragment = client.post(reverse("comments:delete", args=[root.pk]), headers=HTMX)
    assert "[deleted]" in fragment.content.decode()
    leaf = say(reader, "Leaf")
    gone = client.post(reverse("comments:delete", args=[leaf.pk]), headers=HTMX)
    assert gone.content == b""


def test_a_like_toggles_and_counts_once_per_reader(client, reader, other_reader, say):
    comment = say(reader, "Likeable")
    client.force_login(other_reader)
    url = reverse("comments:like", args=[comment.pk])
    first = client.post(url, headers=HTMX).content.decode()
    assert 'aria-pressed="true"' in first
    assert "Liked · 1" in first
    second = client.post(url, headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in second
    comment.refresh_from_db()
    assert comment.like_count == 0
    assert client.get(url).status_code == 405


def test_a_report_needs_a_reason_and_counts_once(client, reader, other_reader, say):
    comment = say(reader, "Questionable")
    client.force_login(other_reader)
    url = reverse("comments:report", args=[comment.pk])
    missing = client.post(url, {}, headers=HTMX)
    assert missing.status_code == 422
    assert "Choose why" in missing.content.decode()
    other = client.post(url, {"reason": "other"}, headers=HTMX)
    assert "Tell the moderators" in other.content.decode()
    done = client.post(url, {"reason": "spam"}, headers=HTMX)
    assert "the moderators will look at it" in done.content.decode()
    client.post(url, {"reason": "abuse"}, headers=HTMX)
    comment.refresh_from_db()
    assert comment.report_count == 1
    assert Report.objects.get().reason == "spam"


def test_the_permalink_page_shows_the_thread_around_the_comment(client, reader, other_reader, say):
    root = say(reader, "The root")
    reply = say(other_reader, "The reply", parent=root)
    say(reader, "The answer", parent=reply)
    page = client.get(reply.get_absolute_url()).content.decode()
    assert "Earlier in the thread" in page
    assert "The root" in page
    assert "The reply" in page
    assert "The answer" in page


def test_a_stance_badge_shows_the_commenters_own_answer_when_they_opt_in(
    client, reader, other_reader, say, demo_article
):
    poll = demo_article.polls.get(kind="yes_no")
    no = poll.choices.get(text="No")
    cast_vote(poll=poll, choice_id=no.pk, voter=Voter(user_id=reader.pk))
    cast_vote(poll=poll, choice_id=no.pk, voter=Voter(user_id=other_reader.pk))
    say(reader, "I said no", poll=poll, show_stance=True)
    say(other_reader, "Private about it", poll=poll, show_stance=False)
    page = client.get(
        reverse("comments:discussion", args=[demo_article.slug]) + f"?poll={poll.pk}"
    ).content.decode()
    assert page.count("voted: No") == 1
    assert page.index("voted: No") < page.index("I said no")


def test_sorting_is_in_the_url_and_works_with_htmx(client, reader, say, demo_article):
    say(reader, "older")
    say(reader, "newer")
    url = reverse("comments:discussion", args=[demo_article.slug])
    page = client.get(url + "?sort=oldest").content.decode()
    assert page.index("older") < page.index("newer")
    fragment = client.get(url + "?sort=newest", headers=HTMX).content.decode()
    assert fragment.index("newer") < fragment.index("older")
    assert 'aria-current="true">Newest' in fragment
    assert client.get(url + "?after=garbage!").status_code == 400


def test_counts_follow_approval_rejection_and_deletion(client, reader, say, demo_article):
    poll = demo_article.polls.get(kind="yes_no")
    say(reader, "one")
    gone = say(reader, "two")
    in_poll = say(reader, "three", poll=poll)
    demo_article.refresh_from_db()
    poll.refresh_from_db()
    assert (demo_article.comment_count, poll.comment_count) == (3, 1)
    from comments.services import delete_comment, reject_comment

    reject_comment(in_poll.pk)
    delete_comment(comment=gone, actor=reader)
    demo_article.refresh_from_db()
    poll.refresh_from_db()
    assert (demo_article.comment_count, poll.comment_count) == (1, 0)
    assert "1 comment" in client.get("/").content.decode()


def test_the_article_page_query_count_does_not_grow_with_comments(
    client, reader, other_reader, say, demo_article, django_assert_max_num_queries
):
    def add_comments(n):
        parent = None
        for i in range(n):
            author = reader if i % 2 else other_reader
            parent = say(author, f"c{i}", parent=parent if i % 3 else None)

    add_comments(10)
    # Half the comments are a muted reader's: folding them costs one query in all.
    Mute.objects.create(reader=reader, muted=other_reader)
    client.force_login(reader)
    url = demo_article.get_absolute_url()
    # 20: with the muted readers and the reader's standing, each read once. Both pages
    # are drawn from nothing: no stored body or discussion lines.
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    add_comments(1000 - 10)
    cache.clear()
    with django_assert_max_num_queries(20) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert f"You muted {other_reader.username}." in response.content.decode()


def test_the_edit_link_goes_away_when_the_window_closes(client, reader, say):
    comment = say(reader, "Fresh")
    client.force_login(reader)
    url = comment.article.get_absolute_url()
    assert f'href="/comments/{comment.pk}/edit/"' in client.get(url).content.decode()
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=16)
    )
    assert f'href="/comments/{comment.pk}/edit/"' not in client.get(url).content.decode()


def test_a_reply_must_stay_on_its_own_article(reader, other_reader, say, demo_article):
    from articles.models import Article
    from comments.services import CommentRefused, post_comment

    root = say(reader, "On the demo article")
    other = Article.objects.create(
        title="Another story",
        slug="another-story",
        status="published",
        published_at=timezone.now(),
    )
    with pytest.raises(CommentRefused, match="only reply to a comment on this article"):
        post_comment(article=other, author=other_reader, body="Cross-posted", parent=root)
    assert Comment.objects.count() == 1


def test_show_more_comments_pages_with_and_without_htmx(client, reader, say, demo_article):
    import comments.threads as threads_module

    for n in range(5):
        say(reader, f"thread {n}")
    threads_module.THREADS_PER_PAGE, original = 2, threads_module.THREADS_PER_PAGE
    try:
        page = client.get(demo_article.get_absolute_url() + "?sort=oldest").content.decode()
        more = re.search(r'<a href="([^"]+)" hx-get="[^"]+" [^>]*class="show-more"', page)[1]
        more = more.replace("&amp;", "&")
        plain = client.get(more).content.decode()
        assert "thread 2" in plain
        assert "thread 3" in plain
        assert "thread 0" not in plain
        assert "<html" in plain
        fragment = client.get(more, headers=HTMX).content.decode()
        assert "<html" not in fragment
        assert "thread 2" in fragment
    finally:
        threads_module.THREADS_PER_PAGE = original


def test_show_more_replies_with_and_without_htmx(client, reader, other_reader, say):
    root = say(reader, "Busy thread")
    for n in range(5):
        say(other_reader, f"answer {n}", parent=root)
    page = client.get(reverse("comments:discussion", args=[root.article.slug])).content.decode()
    more = re.search(r'<a href="([^"]+)" hx-get="([^"]+)"[^>]*>Show 2 more replies', page)
    plain_url, htmx_url = (html.unescape(url) for url in more.groups())

    fragment = client.get(htmx_url, headers=HTMX).content.decode()
    assert "answer 3" in fragment
    assert "answer 4" in fragment
    assert "answer 2" not in fragment

    continued = client.get(plain_url).content.decode()
    assert "Busy thread" in continued
    assert "answer 3" in continued
    assert "answer 2" not in continued
    plain = client.get(htmx_url)
    assert plain.status_code == 302
    assert plain["Location"] == plain_url


def test_like_and_report_work_without_javascript(client, reader, other_reader, say):
    comment = say(reader, "Plain forms")
    client.force_login(other_reader)
    liked = client.post(reverse("comments:like", args=[comment.pk]))
    assert liked.status_code == 303
    assert liked["Location"].endswith(f"#c{comment.pk}")
    page = client.get(reverse("comments:report", args=[comment.pk]))
    assert "<html" in page.content.decode()
    assert "What is wrong with it?" in page.content.decode()
    reported = client.post(reverse("comments:report", args=[comment.pk]), {"reason": "spam"})
    assert reported.status_code == 303
    comment.refresh_from_db()
    assert (comment.like_count, comment.report_count) == (1, 1)


def test_a_comments_links_follow_its_url_patterns(reader, say):
    from django.urls import reverse

    from comments.models import COMMENT_ACTIONS

    comment = say(reader, "Monitors on both banks.")
    names = {action: action for action in COMMENT_ACTIONS} | {"replies": "more_replies"}
    assert comment.urls == {
        "detail": reverse("comments:detail", args=[comment.pk]),
        **{key: reverse(f"comments:{name}", args=[comment.pk]) for key, name in names.items()},
    }


def test_the_report_page_holds_the_slot_its_htmx_form_answers_into(
    client, reader, other_reader, say
):
    comment = say(other_reader, "Buy cheap watches")
    client.force_login(reader)
    page = client.get(reverse("comments:report", args=[comment.pk])).content.decode()
    assert f'hx-target="#reply-slot-{comment.pk}"' in page
    assert f'id="reply-slot-{comment.pk}"' in page
