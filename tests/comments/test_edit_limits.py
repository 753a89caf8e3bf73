"""Edits are limited: each is moderated again and redrawn for every live reader."""

from django.urls import reverse

from comments.models import Comment

from .conftest import HTMX


def _edit(client, comment, body, headers=None):
    return client.post(
        reverse("comments:edit", args=[comment.pk]), {"body": body}, headers=headers or {}
    )


def test_a_reader_editing_too_fast_gets_429_and_the_edit_is_not_saved(
    client, settings, reader, say
):
    settings.COMMENT_EDIT_RATE_PER_READER = "3/h"
    comment = say(reader, "Version 0")
    client.force_login(reader)
    for n in range(1, 4):
        assert _edit(client, comment, f"Version {n}").status_code == 303
    for headers in (None, HTMX):
        response = _edit(client, comment, "Version 4", headers)
        assert response.status_code == 429
        assert "You are editing too fast" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Version 3"


def test_a_comment_keeps_at_most_the_set_number_of_versions(client, settings, reader, say):
    settings.COMMENT_MAX_VERSIONS = 3
    comment = say(reader, "Version 1")
    client.force_login(reader)
    for n in (2, 3):
        assert _edit(client, comment, f"Version {n}").status_code == 303
    response = _edit(client, comment, "Version 4")
    assert response.status_code == 409
    assert "can be edited 2 times" in response.content.decode()
    response = _edit(client, comment, "Version 4", HTMX)
    assert response.status_code == 409
    assert "can be edited 2 times" in response.content.decode()
    comment = Comment.objects.get(pk=comment.pk)
    assert (comment.body, comment.version) == ("Version 3", 3)
    refused = client.get(reverse("comments:edit", args=[comment.pk]))
    assert refused.status_code == 409
    assert "can be edited 2 times" in refused.content.decode()
    page = client.get(comment.get_absolute_url()).content.decode()
    assert reverse("comments:edit", args=[comment.pk]) not in page
