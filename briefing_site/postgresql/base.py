"""Django's PostgreSQL backend, with a pool health check for a server that restarted.

psycopg's pool checks a connection as it hands it out (Django gives it
`ConnectionPool.check_connection`) and, when the check fails, waits with
backoff (1 s, 2 s, 4 s, ...) before trying the next one. After a PostgreSQL
restart every idle connection in the pool is dead, so a reader waited through
several of those pauses, past the pool's timeout, for a server that was already
back (a 503 with the default 20 s timeout and ten dead connections). Here the
first dead connection found makes the pool test all its idle ones at once and
replace the dead: the request waits one pause at most, and the next readers
get live connections (tests/faults/test_postgres_restart.py).
"""

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def check_pooled_connection(conn) -> None:
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # set while the pool hands it out
        if pool is not None:
            pool.check()  # tests each idle connection with check_connection, not this
        raise


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Django passes its own check and no way to choose another; psycopg_pool
        # keeps the callable here and calls it for each connection it hands out.
        if pool is not None and self.settings_dict["CONN_HEALTH_CHECKS"]:
            pool._check = check_pooled_connection
        return pool
