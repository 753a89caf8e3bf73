from django.conf import settings
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
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_ratelimit.decorators import ratelimit

from briefing_site import digests, readers, site_pages
from briefing_site.health import is_down, service_states
from briefing_site.models import Notice, ReaderPreferences
from briefing_site.notices import mark_all_read
from briefing_site.refusals import refused
from briefing_site.site_address import absolute_url


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
            preferences.email_replies = request.POST.get("email_replies") == "on"
            preferences.corrections = request.POST.get("corrections") == "on"
            preferences.save()
            messages.success(request, "Your email choice is saved.")
        else:
            mark_all_read(request.user)
        response = HttpResponseRedirect(reverse("notices"))
        response.status_code = 303
        return response
    items = Notice.objects.filter(user=request.user).select_related("actor")[:50]
    context = {
        "notices": items,
        "preferences": preferences,
        "digest_minutes": settings.REPLY_DIGEST_MINUTES,
    }
    return render(request, "notices.html", context)


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
    lines.append(f"Sitemap: {absolute_url(sitemap)}")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def favicon(request):
    # Browsers ask for /favicon.ico on pages that declare no icon (feeds, JSON, errors).
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
def reader_profile(request, name):
    """A reader's page: when they joined, what they published (paged, newest first)."""
    reader = readers.reader_named(name)
    context = {
        "profile": readers.profile_of(reader, page=request.GET.get("page")),
        "muted": readers.has_muted(request.user, reader),
    }
    return render(request, "readers/profile.html", context)


def mute_rate(group, request):
    return settings.MUTE_RATE_PER_READER


@login_required
@require_POST
@ratelimit(key="user", rate=mute_rate, method="POST", block=False)
def mute_reader(request, name):
    """Mute (or, with `unmute`, unmute) a reader: with htmx the button is redrawn;
    without, the reader goes back where they were."""
    reader = readers.reader_named(name)
    if getattr(request, "limited", False):
        return refused(request, "You are doing that too fast. Wait a minute and try again.", 429)
    undo = bool(request.POST.get("unmute"))
    try:
        if undo:
            readers.unmute(request.user, reader)
        else:
            readers.mute(request.user, reader)
    except readers.MuteRefused as error:
        return refused(request, str(error), 409)
    if request.htmx:
        context = {"reader": reader, "muted": not undo}
        return render(request, "readers/profile.html#mute-button", context)
    done = "unmuted" if undo else "muted: their comments are folded for you"
    messages.success(request, f"{reader.username} is {done}.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("reader-profile", args=[reader.username])
    return HttpResponseRedirect(back, status=303)


@login_required
@require_GET
def muted_readers(request):
    return render(request, "readers/muted.html", {"mutes": readers.muted_by(request.user)})


# A mail client's one-click unsubscribe (RFC 8058) posts without a CSRF token;
# the signed token in the address is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def reply_emails_off(request, token):
    """The link in every reply email: stops them without logging in."""
    user_id = digests.read_stop_token(token)
    if user_id is None:
        return render(request, "reply_emails_off.html", {"invalid": True}, status=400)
    done = request.method == "POST"
    if done:
        digests.stop_reply_emails(user_id)
    return render(request, "reply_emails_off.html", {"done": done})


@require_safe
def site_page(request, slug):
    page = site_pages.page_named(slug)
    return render(request, "site_page.html", {"page": page, "html": site_pages.page_html(page)})
