"""The project as a whole: settings from the environment, migrations."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.services import manage

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x7Qp" * 10,
    "ALLOWED_HOSTS": "news.example.org",
}


def test_no_model_change_lacks_its_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_production_over_plain_http_turns_secure_cookies_off():
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)",
        SECURE_HTTPS="0",
        **PRODUCTION,
    )
    assert result.stdout.split() == ["False", "False", "0"]


def test_production_needs_a_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0." in result.stderr


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("DB_CONN_MAX_AGE", "soon")])
def test_a_bad_setting_fails_loudly(name, value):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert f"{name}={value!r}" in result.stderr


def test_the_command_line_reports_bad_input_in_one_line(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    result = manage(
        "import_briefing", str(bad), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "empty" in result.stderr
