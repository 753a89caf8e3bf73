"""The app's own URLs plus a trivial view: the framework's floor, measured beside each scenario."""

from django.http import HttpResponse
from django.template import Context, Template
from django.urls import include, path
from django.views.decorators.http import require_http_methods

# About the size of a poll fragment: a list of answers with bars, no queries.
FLOOR = Template(
    """<section class="poll" id="poll-0"><p class="poll__label">Reader poll</p>
<p class="poll__question">{{ question }}</p><ul class="results">
{% for answer, percent in answers %}<li class="result">
<span class="result__text">{{ answer }}</span><span class="result__figures">{{ percent }}%</span>
<meter class="result__bar" min="0" max="100" value="{{ percent }}">{{ percent }}%</meter></li>
{% endfor %}</ul><p class="poll__sample">Readers' polls are self-selected.</p></section>"""
)
CONTEXT = {
    "question": "Do you believe regional blocs can enforce durable ceasefires?",
    "answers": [("Yes", 50), ("No", 30), ("Not sure", 20)],
}


@require_http_methods(["GET", "POST"])
def floor(request):
    return HttpResponse(FLOOR.render(Context(CONTEXT)))


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("briefing_site.urls")),
]
