"""Two-factor authentication (allauth.mfa) for staff, and STAFF_REQUIRE_MFA."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, is_logged_in, log_in


def current_code(secret: str) -> str:
    """What the staff member's authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def staff_editor(editor):
    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    return editor


@pytest.fixture
def secret(staff_editor):
    secret = generate_totp_secret()
    TOTP.activate(staff_editor, secret)
    return secret


def test_staff_with_an_authenticator_must_enter_its_code_to_log_in(client, staff_editor, secret):
    response = log_in(client, staff_editor.email, PASSWORD, next="/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    assert client.get("/admin/").status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert is_logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_logs_nobody_in(client, staff_editor, secret):
    log_in(client, staff_editor.email, PASSWORD)
    wrong = f"{(int(current_code(secret)) + 1) % 10**6:06}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not is_logged_in(client)


@pytest.fixture
def required(settings):
    settings.STAFF_REQUIRE_MFA = True


def test_when_required_editors_and_moderators_set_it_up_before_the_admin(
    client, staff_editor, required
):
    assert log_in(client, staff_editor.email, PASSWORD).status_code == 302
    response = client.get("/admin/articles/article/", follow=True)
    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    # Told once, under the page's heading.
    assert response.content.decode().count("The newsroom admin needs two-factor") == 1
    # allauth asks for the password again before changing what guards the account.
    reauthenticate = response.redirect_chain[-1][0]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    response = client.post(reauthenticate, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert 'name="code"' in response.content.decode()

    code = current_code(client.session[SECRET_SESSION_KEY])
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff_editor, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/articles/article/").status_code == 200


def test_when_required_it_holds_for_moderators_too(client, moderator, required):
    client.force_login(moderator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_superuser_outside_the_groups_is_not_held(client, db, required):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    client.force_login(boss)
    assert client.get("/admin/").status_code == 200


def test_when_not_required_staff_use_the_admin_with_a_password_alone(client, moderator, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(moderator)
    assert client.get("/admin/").status_code == 200


def test_the_admin_links_to_two_factor_authentication(client, moderator, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(moderator)
    page = client.get("/admin/").content.decode()
    assert f'<a href="{reverse("mfa_index")}">Two-factor authentication</a>' in page
    assert "Briefing newsroom" in page  # the site's header is kept
    assert client.get(reverse("mfa_index")).status_code == 200
