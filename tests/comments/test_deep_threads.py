"""A reply past the deepest level a thread can hold is refused with a message, not a 500."""

from django.urls import reverse

from comments.models import Comment

from .conftest import HTMX


def test_a_reply_past_the_deepest_level_is_a_422_with_a_message(client, reader, say):
    comment = say(reader, "Level 1")
    for level in range(2, Comment.max_depth + 1):
        comment = say(reader, f"Level {level}", parent=comment)
    assert comment.depth == Comment.max_depth
    count = Comment.objects.count()
    client.force_login(reader)
    url = reverse("comments:reply", args=[comment.pk])
    for headers in ({}, HTMX):
        response = client.post(url, {"body": "One level too deep"}, headers=headers)
        assert response.status_code == 422
        assert "as deep as it can go" in response.content.decode()
    assert Comment.objects.count() == count


def test_the_deepest_comment_offers_no_reply_link_and_the_one_above_does(
    client, reader, other_reader, say
):
    comment = say(reader, "Level 1")
    for level in range(2, Comment.max_depth + 1):
        comment = say(reader, f"Level {level}", parent=comment)
    above = Comment.objects.get(path=comment.path[: -Comment.steplen])
    client.force_login(other_reader)
    deepest_page = client.get(comment.get_absolute_url()).content.decode()
    above_page = client.get(above.get_absolute_url()).content.decode()
    assert comment.urls["reply"] not in deepest_page
    assert above.urls["reply"] in above_page
