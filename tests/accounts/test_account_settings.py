"""Account settings read from the environment."""

import os
import subprocess
import sys

from tests.services import ROOT

# Read from a clean environment: the developer's shell may set any of these.
READ_HERE = {
    "DEBUG",
    "ACCOUNT_EMAIL_VERIFICATION",
    "RATELIMIT_IP_META_KEY",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
}


def settings_value(name, **env):
    base = {k: v for k, v in os.environ.items() if k not in READ_HERE}
    return subprocess.run(
        [sys.executable, "-c", f"from briefing_site import settings; print(settings.{name})"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_email_verification_is_mandatory_unless_configured_otherwise():
    assert settings_value("ACCOUNT_EMAIL_VERIFICATION").stdout.strip() == "mandatory"
    optional = settings_value("ACCOUNT_EMAIL_VERIFICATION", ACCOUNT_EMAIL_VERIFICATION="optional")
    assert optional.stdout.strip() == "optional"


def test_an_unknown_email_verification_value_fails_loudly():
    result = settings_value("ACCOUNT_EMAIL_VERIFICATION", ACCOUNT_EMAIL_VERIFICATION="sometimes")
    assert result.returncode != 0
    assert "ACCOUNT_EMAIL_VERIFICATION='sometimes'" in result.stderr


def test_login_throttles_read_the_client_address_from_the_same_header_as_the_polls():
    result = settings_value(
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP"
    )
    assert result.stdout.strip() == "X-REAL-IP"
    direct = settings_value("ALLAUTH_TRUSTED_CLIENT_IP_HEADER")
    assert "has no attribute 'ALLAUTH_TRUSTED_CLIENT_IP_HEADER'" in direct.stderr


def test_smtp_settings_come_from_the_environment():
    result = settings_value(
        "EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
    )
    assert result.stdout.strip() == "smtp.example.org 587 True"
