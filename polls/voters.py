"""Who is voting: a signed-in reader's account, or an anonymous reader's voter cookie.

The cookie holds a random key and the time it was issued, signed with the
site's secret so it cannot be forged; it is HttpOnly and lasts two years.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.utils import timezone

from polls.voting import Voter

COOKIE_NAME = "voter"
COOKIE_SALT = "polls.voter"
COOKIE_MAX_AGE = 2 * 365 * 24 * 3600


class ForgedVoterCookie(Exception):
    status = 400
    message = "Your voter cookie could not be verified, so it was reset. Please vote again."


def read_voter(request) -> Voter | None:
    """The reader as a voter, or None for an anonymous reader who never voted."""
    if request.user.is_authenticated:
        return Voter(user_id=request.user.pk, first_seen=request.user.date_joined)
    if COOKIE_NAME not in request.COOKIES:
        return None
    try:
        value = request.get_signed_cookie(COOKIE_NAME, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
        key, issued = value.split(":", 1)
        first_seen = dt.datetime.fromtimestamp(int(issued), tz=dt.UTC)
    except (signing.BadSignature, ValueError):
        raise ForgedVoterCookie from None
    if len(key) != 32 or not key.isalnum():
        raise ForgedVoterCookie
    return Voter(voter_key=key, first_seen=first_seen)


def read_voter_quietly(request) -> Voter | None:
    """For pages that only show a reader's votes: a bad cookie shows none."""
    try:
        return read_voter(request)
    except ForgedVoterCookie:
        return None


def voter_for_writing(request) -> tuple[Voter, str | None]:
    """The voter, minting a new cookie value for a first-time anonymous voter."""
    voter = read_voter(request)
    if voter is not None:
        return voter, None
    now = timezone.now()
    key = secrets.token_hex(16)
    return Voter(voter_key=key, first_seen=now, is_fresh=True), f"{key}:{int(now.timestamp())}"


def set_voter_cookie(response, value: str):
    response.set_signed_cookie(
        COOKIE_NAME,
        value,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def forget_voter_cookie(response):
    response.delete_cookie(COOKIE_NAME, samesite="Lax")
