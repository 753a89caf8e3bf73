"""The real services integration tests run against.

PostgreSQL and Redis come from DATABASE_URL and REDIS_URL (`make test` sets
them when they answer); the app under uvicorn, a Celery worker and Chromium
are started here. Under CI=true a missing service fails the test; elsewhere it
skips with a one-line reason.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true needs it)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_log(name: str):
    """Where a started service writes its output (its tail is shown if it dies)."""
    return tempfile.NamedTemporaryFile(
        mode="w+", prefix=f"briefing-{name}-", suffix=".log", delete=False
    )


def _output_of(process) -> str:
    if process.stdout is not None:
        return process.stdout.read()
    log = getattr(process, "log_path", None)
    return Path(log).read_text() if log else ""


def wait_until(check, *, timeout: float, what: str, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = _output_of(process)
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{output[-3000:]}")
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet; try again until the deadline
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not come up within {timeout:.0f} s")


def stop(process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def manage(*args, **env):
    """manage.py in a fresh process with only the given switches (the test's own are dropped)."""
    drop = {"DEBUG", "SECURE_HTTPS", "SECURE_SSL_REDIRECT", "CSP_REPORT_ONLY", "CSP_REPORT_URI"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def postgres(django_db_setup, django_db_blocker):
    """The test database on PostgreSQL, as a URL other processes can use."""
    if connection.vendor != "postgresql":
        unavailable("DATABASE_URL does not point at PostgreSQL")
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def redis_url():
    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {settings.REDIS_URL} does not answer ({error})")
    return settings.REDIS_URL


@pytest.fixture(scope="session")
def production_env(postgres, redis_url, tmp_path_factory):
    """Environment for a process of the app in production mode, on the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": postgres,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECURE_HTTPS": "0",
        "SECRET_KEY": "integration-tests-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "PYTHONUNBUFFERED": "1",
        # Load tests come from one address and a few voters.
        "POLL_RATE_PER_VOTER": "100000/m",
        "POLL_RATE_PER_IP": "100000/m",
        # Staff in these tests work in the admin without an authenticator app;
        # tests/accounts/test_two_factor.py holds them to one.
        "STAFF_REQUIRE_MFA": "0",
        # Browser tests read the confirmation emails from files.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path_factory.mktemp("mail")),
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser fixture's, never the app's
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


@contextlib.contextmanager
def uvicorn(env, *, workers=2):
    """The app under uvicorn (ASGI), as `make run` serves it; yields its base URL."""
    port = free_port()
    log = service_log("uvicorn")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "briefing_site.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            # Live streams stay open: shutting down must not wait for them.
            "--timeout-graceful-shutdown",
            "3",
            # As `make run`: forwarded headers believed only from these proxies (none).
            "--forwarded-allow-ips",
            env.get("FORWARDED_ALLOW_IPS", ""),
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server.
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = log.name
    base_url = f"http://127.0.0.1:{port}"

    def answers():
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200

    try:
        # Generous: on a busy machine two workers importing Django take a while.
        wait_until(answers, timeout=90, what="uvicorn", process=process)
        yield base_url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def app_server(production_env):
    # Two processes, as in production: requests really race each other.
    with uvicorn(production_env, workers=2) as base_url:
        yield base_url


BROWSER_PASSWORD = "a sturdy passphrase 42"


def browser_account(username, *, group=None, email=None):
    """An account that logs in to the app server with BROWSER_PASSWORD, email confirmed;
    staff in `group` (a briefing_site.roles name) if one is given."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from briefing_site.roles import ensure_groups

    user = get_user_model().objects.create(
        username=username,
        email=email or f"{username}@example.com",
        # Hashed as the server checks it (the tests' own hasher is a fast one).
        password=PBKDF2PasswordHasher().encode(BROWSER_PASSWORD, "browser-salt"),
        is_staff=group is not None,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if group:
        user.groups.add(ensure_groups()[group])
    return user


@pytest.fixture
def own_app_server(production_env):
    """A server for this test alone, for tests that save in the admin.

    Django caches content type ids in each process, and the flush after each
    transactional test recreates the content types with new ids: a session-long
    server would write the admin's log entries against ids that no longer exist.
    """
    with uvicorn(production_env, workers=1) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def celery_worker(production_env):
    """A real Celery worker on Redis; yields its node name."""
    from briefing_site.celery import app

    node = f"integration-{os.getpid()}@%h"
    log = service_log("celery-worker")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "briefing_site",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--hostname",
            node,
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=production_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = log.name
    name = node.replace("%h", socket.gethostname())
    try:
        wait_until(
            lambda: any(name in reply for reply in app.control.ping(timeout=0.5)),
            timeout=60,
            what="celery worker",
            process=process,
        )
        yield name
    finally:
        stop(process)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (its own browser download is not used)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own
    # database set-up and teardown are plain synchronous calls beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
