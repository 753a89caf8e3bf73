"""Page load under wrk: the scenarios of `python -m tests.bench.run` that only read pages.

servers       The seeded article page (uncached, anonymous) and the floor beside
              it, under each way Briefing is served: uvicorn alone (2 workers,
              as `make run` serves it), gunicorn alone (2 sync workers) and the
              `make serve` stack (deploy/serve.py: nginx in front of gunicorn,
              the reader asking for gzip as browsers do). Every page row is
              divided by the floor under the same server, and each floor by
              gunicorn's floor. The three servers run side by side and are
              measured in turn, round after round, so all of them see the same
              machine. Through the stack, the bytes on the wire of one page
              with and without gzip.
thread pages  The discussion's first page and its "Show more comments" pages,
              sorted by best, under gunicorn.
cached page   The article page with the newcomers' page cache on, through
              `make serve`: nginx serves the copy itself.

wrk drives the load: 16 connections on 2 threads, no cookies kept (every
request is a newcomer's), for a fixed time; tests/bench/wrk.lua counts
answers that are not 2xx and prints wrk's figures as JSON. A run with such
answers or socket errors is marked failed: that is a fault, not a timing.
"""

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.run import ROOT, Server, fail, median_round

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
SERVE = ROOT / "deploy" / "serve.py"
CONNECTIONS = 16
THREADS = 2
# Long enough that only a hung request counts as a timeout, never a slow one.
WRK_TIMEOUT = "30s"
GZIP = "Accept-Encoding: gzip"


@functools.cache
def ensure_wrk():
    """wrk's path; installs Debian's wrk where we may (root with apt-get)."""
    found = shutil.which("wrk")
    apt_get = shutil.which("apt-get")
    if found is None and os.geteuid() == 0 and apt_get:
        print("bench: installing Debian's wrk", file=sys.stderr)
        quiet = {
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
        }
        install = [apt_get, "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False, **quiet).returncode != 0:
            subprocess.run([apt_get, "update", "-q"], check=False, **quiet)
            subprocess.run(install, check=False, **quiet)
        found = shutil.which("wrk")
    if found is None:
        fail("wrk is missing: install Debian's wrk package (apt-get install wrk)")
    return found


class Gunicorn(Server):
    """gunicorn alone (WSGI), sync workers, with the flags deploy/Procfile gives it."""

    name = "gunicorn"

    def start(self, env, workers):
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "briefing_site.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                "sync",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )


class Stack(Server):
    """`make serve`'s web processes (deploy/serve.py --web-only): nginx, gunicorn, uvicorn.

    The bench has migrated, collected the static files and set up the site
    already (--no-setup); its own Celery beat and workers run beside.
    """

    name = "make serve"

    def start(self, env, workers):
        if not SERVE.exists():
            fail(f"{SERVE.relative_to(ROOT)} is missing: the servers scenario runs `make serve`")
        self.run_dir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
        # Its processes' interleaved log, nginx's access lines included: read
        # back only when the stack does not come up.
        self.log_path = self.run_dir / "serve.log"
        with self.log_path.open("w") as log:
            return subprocess.Popen(
                [
                    sys.executable,
                    str(SERVE),
                    "--port",
                    str(self.port),
                    "--run-dir",
                    str(self.run_dir),
                    "--web-only",
                    "--no-setup",
                ],
                cwd=ROOT,
                env={**env, "WEB_CONCURRENCY": str(workers)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_tail(self):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])

    def stop(self):
        # honcho stops nginx, gunicorn and uvicorn on SIGTERM, as on Ctrl-C.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        finally:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def wrk(
    url,
    paths,
    seconds,
    headers=(),
    *,
    connections=CONNECTIONS,
    script=WRK_SCRIPT,
    script_args=None,
    prefix="wrk-json ",
):
    """wrk's figures for `paths` (in turn) on the server at `url`: the JSON that `script`
    (tests/bench/wrk.lua unless given) prints after `prefix`. The script is given
    `script_args`, or else the paths."""
    command = [
        ensure_wrk(),
        "--connections",
        str(connections),
        "--threads",
        str(THREADS),
        "--duration",
        f"{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "--script",
        str(script),
    ]
    for header in headers:
        command += ["--header", header]
    done = subprocess.run(
        [*command, url + paths[0], "--", *(paths if script_args is None else script_args)],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(prefix)]
    if done.returncode != 0 or not lines:
        fail(f"wrk failed on {url}{paths[0]}: {(done.stderr or done.stdout).strip()}")
    return json.loads(lines[-1].removeprefix(prefix))


def wrk_row(name, figures):
    seconds = figures["duration_us"] / 1e6
    requests = figures["requests"]
    socket_errors = sum(figures[kind] for kind in ("connect", "read", "write", "timeout"))
    errors = figures["non_2xx"] + socket_errors
    return {
        "scenario": name,
        "load": f"wrk, {CONNECTIONS} connections, {THREADS} threads",
        "requests": requests,
        "errors": errors,
        "non_2xx": figures["non_2xx"],
        "socket_errors": socket_errors,
        "failed": errors > 0,
        "seconds": round(seconds, 2),
        "per_second": round(requests / seconds, 1) if seconds else 0,
        "p50_ms": round(figures["p50_us"] / 1000, 1),
        "p95_ms": round(figures["p95_us"] / 1000, 1),
        "p99_ms": round(figures["p99_us"] / 1000, 1),
        "mean_ms": round(figures["mean_us"] / 1000, 1),
        "bytes_per_answer": round(figures["bytes"] / requests) if requests else 0,
        "cache_hits": figures["cache_hits"],
    }


class Load:
    """One wrk measurement: `paths` in turn on `server`, with extra request headers."""

    def __init__(self, name, server, paths, headers=()):
        self.name, self.server, self.paths, self.headers = name, server, paths, headers

    def run(self, seconds):
        return wrk_row(self.name, wrk(self.server.url, self.paths, seconds, self.headers))


def warm_up(loads, seconds):
    """A first run of each load, not counted: a worker's first pages load its templates
    and open its database connection (the floor needs neither)."""
    for load in loads:
        load.run(seconds)


def alternate(loads, rounds, seconds):
    """Every load in turn, round after round; each reported by its median round.

    Turns spread the machine's slow moments over all the loads, so that a
    ratio between two of them compares like with like.
    """
    measured = {load: [] for load in loads}
    for _round in range(rounds):
        for load in loads:
            measured[load].append(load.run(seconds))
    rows = {}
    for load, runs in measured.items():
        row = median_round(runs)
        # A fault in any round fails the row, not only in the median one.
        row["errors"] = sum(run["errors"] for run in runs)
        row["failed"] = any(run["failed"] for run in runs)
        row["rounds"] = rounds
        rows[load] = row
    return rows


def divide(row, baseline, key="ratio"):
    row[key] = round(row["per_second"] / baseline["per_second"], 2) if baseline["per_second"] else 0
    row["baseline_per_second"] = baseline["per_second"]
    row["baseline_p99_ms"] = baseline["p99_ms"]


def fetch(port, path, headers=()):
    """One GET on a fresh connection: (status, the answer's headers, bytes on the wire).

    The bytes are everything the server sent back: status line, headers and
    body as framed (chunks included).
    """
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close", *headers]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    status = int(head.split(None, 2)[1])
    if status != 200:
        fail(f"GET {path} on 127.0.0.1:{port} answered {status}")
    return status, head, len(answer)


def page_size(port, path, headers=()):
    """Bytes of the page's body, as served (no compression asked for)."""
    _status, head, length = fetch(port, path, headers)
    return length - len(head) - 4


def floor_path(server, size):
    """The floor view's path for a page of `size` bytes, checked against what it renders.

    Its ?bytes= is an estimate of the page's size; one measured try corrects it.
    """
    asked = size
    for _try in range(2):
        got = page_size(server.port, f"/bench/floor/?bytes={asked}")
        asked = round(asked * size / got)
    return f"/bench/floor/?bytes={asked}"


def kb(size):
    return f"{size / 1024:.0f} KB"


def on_the_wire(port, path):
    """Bytes on the wire for one page, with and without gzip, and whether it came gzipped."""
    _status, head, gzip_bytes = fetch(port, path, [GZIP])
    return {
        "wire_bytes_gzip": gzip_bytes,
        "wire_bytes_identity": fetch(port, path)[2],
        "gzipped": "content-encoding: gzip" in head,
    }


SERVED = (
    # (key, how the rows name it, request headers)
    ("uvicorn", "uvicorn alone, 2 workers", ()),
    ("gunicorn", "gunicorn alone, 2 sync workers", ()),
    ("make serve", "make serve (nginx, gunicorn 2 sync workers), gzip", (GZIP,)),
)


def servers_scenario(uvicorn, env, article_url, args, reader_session):
    """Floor and article page under uvicorn alone, gunicorn alone and `make serve`,
    then under gunicorn the page as a signed-in reader sees it (`reader_session`),
    beside a floor of its own size.

    Returns the rows (floor, page for each server, then the reader's), the page's
    size and the floor's path for a page of that size.
    """
    gunicorn, stack = Gunicorn(env, wait=False), Stack(env, wait=False)
    try:
        for server in (uvicorn, gunicorn, stack):
            server.wait_ready()
        page_bytes = page_size(uvicorn.port, article_url)
        floor = floor_path(uvicorn, page_bytes)
        floor_bytes = page_size(uvicorn.port, floor)
        wire = {path: on_the_wire(stack.port, path) for path in (floor, article_url)}
        pairs = []
        for (_key, label, headers), server in zip(SERVED, (uvicorn, gunicorn, stack), strict=True):
            pairs.append(
                (
                    Load(
                        f"floor: trivial view, {kb(floor_bytes)}, {label}", server, [floor], headers
                    ),
                    Load(
                        f"article page, anonymous, {kb(page_bytes)}, {label}",
                        server,
                        [article_url],
                        headers,
                    ),
                )
            )
        reader = [f"Cookie: sessionid={reader_session}"]
        reader_bytes = page_size(gunicorn.port, article_url, reader)
        reader_floor = floor_path(gunicorn, reader_bytes)
        reader_pair = (
            Load(
                f"floor: trivial view, {kb(reader_bytes)}, gunicorn alone", gunicorn, [reader_floor]
            ),
            Load(
                f"article page, signed-in reader, {kb(reader_bytes)}, gunicorn alone",
                gunicorn,
                [article_url],
                reader,
            ),
        )
        loads = [load for pair in [*pairs, reader_pair] for load in pair]
        warm_up([page for _floor, page in [*pairs, reader_pair]], args.warm_seconds)
        measured = alternate(loads, args.rounds, args.seconds)
    finally:
        gunicorn.stop()
        stack.stop()
    gunicorn_floor = measured[pairs[1][0]]
    rows = []
    for (key, _label, _headers), (floor_load, page_load) in zip(SERVED, pairs, strict=True):
        floor_row, page_row = measured[floor_load], measured[page_load]
        floor_row["server"] = page_row["server"] = key
        divide(page_row, floor_row)
        divide(floor_row, gunicorn_floor, key="vs_gunicorn_floor")
        floor_row["vs"] = f"{floor_row['vs_gunicorn_floor']:.2f}× gunicorn's floor"
        rows += [floor_row, page_row]
    for row, path in zip(rows[-2:], (floor, article_url), strict=True):
        row.update(wire[path])
        row["scenario"] += (
            f" ({kb(row['wire_bytes_gzip'])} on the wire, {kb(row['wire_bytes_identity'])} without)"
        )
    floor_row, page_row = measured[reader_pair[0]], measured[reader_pair[1]]
    floor_row["server"] = page_row["server"] = "gunicorn, signed in"
    divide(page_row, floor_row)
    divide(floor_row, gunicorn_floor, key="vs_gunicorn_floor")
    floor_row["vs"] = f"{floor_row['vs_gunicorn_floor']:.2f}× gunicorn's floor"
    rows += [floor_row, page_row]
    return rows, page_bytes, floor


def thread_pages_scenario(env, discussion_url, thread_urls, args):
    """The discussion's first page sorted by best, as a reader opens it, and its "Show more
    comments" pages as htmx asks for them, under gunicorn, each beside a floor of its size."""
    gunicorn = Gunicorn(env)
    try:
        more = ["HX-Request: true"]
        first_bytes = page_size(gunicorn.port, discussion_url)
        more_bytes = page_size(gunicorn.port, thread_urls[0], more)
        pairs = [
            (
                Load(
                    f"floor: trivial view, {kb(first_bytes)}, gunicorn",
                    gunicorn,
                    [floor_path(gunicorn, first_bytes)],
                ),
                Load(
                    f"discussion first page by best, {kb(first_bytes)}, gunicorn",
                    gunicorn,
                    [discussion_url],
                ),
            ),
            (
                Load(
                    f"floor: trivial view, {kb(more_bytes)}, gunicorn",
                    gunicorn,
                    [floor_path(gunicorn, more_bytes)],
                ),
                Load(
                    f"thread pages by best ({len(thread_urls)} pages), {kb(more_bytes)}, gunicorn",
                    gunicorn,
                    thread_urls,
                    more,
                ),
            ),
        ]
        loads = [load for pair in pairs for load in pair]
        warm_up([page for _floor, page in pairs], args.warm_seconds)
        measured = alternate(loads, args.rounds, args.seconds)
    finally:
        gunicorn.stop()
    rows = []
    for floor_load, page_load in pairs:
        floor_row, row = measured[floor_load], measured[page_load]
        divide(row, floor_row)
        rows += [floor_row, row]
    return rows


def cached_page_scenario(env, article_url, page_bytes, args):
    """The article page for the anonymous crowd through `make serve`, whose nginx keeps
    the newcomers' copy (ARTICLE_PAGE_CACHE_SECONDS=5), beside the floor under the same
    stack; both asked for gzip, as browsers do."""
    stack = Stack({**env, "ARTICLE_PAGE_CACHE_SECONDS": "5"})
    try:
        floor = floor_path(stack, page_bytes)
        loads = [
            Load(
                f"floor for the cached page, {kb(page_bytes)}, make serve", stack, [floor], [GZIP]
            ),
            Load(
                f"article page, anonymous crowd, make serve, page cache on ({kb(page_bytes)})",
                stack,
                [article_url],
                [GZIP],
            ),
        ]
        warm_up(loads, args.warm_seconds)
        rows = alternate(loads, args.rounds, args.seconds)
    finally:
        stack.stop()
    row = rows[loads[1]]
    divide(row, rows[loads[0]])
    row["vs"] = f"{row['ratio']:.2f} (own floor {row['baseline_per_second']})"
    # Its floor run is the baseline of this row alone: a fault there still fails the row.
    row["failed"] = row["failed"] or rows[loads[0]]["failed"]
    return row


def notes(server_rows):
    """Lines under the table: the ratios at a glance and the bytes through the stack."""
    by_server = {}
    for row in server_rows:
        by_server.setdefault(row["server"], []).append(row)
    parts = [
        f"{key}: page {page['ratio']:.2f}× its floor, floor {floor['vs_gunicorn_floor']:.2f}× "
        "gunicorn's"
        for key, (floor, page) in by_server.items()
    ]
    lines = ["servers (wrk, median rounds): " + "; ".join(parts)]
    for row in by_server["make serve"]:
        what = "article page" if row is by_server["make serve"][1] else "floor"
        share = row["wire_bytes_gzip"] / row["wire_bytes_identity"]
        lines.append(
            f"  through make serve, {what}: {row['wire_bytes_gzip']:,} bytes on the wire with "
            f"gzip, {row['wire_bytes_identity']:,} without ({share:.0%})"
            + ("" if row["gzipped"] else "; NOT gzipped")
        )
    return "\n".join(lines)
