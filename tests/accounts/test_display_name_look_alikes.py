"""Display names that could pass for the newsroom's, or hide text direction tricks."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

User = get_user_model()


def sign_up(client, username):
    return client.post(
        reverse("account_signup"),
        {"email": "ada@example.com", "username": username, "password1": "a long new password"},
    )


@pytest.mark.parametrize(
    "username",
    ["moderat0r", "ed1tor", "Admin", "M0D_ERATOR", "adm1n1", "St4ff", "news-room", "5upport"],
)
def test_a_name_that_reads_as_a_staff_name_is_refused_with_a_message(client, db, username):
    response = sign_up(client, username)
    assert response.status_code == 200
    assert "That display name is reserved. Please choose another." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["\u202eadmin", "ada\u202egnp.exe", "ada\u2066x\u2069"])
def test_bidirectional_controls_are_refused_in_a_display_name(client, db, username):
    response = sign_up(client, username)
    assert response.status_code == 200
    assert "Use only letters (a-z)" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["badminton_fan", "Editorial.Reader", "modest", "Ada_L"])
def test_ordinary_names_that_merely_contain_a_staff_word_are_accepted(client, db, username):
    assert sign_up(client, username).status_code == 302
    assert User.objects.get().username == username
