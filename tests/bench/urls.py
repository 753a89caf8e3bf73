"""The app's own URLs plus a trivial view: the framework's floor, measured beside each scenario."""

from django.http import HttpResponse
from django.template import Context, Template
from django.urls import include, path
from django.views.decorators.http import require_http_methods

# A page shaped like the article page (a head, a header, a list of entries with
# a few variables and filters each), grown to the size of the page it stands
# beside: the template work and bytes of the real page, without its queries.
FLOOR = Template(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/site.css"></head><body>
<header class="site-header"><a href="/">{{ site|upper }}</a></header><main class="wrap">
<h1>{{ title }}</h1><ol class="thread">{% for entry in entries %}
<li class="comment" id="c{{ entry.id }}"><p class="comment__meta"><span>{{ entry.author }}</span>
<time datetime="{{ entry.when }}">{{ entry.when|slice:":10" }}</time></p>
<div class="comment__body">{{ entry.body|linebreaksbr }}</div>
<p class="comment__actions"><a href="/comments/{{ entry.id }}/">Link</a>
{{ entry.likes }} likes</p></li>
{% endfor %}</ol></main></body></html>"""
)
ENTRY = {
    "author": "bench_reader_7",
    "when": "2026-11-24T10:00:00+00:00",
    "body": "Independent monitors would help both sides keep the ceasefire. " * 2,
    "likes": 3,
}
ENTRY_BYTES = 500  # about what one entry renders to


@require_http_methods(["GET", "POST"])
def floor(request):
    """?bytes=N: a page of about N bytes (default: the size of one poll)."""
    size = min(int(request.GET.get("bytes", 2000)), 2_000_000)
    entries = [{**ENTRY, "id": n} for n in range(max(1, size // ENTRY_BYTES))]
    context = {"title": "Thai and Cambodian officials meet", "site": "Briefing", "entries": entries}
    return HttpResponse(FLOOR.render(Context(context)))


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("briefing_site.urls")),
]
