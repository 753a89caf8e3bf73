"""Threads come back in display order, nested up to depth 4, with placeholders where needed."""

from functools import reduce
from operator import or_

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from comments.services import delete_comment, reject_comment
from comments.threads import (
    BadCursor,
    StartsWithAny,
    decode_cursor,
    encode_cursor,
    thread_page,
)


def texts(entries):
    return [
        ("more", e.more) if e.is_more else (e.comment.body if e.shown else "[deleted]", e.indent)
        for e in entries
    ]


def test_a_thread_comes_in_display_order(say, reader, django_assert_num_queries):
    root = say(reader, "root")
    first = say(reader, "first reply", parent=root)
    say(reader, "second reply", parent=root)
    say(reader, "reply to first", parent=first)
    with django_assert_num_queries(3):
        entries = thread_page(article=root.article, user=AnonymousUser()).entries
    assert texts(entries) == [
        ("root", 1),
        ("first reply", 2),
        ("reply to first", 3),
        ("second reply", 2),
    ]


def test_replies_deeper_than_four_stay_at_four_and_say_who_they_answer(say, reader, other_reader):
    parent = say(reader, "level 1")
    for level in range(2, 7):
        parent = say(other_reader if level % 2 else reader, f"level {level}", parent=parent)
    page = thread_page(article=parent.article, user=AnonymousUser())
    assert [(e.comment.body, e.indent, e.replying_to) for e in page.entries] == [
        ("level 1", 1, ""),
        ("level 2", 2, ""),
        ("level 3", 3, ""),
        ("level 4", 4, ""),
        ("level 5", 4, "reader"),
        ("level 6", 4, "other_reader"),
    ]


def test_replies_beyond_the_first_three_collapse(say, reader):
    root = say(reader, "root")
    for n in range(5):
        say(reader, f"reply {n}", parent=root)
    entries = thread_page(article=root.article, user=AnonymousUser()).entries
    assert texts(entries) == [
        ("root", 1),
        ("reply 0", 2),
        ("reply 1", 2),
        ("reply 2", 2),
        ("more", 2),
    ]
    assert entries[-1].comment == root


def test_a_deleted_comment_with_replies_leaves_a_placeholder(say, reader, other_reader):
    root = say(reader, "to be deleted")
    say(other_reader, "an answer", parent=root)
    delete_comment(comment=root, actor=reader)
    page = thread_page(article=root.article, user=AnonymousUser())
    assert texts(page.entries) == [("[deleted]", 1), ("an answer", 2)]


def test_a_deleted_comment_without_replies_disappears(say, reader):
    comment = say(reader, "gone")
    delete_comment(comment=comment, actor=reader)
    assert thread_page(article=comment.article, user=AnonymousUser()).entries == []


def test_others_see_only_approved_comments_authors_see_their_own_fate(say, reader, other_reader):
    say(reader, "shown")
    say(other_reader, "waiting", approved=False)
    rejected = say(other_reader, "rejected")
    reject_comment(rejected.pk)
    anonymous = thread_page(article=rejected.article, user=AnonymousUser())
    assert texts(anonymous.entries) == [("shown", 1)]
    mine = thread_page(article=rejected.article, user=other_reader, sort="oldest")
    assert texts(mine.entries) == [("shown", 1), ("waiting", 1), ("rejected", 1)]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["c", "b", "a"]),
        ("oldest", ["a", "b", "c"]),
        ("replies", ["b", "a", "c"]),
        ("best", ["c", "a", "b"]),
    ],
)
def test_discussions_sort_by_the_chosen_order(say, reader, other_reader, sort, expected):
    a = say(reader, "a")
    b = say(reader, "b")
    c = say(reader, "c")
    for n in range(2):
        say(other_reader, f"reply {n}", parent=b)
    say(other_reader, "reply", parent=a)
    Comment.objects.filter(pk=c.pk).update(score=0.8)
    Comment.objects.filter(pk=a.pk).update(score=0.5)
    page = thread_page(article=a.article, user=AnonymousUser(), sort=sort)
    assert [e.comment.body for e in page.entries if e.comment.depth == 1] == expected


@pytest.mark.parametrize("sort", ["newest", "oldest", "best", "replies"])
def test_keyset_cursors_walk_every_thread_once(say, reader, sort, settings):
    import comments.threads as threads_module

    for n in range(7):
        say(reader, f"comment {n}")
    threads_module.THREADS_PER_PAGE, original = 3, threads_module.THREADS_PER_PAGE
    try:
        seen, cursor = [], None
        article = Comment.objects.first().article
        while True:
            page = thread_page(article=article, user=AnonymousUser(), sort=sort, cursor=cursor)
            seen += [e.comment.body for e in page.entries]
            cursor = page.next_cursor
            if cursor is None:
                break
    finally:
        threads_module.THREADS_PER_PAGE = original
    assert sorted(seen) == [f"comment {n}" for n in range(7)]
    assert len(seen) == 7


def test_a_cursor_round_trips_and_garbage_is_refused(say, reader):
    comment = say(reader, "x")
    for sort in ["newest", "best", "replies"]:
        _value, pk = decode_cursor(encode_cursor(comment, sort), sort)
        assert pk == comment.pk
    for garbage in ["", "!!!", "bm90IGpzb24", "WyJ4IiwgMV0"]:
        with pytest.raises(BadCursor):
            decode_cursor(garbage or "e30", "newest")


def test_a_thread_keeps_removed_heads_of_live_replies(say, reader, other_reader):
    root = say(reader, "root")
    middle = say(other_reader, "middle", parent=root)
    say(reader, "leaf", parent=middle)
    reject_comment(middle.pk)
    entries = thread_page(article=root.article, user=AnonymousUser()).entries
    assert texts(entries) == [("root", 1), ("[deleted]", 2), ("leaf", 3)]


def test_an_author_sees_their_awaiting_reply_under_a_comment_deleted_since(
    say, reader, other_reader
):
    root = say(reader, "to be deleted")
    say(other_reader, "my answer, awaiting moderation", approved=False, parent=root)
    delete_comment(comment=root, actor=reader)
    mine = thread_page(article=root.article, user=other_reader)
    assert texts(mine.entries) == [("[deleted]", 1), ("my answer, awaiting moderation", 2)]
    assert thread_page(article=root.article, user=AnonymousUser()).entries == []


def test_a_reader_whose_comments_are_all_published_is_kept_threads_as_anyone_is(
    say, reader, other_reader
):
    """Their own published reply under a comment removed since is counted in its
    reply_count, which keeps the removed head for anyone: one query serves them all."""
    root = say(other_reader, "to be removed")
    say(reader, "my published answer", parent=root)
    reject_comment(root.pk)

    def page_and_queries(user):
        with CaptureQueriesContext(connection) as queries:
            page = thread_page(article=root.article, user=user)
        return texts(page.entries), [q["sql"] for q in queries if "comments_comment" in q["sql"]]

    theirs, their_queries = page_and_queries(reader)
    anyones, anyones_queries = page_and_queries(AnonymousUser())
    assert theirs == anyones == [("[deleted]", 1), ("my published answer", 2)]
    # Beside the one asking whether they have a comment awaiting moderation or refused.
    assert their_queries[1:] == anyones_queries


def test_a_reader_with_a_refused_reply_still_sees_it_under_a_comment_removed_since(
    say, reader, other_reader
):
    root = say(other_reader, "to be removed")
    refused = say(reader, "my refused answer", parent=root, approved=False)
    reject_comment(refused.pk)
    reject_comment(root.pk)
    assert texts(thread_page(article=root.article, user=reader).entries) == [
        ("[deleted]", 1),
        ("my refused answer", 2),
    ]
    assert thread_page(article=root.article, user=AnonymousUser()).entries == []


@pytest.mark.parametrize("prefixes", [["0001"], ["0001", "0003"], ["00%_\\", "A", "B"]])
def test_paths_under_any_of_several_comments_are_asked_for_as_ors_of_startswith(prefixes):
    """load_shown builds its twenty `startswith` as one lookup, to the letter the SQL
    Django writes for them (escaping of LIKE's wildcards included)."""

    def sql(condition):
        return Comment.objects.filter(condition, depth__gt=1).query.sql_with_params()

    ored = reduce(or_, (Q(path__startswith=prefix) for prefix in prefixes))
    assert sql(StartsWithAny(F("path"), prefixes)) == sql(ored)


def test_no_prefix_matches_nothing(say, reader):
    say(reader, "a comment")
    assert not Comment.objects.filter(StartsWithAny(F("path"), [])).exists()


def test_replies_under_twenty_threads_come_each_under_its_own(say, reader):
    roots = [say(reader, f"thread {n}") for n in range(22)]
    for n, root in enumerate(roots):
        say(reader, f"reply to {n}", parent=root)
    page = thread_page(article=roots[0].article, user=AnonymousUser())
    shown = [(e.comment.body, e.indent) for e in page.entries]
    for root in page.top_level:
        n = root.body.removeprefix("thread ")
        assert shown[shown.index((root.body, 1)) + 1] == (f"reply to {n}", 2)
    assert len(shown) == 2 * len(page.top_level)
