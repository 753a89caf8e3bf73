"""The development demo accounts log in at /accounts/login/ like any reader."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from briefing_site.roles import DEMO_ACCOUNTS, ensure_demo_accounts, ensure_groups
from tests.accounts.conftest import log_in

DEMO_LOGINS = [(username, password) for username, _, _, password in DEMO_ACCOUNTS]


@pytest.mark.parametrize(("username", "password"), DEMO_LOGINS)
def test_a_demo_account_logs_in_with_its_email(client, db, username, password):
    ensure_demo_accounts(ensure_groups())
    ensure_demo_accounts(ensure_groups())  # setup_site runs on every `make run`
    response = log_in(client, f"{username}@example.com", password)
    assert response.status_code == 302
    # Moderators log in to work: they land on the moderation workspace.
    home = "/admin/comments/comment/workspace/" if username == "moderator" else "/"
    assert response["Location"] == home


def test_a_demo_account_refused_before_is_confirmed_by_the_next_setup(client, db):
    # A log-in tried before the demo accounts had confirmed addresses left an
    # unconfirmed, non-primary one behind (allauth sent it a confirmation).
    ensure_demo_accounts(ensure_groups())
    reader = get_user_model().objects.get(username="reader")
    EmailAddress.objects.filter(user=reader).delete()
    EmailAddress.objects.create(user=reader, email=reader.email, primary=False, verified=False)

    ensure_demo_accounts(ensure_groups())
    address = EmailAddress.objects.get(user=reader)
    assert (address.verified, address.primary) == (True, True)
    assert log_in(client, "reader@example.com", "reader-dev-password").status_code == 302
