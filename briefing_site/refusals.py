"""A request the site understood and refuses (a broken link, a conflict), told on the
site's own page; to htmx, which shows it beside the control, as the sentence alone."""

from django.http import HttpResponse
from django.shortcuts import render

TITLES = {
    400: "This link is broken",
    403: "Not allowed",
    409: "Not possible now",
    422: "Not saved",
    429: "Too many tries",
}


def refused(request, message: str, status: int) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    context = {"title": TITLES.get(status, "Not possible"), "message": message}
    return render(request, "refused.html", context, status=status)
