"""Live updates under load: two scenarios that `python -m tests.bench.run` adds to its table.

fan-out   N idle readers of one article's event stream, all on ONE uvicorn
          process (--workers 1, DEBUG=0). Events are XADDed straight into the
          article's Redis stream (as RedisStreamBus.publish does), each carrying
          its send time; every reader notes when each arrives. Reported: the
          publish-to-receipt delay over every (reader, event) pair, deliveries
          missed, streams held, the process's RSS per idle stream. Each N gets a
          fresh process; the baseline is the same measurement with 1 reader.
comments  Readers of the bench app (2 workers); signed-in writers POST comments
          over HTTP at a steady pace; a real Celery worker (concurrency 1)
          moderates each and publishes comment.published. Reported: the delay
          from each POST's start to each reader's receipt of that comment. The
          baseline is bare XADDs to the same readers in the same run.

Readers are raw asyncio streams (a minimal HTTP/1.1 GET, the chunked body read
as SSE) in separate load-generator processes, so that the bench process only
publishes and posts.
"""

import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import resource
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from briefing_site.events import RedisStreamBus
from tests.bench.run import (
    DATABASE,
    PG,
    REDIS_URL,
    TOKEN,
    Server,
    celery_worker,
    fail,
    shell,
    summarize,
)

TICK = "bench.tick"  # a bare event: {"id": n, "sent": time.time()}
END = "bench.end"  # after the last event: every reader closes its stream
PUBLISHED = "comment.published"
COMMENT_ID = re.compile(r'id="c(\d+)"')
SPACING = 0.5  # seconds between bare events
# Connections each load generator has opening (not yet `ready`) at once.
OPENING_AT_ONCE = 100
OPEN_TIMEOUT = 60
GIB_KB = 1024 * 1024
# Files the serving process holds beside its streams: a few dozen at rest, with room to spare.
FILES_BESIDE_STREAMS = 200


# The load generators: separate processes, each holding its share of the readers.


class Stream:
    """One reader's connection to /events/: HTTP/1.1, chunked, server-sent events."""

    def __init__(self, port, path):
        self.port, self.path = port, path
        self.reader = self.writer = None
        self.buffer = b""

    async def open(self):
        """Connect, send the GET, read the headers and wait for the `ready` event."""
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        status = await self.reader.readline()
        if b" 200 " not in status:
            raise ConnectionError(f"answered {status.decode().strip() or 'nothing'}")
        headers = []
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            headers.append(line.lower())
        if b"transfer-encoding: chunked\r\n" not in headers:
            raise ConnectionError("the stream is not chunked")
        async for kind, _data, _received in self.events():
            if kind == "ready":
                return
        raise ConnectionError("the stream ended before `ready`")

    async def events(self):
        """Yields (kind, data, time received) for each event; heartbeats are skipped."""
        while True:
            size_line = await self.reader.readline()
            if not size_line:
                raise ConnectionError("the connection closed")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                return  # the server ended the stream
            chunk = await self.reader.readexactly(size + 2)
            received = time.time()
            self.buffer += chunk[:-2]
            while b"\n\n" in self.buffer:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                kind, data = "message", None
                for line in block.decode().split("\n"):
                    field, _, value = line.partition(": ")
                    if field == "event":
                        kind = value
                    elif field == "data":
                        data = value
                if data is not None:
                    yield kind, data, received

    def close(self):
        if self.writer is not None:
            self.writer.close()


def read_streams(port, path, count, kinds, pipe, timeout):
    """A load generator's main: open `count` streams, report, record events, report."""
    asyncio.run(_read_streams(port, path, count, set(kinds), pipe, timeout))


async def _read_streams(port, path, count, kinds, pipe, timeout):
    receipts = []  # (kind, payload id, time received), over all this process's readers
    errors = Counter()
    settled, opened, held_to_end = 0, 0, 0
    all_settled = asyncio.Event()
    opening = asyncio.Semaphore(OPENING_AT_ONCE)

    def settle():
        nonlocal settled
        settled += 1
        if settled == count:
            all_settled.set()

    async def one_reader():
        nonlocal opened, held_to_end
        stream = Stream(port, path)
        try:
            try:
                async with opening:
                    await asyncio.wait_for(stream.open(), OPEN_TIMEOUT)
            except (OSError, ConnectionError, TimeoutError, ValueError) as error:
                errors[f"open: {type(error).__name__}: {error}"[:200]] += 1
                return
            else:
                opened += 1
            finally:
                settle()
            async for kind, data, received in stream.events():
                if kind == END:
                    held_to_end += 1
                    return
                if kind in kinds:
                    receipts.append((kind, json.loads(data)["id"], received))
            errors["the server ended the stream early"] += 1
        except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as error:
            errors[f"read: {type(error).__name__}: {error}"[:200]] += 1
        finally:
            stream.close()

    started = time.perf_counter()
    tasks = [asyncio.create_task(one_reader()) for _ in range(count)]
    await all_settled.wait()
    pipe.send(("ready", opened, time.perf_counter() - started))
    _done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        errors[f"no {END} within {timeout:.0f} s"] += len(pending)
        await asyncio.wait(pending)
    pipe.send(("done", receipts, dict(errors), held_to_end))


class Readers:
    """`count` readers of `path` spread over load-generator processes (context manager)."""

    def __init__(self, port, path, count, kinds, *, processes=2, timeout=300):
        context = multiprocessing.get_context("spawn")
        self.count = count
        self.generators = []
        shares = [count // processes + (n < count % processes) for n in range(processes)]
        for share in filter(None, shares):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=read_streams,
                args=(port, path, share, sorted(kinds), theirs, timeout),
                daemon=True,
            )
            process.start()
            self.generators.append((process, ours))

    def _answers(self, timeout):
        answers = []
        for process, pipe in self.generators:
            try:
                if not pipe.poll(timeout):
                    fail(f"a load generator (pid {process.pid}) did not answer in {timeout} s")
                answers.append(pipe.recv())
            except EOFError:
                process.join(timeout=5)
                fail(f"a load generator exited with {process.exitcode}")
        return answers

    def wait_ready(self, timeout=OPEN_TIMEOUT * 3):
        """(streams opened, seconds the slowest generator took): every stream is ready or failed.

        Given at least `timeout` seconds, and longer for many streams: on a busy machine
        a process opens tens of thousands at a few dozen a second."""
        answers = self._answers(max(timeout, self.count / 20))
        return sum(a[1] for a in answers), max(a[2] for a in answers)

    def results(self, timeout=120):
        """(receipts, errors by message, streams that stayed open until END)."""
        receipts, errors, held = [], Counter(), 0
        for _done, got, failed, held_to_end in self._answers(timeout):
            receipts += got
            errors.update(failed)
            held += held_to_end
        return receipts, dict(errors), held

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for process, _pipe in self.generators:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()


# Measuring


def article_of(url):
    """(id, events path) of the article at `url`."""
    slug = url.strip("/").split("/")[-1]
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        (article_id,) = conn.execute(
            "SELECT id FROM articles_article WHERE slug = %s", (slug,)
        ).fetchone()
    return article_id, f"/articles/{slug}/events/"


def process_status(pid, port):
    """A process's resident memory (KB), threads, open files and connections it holds on `port`."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    # Established TCP connections whose local end is `port`, by socket inode.
    accepted = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        _n, local, _remote, state, *_more, inode = line.split()[:10]
        if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
            accepted.add(f"socket:[{inode}]")
    links = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):  # closed meanwhile
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return {
        "rss_kb": int(fields["VmRSS"].split()[0]),
        "threads": int(fields["Threads"]),
        "fds": len(links),
        "connections": sum(link in accepted for link in links),
    }


def cpu_seconds(pid):
    """The user and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def until_quiet(pid, timeout=300):
    """Wait until the process uses under a tenth of a CPU (for a second); its CPU seconds."""
    deadline = time.monotonic() + timeout
    used = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        used, before = cpu_seconds(pid), used
        if used - before < 0.1:
            break
    return used


def worker_pids(pid):
    """The worker processes of a uvicorn started with --workers > 1."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def publish_ticks(bus, article_id, events, spacing):
    """`events` bare events, `spacing` seconds apart; returns {(kind, id): time sent}."""
    sent = {}
    for n in range(events):
        now = time.time()
        bus.publish(article_id, TICK, {"id": n, "sent": now})
        sent[(TICK, n)] = now
        time.sleep(spacing)
    return sent


def delays(receipts, started, kind):
    """Seconds from each start to each reader's receipt, for the receipts of one kind."""
    return [
        received - started[(got, key)]
        for got, key, received in receipts
        if got == kind and (got, key) in started
    ]


def p99_ratio(row, baseline):
    if not (row["received"] and baseline["received"] and baseline["p99_ms"]):
        return ""
    return round(row["p99_ms"] / baseline["p99_ms"], 2)


def live_row(name, latencies, expected, elapsed, **extra):
    row = summarize(name, latencies, max(0, expected - len(latencies)), elapsed)
    return {**row, "expected": expected, "received": len(latencies), **extra}


# Scenario 1: fan-out on one process


def open_files_limit():
    """The most files one process may open here, the soft limit first raised to the hard one.

    Every idle reader is an open socket in the serving process, so this caps how many one
    process can hold, whatever its memory (a container may refuse to raise the hard limit).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def readers_that_fit(size, limit):
    """`size`, or fewer: as many idle readers as one process can hold with `limit` files."""
    if limit == resource.RLIM_INFINITY:
        return size
    return min(size, limit - FILES_BESIDE_STREAMS)


def fanout_scenario(env, article_url, sizes, events, spacing=SPACING):
    """Rows for 1 reader (the baseline) and each of `sizes` readers, a fresh process each.

    A size beyond what one process may open files for here is held at that many, and the
    row says how many were asked for.
    """
    article_id, path = article_of(article_url)
    bus = RedisStreamBus(REDIS_URL)
    limit = open_files_limit()  # before the servers start: they inherit it
    rows = []
    for asked in (1, *sizes):
        size = readers_that_fit(asked, limit)
        server = Server(env, workers=1)
        try:
            row = fanout_round(server, bus, article_id, path, size, events, spacing)
        finally:
            server.stop()
        if size < asked:
            row["scenario"] += f" ({asked} asked; one process may open {limit} files here)"
            row["asked"] = asked
        rows.append(row)
    for row in rows:
        row["ratio"] = p99_ratio(row, rows[0])
        if row["kb_per_reader"]:
            # What the process holds at rest plus what each idle stream adds.
            free_kb = GIB_KB - row["server_before"]["rss_kb"]
            row["readers_within_1_gib"] = int(free_kb / row["kb_per_reader"])
    return rows


def fanout_round(server, bus, article_id, path, size, events, spacing):
    pid = server.process.pid  # with --workers 1, uvicorn serves in its own process
    # One stream opened and closed first: what the first reader sets up is not per reader.
    with Readers(server.port, path, 1, set(), processes=1) as warm_up:
        warm_up.wait_ready()
        bus.publish(article_id, END, {})
        warm_up.results()
    time.sleep(1)
    before = process_status(pid, server.port)
    with Readers(server.port, path, size, {TICK}, processes=min(2, size)) as readers:
        opened, open_seconds = readers.wait_ready()
        time.sleep(2)  # idle
        idle = process_status(pid, server.port)
        started, cpu_before = time.perf_counter(), cpu_seconds(pid)
        sent = publish_ticks(bus, article_id, events, spacing)
        cpu = until_quiet(pid) - cpu_before  # every event out; the streams' closing not counted
        bus.publish(article_id, END, {})
        receipts, errors, held = readers.results()
        elapsed = time.perf_counter() - started
    if server.process.poll() is not None:
        errors[f"the server exited with {server.process.returncode}"] = 1
    got = delays(receipts, sent, TICK)
    held_idle = idle["connections"]
    per_reader = (idle["rss_kb"] - before["rss_kb"]) / held_idle if held_idle and size > 1 else None
    name = f"live fan-out: {size} idle {'reader' if size == 1 else 'readers'}, 1 process"
    if per_reader is not None:
        name += f", {per_reader:.1f} KB each"
    return live_row(
        name,
        got,
        size * events,
        elapsed,
        readers=size,
        opened=opened,
        open_seconds=round(open_seconds, 2),
        held_to_end=held,
        connection_errors=errors,
        server_before=before,
        server_idle=idle,
        kb_per_reader=round(per_reader, 1) if per_reader is not None else None,
        # The server's CPU while the events go out, per (reader, event): no heartbeat
        # falls in it, events coming every 0.5 s.
        cpu_us_per_delivery=round(cpu * 1e6 / (held_idle * events), 1) if held_idle else None,
    )


# Scenario 2: a comment, from the writer's POST to every reader's screen


class Writers:
    """Signed-in writers posting to the article's discussion over HTTP (HTMX posts)."""

    def __init__(self, base_url, article_url, sessions):
        self.base_url, self.article_url = base_url, article_url
        self.sessions = sessions
        self.started = {}  # (PUBLISHED, comment id): when its POST started
        self.answered = []  # seconds each accepted POST took
        self.errors = Counter()

    async def post_all(self, bodies, rate):
        """Post `bodies` in turn from each writer, `rate` a second in all."""
        clients = [
            httpx.AsyncClient(base_url=self.base_url, cookies={"sessionid": key}, timeout=60)
            for key in self.sessions
        ]
        try:
            tokens = await asyncio.gather(*(self.token(client) for client in clients))
            begin = time.monotonic()

            async def post_one(n, body):
                await asyncio.sleep(max(0.0, begin + n / rate - time.monotonic()))
                writer = n % len(clients)
                await self.post(clients[writer], tokens[writer], body)

            await asyncio.gather(*(post_one(n, body) for n, body in enumerate(bodies)))
        finally:
            await asyncio.gather(*(client.aclose() for client in clients))

    async def token(self, client):
        page = await client.get(self.article_url)
        if page.status_code != 200 or f"{self.article_url}comments/post/" not in page.text:
            fail(f"a writer could not open the article signed in ({page.status_code})")
        return TOKEN.search(page.text)[1]

    async def post(self, client, token, body):
        started = time.time()
        try:
            response = await client.post(
                f"{self.article_url}comments/post/",
                data={"body": body, "csrfmiddlewaretoken": token},
                headers={"HX-Request": "true", "Referer": self.base_url},
            )
        except httpx.HTTPError as error:
            self.errors[f"POST: {type(error).__name__}"] += 1
            return
        posted = COMMENT_ID.search(response.text) if response.status_code == 200 else None
        if posted is None:
            self.errors[f"POST answered {response.status_code}"] += 1
            return
        self.started[(PUBLISHED, int(posted[1]))] = started
        self.answered.append(time.time() - started)


def moderated(ids, timeout=120):
    """Wait until none of these comments is pending; returns their count by status."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        while True:
            statuses = dict(
                conn.execute(
                    "SELECT status, count(*) FROM comments_comment WHERE id = ANY(%s) "
                    "GROUP BY status",
                    (list(ids),),
                ).fetchall()
            )
            if not statuses.get("pending") or time.monotonic() > deadline:
                return statuses
            time.sleep(0.2)


def wait_published(bus, article_id, after, ids, timeout=30):
    """Wait until the stream holds comment.published for each of `ids` (after event `after`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = {e.payload["id"] for e in bus.history(article_id, after) if e.kind == PUBLISHED}
        if set(ids) <= seen:
            return
        time.sleep(0.2)


def comment_scenario(
    env, server, article_url, *, readers, writers, comments, events, spacing=SPACING
):
    """Rows for bare XADDs to `readers` (the baseline) and for comments posted to them."""
    article_id, path = article_of(article_url)
    bus = RedisStreamBus(REDIS_URL)
    seeded = json.loads(
        shell(
            env,
            "import json; from tests.bench.seed import seed_writers; "
            f"print(json.dumps(seed_writers({writers}, {comments})))",
        )
    )
    rate = 10  # comments a second: the worker keeps up, so delays are not a backlog's
    worker = celery_worker(env, "--concurrency", "1")
    try:
        writing = Writers(server.url, article_url, seeded["sessions"])
        # One comment through the whole path first: the worker is up, its model loaded.
        asyncio.run(writing.post_all(["A first word on the talks, to warm up."], rate))
        warm_up = moderated([key for _kind, key in writing.started])
        if warm_up != {"approved": 1}:
            fail(f"the warm-up comment was not approved: {warm_up} {dict(writing.errors)}")
        workers = worker_pids(server.process.pid)
        with Readers(server.port, path, readers, {TICK, PUBLISHED}) as reading:
            opened, open_seconds = reading.wait_ready()
            spread = [process_status(pid, server.port)["connections"] for pid in workers]
            started = time.perf_counter()
            sent = publish_ticks(bus, article_id, events, spacing)
            bare_elapsed = time.perf_counter() - started
            after = bus.last_id(article_id)
            writing = Writers(server.url, article_url, seeded["sessions"])
            started = time.perf_counter()
            asyncio.run(writing.post_all(seeded["bodies"], rate))
            ids = [key for _kind, key in writing.started]
            statuses = moderated(ids)
            wait_published(bus, article_id, after, ids)
            bus.publish(article_id, END, {})
            receipts, errors, held = reading.results()
            elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    common = {
        "readers": readers,
        "opened": opened,
        "open_seconds": round(open_seconds, 2),
        "held_to_end": held,
        "readers_per_app_process": spread,
        "connection_errors": errors,
    }
    bare = live_row(
        f"live: bare XADD to {readers} readers, 2 processes",
        delays(receipts, sent, TICK),
        readers * events,
        bare_elapsed,
        **common,
    )
    screen = live_row(
        f"live: comment to screen, {comments} comments ({rate}/s) to {readers} readers",
        delays(receipts, writing.started, PUBLISHED),
        readers * comments,
        elapsed,
        **common,
        writers=writers,
        posted=len(ids),
        post_errors=dict(writing.errors),
        post=summarize("POST", writing.answered, 0, elapsed),
        statuses=statuses,
    )
    bare["ratio"] = p99_ratio(bare, bare)
    screen["ratio"] = p99_ratio(screen, bare)
    return [bare, screen]


def notes(fanout_rows, comment_rows):
    """What the table's live rows leave out: streams held, memory, threads, errors."""
    lines = [
        "live: delay from publish (or POST) to each reader's receipt, over every "
        "(reader, event) pair; vs baseline = p99 / the 1-reader p99 (fan-out), "
        "p99 / the bare-XADD p99 (comments)",
        fanout_notes(fanout_rows),
    ]
    bare, screen = comment_rows
    lines.append(
        f"  comments: {screen['posted']} posted ({screen['statuses']}; POST p50 "
        f"{screen['post']['p50_ms']} ms, p99 {screen['post']['p99_ms']} ms), POST errors "
        f"{screen['post_errors'] or 0}; delivered {screen['received']}/{screen['expected']} "
        f"(bare {bare['received']}/{bare['expected']}); readers per app process "
        f"{screen['readers_per_app_process']}, held to the end {screen['held_to_end']}; "
        f"errors {screen['connection_errors'] or 0}"
    )
    return "\n".join(lines)


def fanout_notes(rows):
    """Per fan-out round: streams opened and held, events delivered, the server's memory."""
    lines = []
    for row in rows:
        before, idle = row["server_before"], row["server_idle"]
        lines.append(
            f"  fan-out {row['readers']}: opened {row['opened']} in {row['open_seconds']} s, "
            f"held to the end {row['held_to_end']}, delivered {row['received']}/"
            f"{row['expected']}; server RSS {before['rss_kb'] // 1024} -> "
            f"{idle['rss_kb'] // 1024} MB, threads {before['threads']} -> {idle['threads']}, "
            f"open files {before['fds']} -> {idle['fds']}, connections held by the server "
            f"{idle['connections']}; server CPU {row['cpu_us_per_delivery']} us per (reader, "
            f"event); errors {row['connection_errors'] or 0}"
        )
        if row.get("readers_within_1_gib"):
            lines.append(
                f"    at {row['kb_per_reader']} KB per idle stream, one process holds about "
                f"{row['readers_within_1_gib']:,} idle readers within 1 GiB"
            )
    return "\n".join(lines)
