"""Private services the fault tests break on purpose, and the app's own processes.

The shared PostgreSQL on 5432 and Redis on 6379 serve every other test: faults
are injected only into the private instances started here, on free ports.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from importlib import import_module
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from tests.services import ROOT, free_port, service_log, stop, unavailable, wait_until

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivateRedis:
    """A redis-server of the test's own, stopped and started again at will."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process = None

    def start(self):
        log = service_log("private-redis")
        # No persistence: a restarted Redis has lost the queue and every stream,
        # the worst case the app has to live with.
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.process.log_path = log.name
        wait_until(self.answers, timeout=10, what="private redis-server", process=self.process)

    def answers(self) -> bool:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()

    def stop(self):
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder, run by the postgres user on a free port."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.data = directory / "data"
        self.socket_dir = directory / "socket"
        self.log = directory / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/briefing"

    def _as_postgres(self, *command, check=True):
        prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        return subprocess.run(
            [*prefix, *command], check=check, capture_output=True, text=True, timeout=120
        )

    def init(self):
        for folder in (self.directory, self.socket_dir):
            folder.mkdir(exist_ok=True)
            if os.geteuid() == 0:  # PostgreSQL refuses to run as root
                shutil.chown(folder, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            # A throwaway cluster: no fsync, and quick to stop.
            conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")

    def pg_ctl(self, *args, check=True):
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        return self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
            "-o", options, *args, check=check,
        )  # fmt: skip

    def start(self):
        self.pg_ctl("start")

    def stop(self):
        self.pg_ctl("stop", "-m", "fast")

    def restart(self):
        self.pg_ctl("restart", "-m", "fast")

    def create_database(self):
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE briefing")


@pytest.fixture
def private_postgres(tmp_path_factory):
    if not (PG_BIN / "initdb").exists():
        unavailable(f"PostgreSQL's server binaries are not in {PG_BIN}")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("runuser is missing: as root, PostgreSQL must run as the postgres user")
    # The postgres user must reach the folder: not under root's private tmp_path.
    directory = Path(tempfile.mkdtemp(prefix="briefing-faults-pg-"))
    directory.chmod(0o755)
    cluster = PrivatePostgres(directory)
    try:
        cluster.init()
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        if cluster.data.exists():
            cluster.pg_ctl("stop", "-m", "immediate", check=False)  # it may be stopped already
        shutil.rmtree(directory, ignore_errors=True)


def celery(env, *args, name: str):
    """`celery -A briefing_site ...` in its own process group, logging to a file."""
    log = service_log(name)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "briefing_site", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        # Killing the group kills the worker and its pool children together.
        start_new_session=True,
    )
    process.log_path = log.name
    return process


def start_worker(env, name: str, *, concurrency=2):
    return celery(
        env,
        "worker",
        "--loglevel", "INFO",
        "--concurrency", str(concurrency),
        "--hostname", f"{name}-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        name=f"worker-{name}",
    )  # fmt: skip


def start_beat(env, tmp_path):
    """Beat with django-celery-beat's database scheduler, as production runs it."""
    return celery(
        env,
        "beat",
        "--loglevel", "INFO",
        "--pidfile", str(tmp_path / "beat.pid"),
        "--schedule", str(tmp_path / "beat-schedule"),
        name="beat",
    )  # fmt: skip


def kill_group(process: subprocess.Popen):
    """SIGKILL a process and its children: no warm shutdown, nothing handed back."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def running(*processes):
    try:
        yield processes
    finally:
        for process in processes:
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    kill_group(process)


def sweep_every(seconds: int):
    """Beat's sweeper of pending comments at a test's pace (a migration sets one minute;
    transactional tests flush that row, so it is written again here)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Sweep pending comments (fault tests)",
        defaults={"task": "comments.tasks.sweep_pending", "interval": interval, "enabled": True},
    )


def signed_in_sessions(users, secret_key: str, settings) -> list[str]:
    """Session keys the app (with its own SECRET_KEY) accepts as these users signed in."""
    settings.SECRET_KEY = secret_key  # the session and its auth hash are signed with it
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        keys.append(session.session_key)
    return keys


class ResumingEventStream(threading.Thread):
    """Reads an SSE stream as a browser's EventSource does, in a thread.

    When the stream ends or the connection fails it waits the server's `retry:`
    time and reconnects with Last-Event-ID, as EventSource does by itself (the
    page's htmx SSE extension leaves that to the browser). Nothing in the test
    reconnects it by hand.
    """

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.events = []  # (kind, id, data) in arrival order
        self.connections = 0
        self.last_id = None
        self.retry_ms = 3000
        self._closed = threading.Event()

    def run(self):
        import json

        with httpx.Client(timeout=httpx.Timeout(10, read=30)) as client:
            while not self._closed.is_set():
                headers = {"Accept": "text/event-stream"}
                if self.last_id:
                    headers["Last-Event-ID"] = self.last_id
                try:
                    with client.stream("GET", self.url, headers=headers) as response:
                        self.connections += 1
                        if response.status_code != 200:
                            # EventSource gives up on an error status; htmx opens a new one.
                            raise httpx.HTTPError(f"status {response.status_code}")
                        kind, event_id, data = "message", None, []
                        for line in response.iter_lines():
                            if self._closed.is_set():
                                return
                            if not line:
                                if data:
                                    if event_id:
                                        self.last_id = event_id
                                    self.events.append(
                                        (kind, event_id, json.loads("\n".join(data)))
                                    )
                                kind, event_id, data = "message", None, []
                                continue
                            field, _, value = line.partition(":")
                            value = value.removeprefix(" ")
                            if field == "retry" and value.isdigit():
                                self.retry_ms = int(value)
                            elif field == "id":
                                event_id = value
                            elif field == "event":
                                kind = value
                            elif field == "data":
                                data.append(value)
                except httpx.HTTPError:
                    pass
                self._closed.wait(self.retry_ms / 1000)

    def kinds(self):
        return [kind for kind, _, _ in self.events]

    def close(self):
        self._closed.set()


def manage_shell(env, code: str, *, timeout=120) -> str:
    """Run `code` in the app's environment (manage.py shell -c); returns what it printed."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
