"""Readers' accounts (django-allauth): display names, the sign-up form, the adapter.

A reader logs in with their email. The Django username is their public display
name, shown with their comments, so it is chosen at sign-up under the rules
below and compared case-insensitively (allauth's ACCOUNT_PRESERVE_USERNAME_CASING).
"""

import secrets

from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator, RegexValidator
from django.urls import reverse

from briefing_site.roles import EDITORS, MODERATORS

DISPLAY_NAME_MIN_LENGTH = 3
DISPLAY_NAME_MAX_LENGTH = 30
DISPLAY_NAME_HELP = (
    "Shown publicly with your comments. 3 to 30 letters, digits, "
    "underscores (_), hyphens (-) or dots (.), no spaces."
)

RESERVED_NAME_MESSAGE = "That display name is reserved. Please choose another."
# Digits and letters that read as one another in a display name.
LOOK_ALIKES = str.maketrans("01l34578$", "oiieastbs")


def name_as_it_reads(name: str) -> str:
    """`M0d_erat0r2` reads as `moderator`: case, separators, trailing digits
    and look-alike characters dropped."""
    letters = name.lower().replace("_", "").replace("-", "").replace(".", "")
    return letters.rstrip("0123456789").translate(LOOK_ALIKES)


def refuse_staff_look_alikes(name: str) -> None:
    """A reader's name must not pass for the newsroom's (ACCOUNT_USERNAME_BLACKLIST)."""
    reserved = {name_as_it_reads(word) for word in settings.ACCOUNT_USERNAME_BLACKLIST}
    if name_as_it_reads(name) in reserved:
        raise ValidationError(RESERVED_NAME_MESSAGE, code="reserved")


# ACCOUNT_USERNAME_VALIDATORS: allauth runs these on every username it is
# given (sign-up and any later flow), instead of the User model's own.
DISPLAY_NAME_VALIDATORS = [
    MinLengthValidator(
        DISPLAY_NAME_MIN_LENGTH,
        message=f"A display name needs at least {DISPLAY_NAME_MIN_LENGTH} characters.",
    ),
    MaxLengthValidator(
        DISPLAY_NAME_MAX_LENGTH,
        message=f"A display name can have at most {DISPLAY_NAME_MAX_LENGTH} characters.",
    ),
    # ASCII only: names that merely look alike in another script cannot pose
    # as someone else's.
    RegexValidator(
        r"\A[A-Za-z0-9_.-]+\Z",
        message="Use only letters (a-z), digits, and _ - . in a display name.",
    ),
    refuse_staff_look_alikes,
]


KNOWN_BROWSER_COOKIE = "known_browser"
KNOWN_BROWSER_SALT = "briefing.accounts.known-browser"
KNOWN_BROWSER_MAX_AGE = 365 * 24 * 60 * 60


def known_browser_of(request, login: str) -> str | None:
    """The id of this browser if `login` has logged in from it before (a signed
    cookie set at log-in), else None."""
    try:
        value = signing.loads(
            request.COOKIES.get(KNOWN_BROWSER_COOKIE, ""),
            salt=KNOWN_BROWSER_SALT,
            max_age=KNOWN_BROWSER_MAX_AGE,
        )
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("login") != login.lower():
        return None
    return value.get("browser")


def must_set_up_two_factor(user) -> bool:
    """STAFF_REQUIRE_MFA: editors and moderators use the admin only once an
    authenticator app guards their account."""
    return (
        settings.STAFF_REQUIRE_MFA
        and user.is_authenticated
        and user.groups.filter(name__in=[EDITORS, MODERATORS]).exists()
        and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
    )


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "That display name is already taken. Please choose another.",
        "username_blacklisted": RESERVED_NAME_MESSAGE,
        "email_password_mismatch": "The email address or password is not correct.",
    }

    # These land on our own pages (an article, the front page), which show no
    # messages: the header already says who is logged in. Left in the session
    # they would turn up later, out of place, on some account page.
    UNSHOWN_MESSAGES = frozenset(
        {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}
    )

    def _get_login_attempts_cache_key(self, request, **credentials):
        """allauth counts failed log-ins per account (ACCOUNT_RATE_LIMITS'
        login_failed, per key). A browser the reader has logged in from gets its
        own count, so strangers guessing from elsewhere cannot lock them out of it."""
        key = super()._get_login_attempts_cache_key(request, **credentials)
        login = credentials.get("email", credentials.get("username", ""))
        browser = known_browser_of(request, login)
        return f"{key}:browser:{browser}" if browser else key

    def get_login_redirect_url(self, request):
        """Moderators log in to work: without a page to go back to, they land on the
        moderation workspace."""
        user = request.user
        if user.is_staff and user.groups.filter(name=MODERATORS).exists():
            return reverse("admin:comments_comment_workspace")
        return super().get_login_redirect_url(request)

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        if user.email:
            browser = known_browser_of(request, user.email) or secrets.token_urlsafe(16)
            response.set_cookie(
                KNOWN_BROWSER_COOKIE,
                signing.dumps(
                    {"login": user.email.lower(), "browser": browser}, salt=KNOWN_BROWSER_SALT
                ),
                max_age=KNOWN_BROWSER_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if message_template in self.UNSHOWN_MESSAGES:
            return
        super().add_message(request, level, message_template, *args, **kwargs)


class LabelsOnly:
    """The labels above the inputs say what goes in them; a placeholder that
    repeats the label in grey looks like a box already filled in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class SignupForm(LabelsOnly, allauth_forms.SignupForm):
    """allauth's sign-up form with the username presented as a display name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.help_text = "For logging in and resetting your password. Never shown publicly."
        name = self.fields["username"]
        name.label = "Display name"
        name.help_text = DISPLAY_NAME_HELP
        name.widget.attrs.update(
            minlength=str(DISPLAY_NAME_MIN_LENGTH),
            maxlength=str(DISPLAY_NAME_MAX_LENGTH),
            # Not "username": password managers should file the email as the login.
            autocomplete="nickname",
            autocapitalize="none",
            spellcheck="false",
        )


class LoginForm(LabelsOnly, allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"


class ResetPasswordForm(LabelsOnly, allauth_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(LabelsOnly, allauth_forms.ResetPasswordKeyForm):
    pass


class ChangePasswordForm(LabelsOnly, allauth_forms.ChangePasswordForm):
    pass


class AddEmailForm(LabelsOnly, allauth_forms.AddEmailForm):
    pass
