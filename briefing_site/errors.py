"""What a reader sees when the server fails: a database outage is a 503 "try again".

PostgreSQL restarting, failing over or briefly unreachable shows up as
OperationalError or InterfaceError wherever the request happened to touch the
database (a view, the session or the user in a middleware, the session's save
on the way out). That is not a bug in the page: the reader should try again in
a moment, and a proxy or a monitor should see 503, not 500. Anything else is
Django's own 500.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


@requires_csrf_token
def server_error(request, template_name="500.html"):
    # Django calls handler500 while handling the exception (in the same thread,
    # or with it re-raised there under ASGI), so it is still the current one.
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return database_unavailable()
    return django_server_error(request, template_name)


def database_unavailable() -> HttpResponse:
    # Rendered without the request: its context (the user, notices) needs the
    # database that just failed.
    body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
