"""A signed-in reader's permissions: the same set as Django's ModelBackend reads, in one query."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as the next request loads it: no permissions read yet."""
    return get_user_model().objects.get(pk=user.pk)


def as_django_reads_them(user):
    return ModelBackend().get_all_permissions(fresh(user))


def test_a_reader_is_found_to_moderate_nothing_in_one_query(reader, django_assert_num_queries):
    user = fresh(reader)
    with django_assert_num_queries(1):
        assert not user.has_perm("comments.change_comment")
        assert not user.has_perm("articles.change_article")
        assert not user.has_module_perms("comments")


def test_a_moderator_has_their_groups_permissions_read_in_one_query(
    moderator, django_assert_num_queries
):
    expected = as_django_reads_them(moderator)
    user = fresh(moderator)
    with django_assert_num_queries(1):
        assert user.has_perm("comments.change_comment")
        assert not user.has_perm("articles.change_article")
        assert user.get_all_permissions() == expected


def test_a_permission_given_to_the_person_counts_beside_their_groups(editor):
    closing = Permission.objects.get(codename="change_authorstanding")
    editor.user_permissions.add(closing)
    user = fresh(editor)
    assert user.has_perm("comments.change_authorstanding")
    assert user.has_perm("articles.change_article")
    assert user.get_all_permissions() == as_django_reads_them(editor)


def test_a_superuser_has_every_permission_and_a_deactivated_account_none(moderator):
    admin = get_user_model().objects.create_superuser("chief", "chief@example.com", "x" * 20)
    assert fresh(admin).get_all_permissions() == {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    moderator.is_active = False
    moderator.save()
    assert not fresh(moderator).has_perm("comments.change_comment")
    assert fresh(moderator).get_all_permissions() == set()


def test_readers_signed_in_before_still_are_and_passwords_are_still_checked(client, reader):
    reader.set_password("a-long-enough-password")
    reader.save()
    session = client.session
    session["_auth_user_id"] = str(reader.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = reader.get_session_auth_hash()
    session.save()
    assert client.get("/muted/").status_code == 200  # a page for signed-in readers only
    assert authenticate(username=reader.username, password="a-long-enough-password") == reader
    assert authenticate(username=reader.username, password="wrong") is None
