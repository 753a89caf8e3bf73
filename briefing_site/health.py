"""Is each configured service reachable? Used by /healthz."""

from django.conf import settings
from django.db import connection

OK = "ok"
NOT_CONFIGURED = "not configured"
TIMEOUT_SECONDS = 2


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return f"down: {type(error).__name__}"
    return OK


def redis_state() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:
        return f"down: {type(error).__name__}"
    return OK


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (tasks run in the web process)"
    from briefing_site.celery import app

    # The broker's own options have no socket timeouts (the worker blocks on
    # its queue on purpose); without them a hung Redis would hold /healthz forever.
    timeouts = {"socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS}
    try:
        with app.connection_for_write(
            settings.CELERY_BROKER_URL, transport_options=timeouts
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    except Exception as error:
        return f"down: {type(error).__name__}"
    return OK


def service_states() -> dict[str, str]:
    return {"database": database_state(), "redis": redis_state(), "broker": broker_state()}


def is_down(state: str) -> bool:
    return state.startswith("down")
