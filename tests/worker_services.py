"""Under pytest-xdist, each worker its own Redis database beside its own PostgreSQL one.

pytest-django gives each xdist worker a database of its own; the tests also clear
and count what is in Redis, so two workers on one Redis database would clear each
other's caches and streams. Loaded with `-p tests.worker_services`, before Django
reads its settings: worker gw0 keeps REDIS_URL's database, gw1 takes the one below.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def _own_database(url: str, worker: str) -> str:
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
    if database < 0:
        raise RuntimeError(f"{url}: too few Redis databases below it for worker {worker}")
    return urlunsplit(parts._replace(path=f"/{database}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _own_database(os.environ["REDIS_URL"], _worker)
