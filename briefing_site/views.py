from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from briefing_site.health import is_down, service_states


@never_cache
@require_safe
def healthz(request):
    states = service_states()
    healthy = not any(is_down(state) for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **states}, status=200 if healthy else 503
    )
