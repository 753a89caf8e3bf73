"""A few seconds' cache of the article page for readers who are nobody yet.

Breaking news brings a crowd of first-time readers who all see the same page:
no account, no vote, no message. For them the page is rendered once every
ARTICLE_PAGE_CACHE_SECONDS per site (the shared cache: Redis in production)
instead of once per reader. Anyone the page could be personal to (a session,
a voter cookie, a pending message, a query string, an HTMX request) is
rendered fresh, as before.

A stored copy is never stale for live readers: the page carries the id of
the last event it shows, and the event stream replays everything after it.
Readers without JavaScript see a change at most that many seconds late (plus
one render: when a copy goes stale, one reader renders the next while the rest
are still served the stale one). An editor's save changes the article's
`updated_at`, which is part of the key, so it shows at once.
"""

import logging
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import constant_time_compare

from briefing_site.cache import csrf_stand_in
from polls.voters import COOKIE_NAME as VOTER_COOKIE

log = logging.getLogger(__name__)

# How long a stale copy may still be served while one request renders the next.
RENEWAL_SECONDS = 10
SHARED_COPY_HEADER = "X-Shared-Copy"


def seconds() -> int:
    return getattr(settings, "ARTICLE_PAGE_CACHE_SECONDS", 0)


def applies_to(request, article) -> bool:
    """Whether this request is answered with the page every newcomer sees."""
    return seconds() > 0 and _newcomer(request, article)


def _newcomer(request, article) -> bool:
    return (
        article.is_published
        and request.method == "GET"
        and not request.GET
        and not getattr(request, "htmx", False)
        and not any(request.COOKIES.get(name) for name in personal_cookies())
    )


def personal_cookies() -> list[str]:
    """The cookies that make a page personal: a session, a vote, a message waiting."""
    return [settings.SESSION_COOKIE_NAME, VOTER_COOKIE, CookieStorage.cookie_name]


def fills_shared_copy(request) -> bool:
    """Whether the proxy in front asks for the copy it keeps for newcomers: it sends
    the stand-in, which only the app and its proxy know."""
    marker = request.headers.get(SHARED_COPY_HEADER, "")
    return bool(marker) and constant_time_compare(marker, csrf_stand_in())


def key(request, article) -> str:
    return f"article-page:{article.pk}:{article.updated_at.timestamp()}:{request.get_host()}"


def serve(request, article, render_page):
    """The page from the cache, or rendered by `render_page(request, article, extra_context)`
    and stored; either way with this reader's own CSRF token, or with the stand-in for
    the proxy that puts each reader's in.

    When a copy goes stale, one request renders the next while the others are
    still served the stale copy, so a crowd never renders the page all at once.
    """
    response, html = _stored_or_rendered(request, article, render_page)
    if fills_shared_copy(request):
        response.content = html
        return response
    # get_token() also makes sure the reader is sent the CSRF cookie it matches.
    response.content = html.replace(csrf_stand_in(), get_token(request))
    return response


def _stored_or_rendered(request, article, render_page):
    page_key = key(request, article)
    stored = _read(page_key)
    now = time.time()
    if stored is not None and (now < stored[1] or not _claim_renewal(page_key)):
        response = HttpResponse()
        response["X-Page-Cache"] = "hit"
        return response, stored[0]
    response = render_page(request, article, extra_context={"csrf_token": csrf_stand_in()})
    html = response.content.decode()
    fresh = (html, now + seconds()) if response.status_code == 200 else None
    _write(page_key, fresh)  # with None, only frees the claim to renew
    return response, html


def proxy_settings() -> dict:
    """What nginx needs to keep the newcomers' copy (deploy/serve.py writes it into its
    configuration): how long, the stand-in, the personal cookies, and the CSRF cookie it
    sets for a newcomer who has none, as Django would set it ($request_id is nginx's
    random 32 hex digits, a valid CSRF secret)."""
    cookie = [f"{settings.CSRF_COOKIE_NAME}=$request_id", f"Max-Age={settings.CSRF_COOKIE_AGE}"]
    cookie.append(f"Path={settings.CSRF_COOKIE_PATH}")
    if settings.CSRF_COOKIE_DOMAIN:
        cookie.append(f"Domain={settings.CSRF_COOKIE_DOMAIN}")
    if settings.CSRF_COOKIE_SECURE:
        cookie.append("Secure")
    if settings.CSRF_COOKIE_HTTPONLY:
        cookie.append("HttpOnly")
    if settings.CSRF_COOKIE_SAMESITE:
        cookie.append(f"SameSite={settings.CSRF_COOKIE_SAMESITE}")
    return {
        # The CSRF secret kept in the session instead leaves nothing for nginx to fill in.
        "seconds": 0 if settings.CSRF_USE_SESSIONS else seconds(),
        "stand_in": csrf_stand_in(),
        "header": SHARED_COPY_HEADER,
        "personal_cookies": personal_cookies(),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "csrf_set_cookie": "; ".join(cookie),
    }


def _claim_renewal(page_key) -> bool:
    """True for the one request that renders a stale copy's successor."""
    try:
        return cache.add(f"{page_key}:renewing", True, RENEWAL_SECONDS)
    except Exception:
        return True


def _read(page_key):
    try:
        return cache.get(page_key)
    except Exception:  # a cache outage costs a render, never the page
        log.warning("The article page cache is unavailable.", exc_info=True)
        return None


def _write(page_key, entry):
    try:
        if entry is not None:
            cache.set(page_key, entry, seconds() + RENEWAL_SECONDS)
        cache.delete(f"{page_key}:renewing")
    except Exception:
        log.warning("The article page cache is unavailable.", exc_info=True)
