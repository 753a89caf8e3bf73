import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

# The root conftest's users all have this password.
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _mandatory_verification(settings):
    """The default, whatever ACCOUNT_EMAIL_VERIFICATION the shell running the tests sets."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


@pytest.fixture
def verified_reader(reader):
    """The reader, with the confirmed email address allauth needs to let them in."""
    EmailAddress.objects.create(user=reader, email=reader.email, primary=True, verified=True)
    return reader


def log_in(client, email, password=PASSWORD, **data):
    return client.post(reverse("account_login"), {"login": email, "password": password, **data})


def is_logged_in(client):
    return "_auth_user_id" in client.session


def link_in_last_email(path_prefix):
    """The first link in the last email sent whose path starts with path_prefix."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S*)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)
