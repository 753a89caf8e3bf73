"""A reply past the deepest level a thread can hold is refused with a message, not a 500."""

from django.urls import reverse

from comments.models import Comment
from comments.services import MAX_DEPTH

from .conftest import HTMX


def test_a_reply_past_the_deepest_level_is_a_422_with_a_message(client, reader, say):
    comment = say(reader, "Level 1")
    for level in range(2, MAX_DEPTH + 1):
        comment = say(reader, f"Level {level}", parent=comment)
    assert comment.depth == MAX_DEPTH
    count = Comment.objects.count()
    client.force_login(reader)
    url = reverse("comments:reply", args=[comment.pk])
    for headers in ({}, HTMX):
        response = client.post(url, {"body": "One level too deep"}, headers=headers)
        assert response.status_code == 422
        assert "as deep as it can go" in response.content.decode()
    assert Comment.objects.count() == count
