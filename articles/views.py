from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from articles import following, listing, live, page_cache, stories, topics
from articles.models import Article, StoryFollow
from articles.pages import render_article_page
from briefing_site import events
from polls.ratelimits import client_address

ARTICLES_PER_PAGE = 20
# The most events one poll of /updates/ returns; further back, the page reloads.
UPDATES_PER_POLL = 200


def article_list(request):
    page = Paginator(listing.front_page(), ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/list.html", {"page": page, "articles": page.object_list})


def article_detail(request, slug):
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    if page_cache.applies_to(request, article):
        return page_cache.serve(request, article, render_article_page)
    return render_article_page(request, article)


@require_GET
def story_detail(request, slug):
    """Every published piece of the story, oldest first; any piece's slug leads here."""
    story = stories.find_story(slug)
    if story is None:
        raise Http404("No published story here.")
    if story.slug != slug:
        return redirect(story)
    return render(request, "articles/story.html", stories.story_page(request, story))


@require_GET
def topic_detail(request, slug):
    """The published articles that carry a keyword, newest first."""
    topic = topics.find_topic(topics.topic_slug(slug))
    if topic is None:
        raise Http404("No article carries this topic.")
    if topic.slug != slug:
        return redirect(topic, permanent=True)
    context = topics.topic_page(topic, page=request.GET.get("page"), per_page=ARTICLES_PER_PAGE)
    return render(request, "articles/topic.html", context)


@require_GET
async def article_events(request, slug):
    """The article's live events as server-sent events (text/event-stream)."""
    article_id = await live.live_article_id(slug)
    if article_id is None:
        raise Http404("No live article here.")
    release = live.take_stream_slot(client_address(request))
    if release is None:
        response = HttpResponse(
            "Too many live streams are open from your address; close some pages and reload.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(live.RETRY_MILLISECONDS // 1000)
        return response
    last_id = events.later_id(request.headers.get("Last-Event-ID"), request.GET.get("since"))
    return live.event_stream_response(article_id, last_id, release=release)


@require_GET
@never_cache
def article_updates(request, slug):
    """The same events for pages that cannot keep a stream open: poll with ?since=<id>.

    204 when nothing is new; otherwise the events in order, and `reset` when
    some are no longer held (the page should reload what it shows).
    """
    article = get_object_or_404(Article.objects.published().only("pk"), slug=slug)
    since = request.GET.get("since", "")
    if not events.is_event_id(since):
        return JsonResponse(
            {"error": "since must be an event id, like 1732470000000-0."}, status=400
        )
    try:
        gap = events.has_gap(article.pk, since)
        new = events.history(article.pk, after=since)
    except Exception:
        response = JsonResponse({"error": "Live updates are unavailable; try again."}, status=503)
        response["Retry-After"] = "20"
        return response
    if not new and not gap:
        return HttpResponse(status=204)
    shown = new[-UPDATES_PER_POLL:]
    return JsonResponse(
        {
            "events": [{"id": e.id, "event": e.kind, "data": e.payload} for e in shown],
            "reset": gap or len(new) > len(shown),
            "last": new[-1].id if new else since,
        }
    )


@require_POST
@ratelimit(key="user_or_ip", rate="30/m", method="POST", block=False)
def follow_story(request, slug):
    """Follow (or stop following) the story this article belongs to."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(article.get_absolute_url())
    if getattr(request, "limited", False):
        return HttpResponse("Too many requests; try again in a minute.", status=429)
    if request.POST.get("action") == "unfollow":
        following.unfollow(request.user, article)
        message = "You no longer follow this story."
    else:
        following.follow(request.user, article)
        message = "You follow this story: we will tell you of its follow-ups."
    if request.htmx:
        context = {"article": article, "following": following.is_following(request.user, article)}
        return render(request, "articles/detail.html#follow", context)
    messages.success(request, message)
    return HttpResponseRedirect(article.get_absolute_url())


@require_http_methods(["GET", "POST"])
def unfollow_by_email(request, token):
    """The email's link: stop following without logging in (a POST does it, not a mail scanner)."""
    decoded = following.read_unfollow_token(token)
    if decoded is None:
        return render(request, "articles/unfollow.html", {"invalid": True}, status=400)
    user_id, story_id = decoded
    story = get_object_or_404(Article.objects.published(), pk=story_id)
    done = request.method == "POST"
    if done:
        StoryFollow.objects.filter(user_id=user_id, story_id=story_id).delete()
    return render(request, "articles/unfollow.html", {"story": story, "done": done})
