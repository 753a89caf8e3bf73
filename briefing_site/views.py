from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from briefing_site.health import is_down, service_states
from briefing_site.models import Notice, ReaderPreferences
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
    """The reader's notices, newest first; POST marks them all as read, or saves
    the reader's email choice when it comes from that form."""
    preferences = ReaderPreferences.objects.filter(user=request.user).first() or (
        ReaderPreferences(user=request.user)
    )
    if request.method == "POST":
        if request.POST.get("preferences"):
            preferences.email_answered_questions = (
                request.POST.get("email_answered_questions") == "on"
            )
            preferences.save()
            messages.success(request, "Your email choice is saved.")
        else:
            mark_all_read(request.user)
        response = HttpResponseRedirect(reverse("notices"))
        response.status_code = 303
        return response
    items = Notice.objects.filter(user=request.user)[:50]
    return render(request, "notices.html", {"notices": items, "preferences": preferences})


@require_GET
@never_cache
def notices_link(request):
    """The header's notices link with its unread count (live pages refresh it)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "base.html#notices-link")


# What crawlers may index: the articles and discussions, not accounts, notices or the admin.
ROBOTS_DISALLOWED = ("/admin/", "/accounts/", "/notices/")


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED)]
    sitemap = reverse("django.contrib.sitemaps.views.sitemap")
    lines.append(f"Sitemap: {request.build_absolute_uri(sitemap)}")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def favicon(request):
    # Browsers ask for /favicon.ico on pages that declare no icon (feeds, JSON, errors).
    return HttpResponsePermanentRedirect(static("favicon.svg"))
