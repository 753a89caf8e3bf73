"""Is each configured service reachable? Used by /healthz."""

from django.conf import settings
from django.db import connection

from briefing_site.celery import app
from briefing_site.redis_clients import shared_client

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


def redis_client(url: str):
    """The probe's own client for the process (briefing_site.redis_clients): a probe
    that opened fresh connections on every call would itself load Redis."""
    # Operators see the probe's connections by name in CLIENT LIST.
    return shared_client(
        url, max_connections=4, timeout=TIMEOUT_SECONDS, client_name="briefing-healthz"
    )


def ping(url: str) -> str:
    try:
        redis_client(url).ping()
    except Exception as error:
        return f"down: {type(error).__name__}"
    return OK


def redis_state() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    return ping(settings.REDIS_URL)


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (tasks run in the web process)"
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
        return ping(settings.CELERY_BROKER_URL)
    # The probe's own timeouts, whatever the broker's options say: a hung
    # broker must not hold /healthz.
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
