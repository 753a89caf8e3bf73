from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from briefing_site.health import is_down, service_states
from briefing_site.models import Notice
from briefing_site.notices import mark_all_read


@never_cache
@require_safe
def healthz(request):
    states = service_states()
    healthy = not any(is_down(state) for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **states}, status=200 if healthy else 503
    )


@login_required
@require_http_methods(["GET", "POST"])
def notices(request):
    """The reader's notices, newest first; POST marks them all as read."""
    if request.method == "POST":
        mark_all_read(request.user)
        response = HttpResponseRedirect(reverse("notices"))
        response.status_code = 303
        return response
    items = Notice.objects.filter(user=request.user)[:50]
    return render(request, "notices.html", {"notices": items})
