from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from articles.briefing import parse_briefing
from articles.importer import import_briefing
from briefing_site import events
from briefing_site.roles import EDITORS, MODERATORS, ensure_groups

DEMO_BRIEFING = (
    Path(__file__).resolve().parent.parent / "articles" / "demo" / "asean-border-talks.txt"
)

pytest_plugins = ["tests.services"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and throttles live in the cache: every test starts without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_shared_article_page(settings):
    """Tests read their own writes on the next page; tests/articles/test_page_cache.py turns
    the newcomers' shared copy back on."""
    settings.ARTICLE_PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _services_tests_meet_regular_readers(request):
    """The integration, browser and fault tests follow comments through real workers and
    servers with readers past their first comments: a new commenter's first comments
    wait for a moderator by default (tests/comments/test_safe_defaults.py tests that)."""
    marker = request.node.get_closest_marker("django_db")
    if request.node.get_closest_marker("integration") is None or marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from comments.models import ModerationSettings

    ModerationSettings.objects.update_or_create(pk=1, defaults={"premoderate_below": 0})


@pytest.fixture(autouse=True)
def _fresh_event_streams(settings):
    """Article ids repeat from test to test: no test sees another's live events."""
    events.reset_streams()


@pytest.fixture
def demo_briefing():
    return parse_briefing(DEMO_BRIEFING.read_bytes())


@pytest.fixture
def demo_article(db, demo_briefing):
    return import_briefing(demo_briefing).article


def _user(username, *, group=None, is_staff=False):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password="correct horse battery"
    )
    if group:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_groups()[group])
    return user


@pytest.fixture
def reader(db):
    return _user("reader")


@pytest.fixture
def other_reader_account(db):
    return _user("another_reader")


@pytest.fixture
def editor(db):
    return _user("editor", group=EDITORS, is_staff=True)


@pytest.fixture
def moderator(db):
    return _user("moderator", group=MODERATORS, is_staff=True)
