"""DEBUG=0 refuses to start with a key an attacker could guess."""

import pytest

from tests.services import manage

STRONG = "a-long-random-production-secret-" + "x7Qp" * 10


@pytest.mark.parametrize(
    "weak",
    [
        "dev-only-insecure-key-never-use-in-production",
        "short-but-random-Qx81",
        "ab" * 40,
        "django-insecure-" + "x7Qp" * 15,
    ],
)
def test_production_refuses_a_weak_secret_key_in_one_line(weak):
    result = manage("check", DEBUG="0", SECRET_KEY=weak, ALLOWED_HOSTS="news.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for DEBUG=0" in result.stderr
    assert result.stderr.count("SECRET_KEY is too weak") == 1


def test_production_starts_with_a_strong_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY=STRONG, ALLOWED_HOSTS="news.example.org")
    assert result.returncode == 0, result.stderr


def test_development_keeps_its_built_in_key():
    result = manage("check", DEBUG="1", SECRET_KEY="")
    assert result.returncode == 0, result.stderr
