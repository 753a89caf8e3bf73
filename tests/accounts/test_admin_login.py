"""Staff log in through the readers' log-in and its throttles: the admin has no form."""

from django.urls import reverse

from tests.accounts.conftest import PASSWORD, is_logged_in, log_in


def test_the_admin_login_page_sends_everyone_to_the_one_login(client, db):
    response = client.get("/admin/login/?next=/admin/articles/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Farticles%2F"


def test_the_admin_login_form_takes_no_password(client, editor):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": editor.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": editor.username, "password": PASSWORD}
    )
    assert not is_logged_in(client)


def test_guessing_a_staff_password_is_throttled_even_with_the_right_one_after(client, editor):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    answers = [log_in(client, editor.email, f"guess {n}") for n in range(40)]
    for answer in answers[10:]:
        assert (
            answer.status_code == 429
            or "Too many failed login attempts." in answer.content.decode()
        )
    response = log_in(client, editor.email, PASSWORD, next="/admin/")
    assert not is_logged_in(client)
    assert response.status_code != 302


def test_staff_log_in_and_land_in_the_admin(client, editor):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    response = log_in(client, editor.email, PASSWORD, next="/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_reader_is_refused_the_admin_login(client, reader):
    client.force_login(reader)
    assert client.get("/admin/login/").status_code == 403
