"""Briefing's production stack (deploy/serve.py: nginx, gunicorn, uvicorn, Celery)
started for a test, and what a test needs around it: the processes it ran, so
that stopping it can be checked and nothing outlives the test."""

import contextlib
import grp
import os
import pwd
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command
from django.test import override_settings

from tests.services import ROOT, free_port, service_log, wait_until

SERVE = ROOT / "deploy" / "serve.py"
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Running:
    """A process as /proc shows it; its start time tells it apart from a later one
    that was given the same pid."""

    pid: int
    started: int
    # Some programs rename themselves as they start (nginx: "nginx: master process").
    command: str = field(compare=False)

    @classmethod
    def read(cls, pid: int) -> "Running | None":
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return None
        # The command name in brackets may hold spaces: the fields follow its ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        state, started = fields[0], int(fields[19])
        if state == "Z":  # exited, waiting for its parent to notice
            return None
        return cls(pid, started, command.strip())

    @property
    def parent(self) -> int:
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[1])

    def is_alive(self) -> bool:
        return Running.read(self.pid) == self


def descendants(pid: int) -> list[Running]:
    """Every process below `pid` (honcho starts its processes in sessions of their
    own: only the parent links find them all)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                process = Running.read(int(entry.name))
                if process is not None:
                    children.setdefault(process.parent, []).append(process)
    found, waiting = [], [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found.append(child)
            waiting.append(child.pid)
    return found


class Stack:
    """`python deploy/serve.py` on a free port of its own, run directory in `run_dir`."""

    def __init__(self, env, run_dir: Path, *, web_only=False, setup=False, name="stack"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.run_dir = run_dir
        self.log = service_log(name)
        flags = ["--web-only"] if web_only else []
        flags += [] if setup else ["--no-setup"]
        self.command = [
            sys.executable, str(SERVE), "--port", str(self.port), "--run-dir", str(run_dir),
            *flags,
        ]  # fmt: skip
        self.env = env
        self.process = None
        self.processes: list[Running] = []

    def start(self):
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            # The test's own Ctrl-C is not the stack's.
            start_new_session=True,
        )
        self.process.log_path = self.log.name
        return self

    def wait_until_serving(self, *, timeout=90, log_marks=()):
        """Until nginx answers for both gunicorn (/healthz) and uvicorn (an unknown
        article's stream: 404 from the app, not nginx's 502), and the log shows
        each of `log_marks` (a worker saying it is ready, say)."""

        def serving():
            with httpx.Client(base_url=self.url, timeout=5) as client:
                pages = client.get("/healthz").status_code
                streams = client.get("/articles/no-such-article/events/").status_code
            log = self.log_text()
            return pages == 200 and streams == 404 and all(mark in log for mark in log_marks)

        wait_until(serving, timeout=timeout, what=f"the stack on {self.url}", process=self.process)
        self.processes = descendants(self.process.pid)
        return self

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def alive(self) -> list[Running]:
        return [process for process in self.processes if process.is_alive()]

    def interrupt(self, sig=signal.SIGINT, *, timeout=20) -> int:
        """Ctrl-C (or another signal) to honcho; its exit status once it has stopped."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def stop(self):
        """Stops it whatever state it is in; kills anything it left behind."""
        if self.process is None:
            return
        if self.process.poll() is None:
            # It may not have come up: what it started so far is found now.
            self.processes = list(dict.fromkeys(self.processes + descendants(self.process.pid)))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.interrupt()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for process in self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def running(*stacks: Stack, timeout=90):
    """Start the stacks together (they boot in parallel), yield them serving, stop them all."""
    try:
        for stack in stacks:
            stack.start()
        for stack in stacks:
            stack.wait_until_serving(timeout=timeout)
        yield stacks
    finally:
        for stack in stacks:
            stack.stop()


@contextlib.contextmanager
def emptied_afterwards(django_db_blocker):
    """For a module whose stacks share rows across its tests (written outside any test's
    transaction, so that the stacks' processes see them): the test database is emptied
    at the end, as a transactional test leaves it."""
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            call_command("flush", "--noinput", verbosity=0)


def signed_in_session(user, secret_key: str) -> str:
    """A session key the app, with its own SECRET_KEY, takes as `user` signed in."""
    with override_settings(SECRET_KEY=secret_key):
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return session.session_key


def nginx_user_line(directory: Path) -> str:
    """As root, nginx's workers would be `nobody`, who cannot enter a test's private
    temporary folder: they run as its owner."""
    if os.geteuid() != 0:
        return ""
    owner = directory.stat()
    return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"


def published_on(stream, comment_id: int, *, within: float = 60):
    """The stream's comment.published event for this comment, once the worker approves it;
    None if it never comes."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            event = stream.next(deadline=deadline)
        except TimeoutError:
            return None
        except EOFError:  # a stream may end (a restart, a bus hiccup); the page reconnects
            print(f"the event stream ended; resuming after {stream.last_id}", file=sys.stderr)
            stream.resume()
            continue
        if event.kind == "comment.published" and event.data["id"] == comment_id:
            return event
    return None
