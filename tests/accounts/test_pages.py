"""Account pages inside the site's layout, and the header's account links."""

from urllib.parse import quote

import pytest
from django.urls import reverse


def header_of(response):
    page = response.content.decode()
    return page[page.index('<header class="site-header">') : page.index("</header>")]


ACCOUNT_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_account_pages_render_inside_the_site_layout(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<header class="site-header">' in page
    assert '<a class="site-name" href="/">Briefing</a>' in page
    assert "/static/css/site.css" in page
    assert '<h1 class="account account-title">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert "Menu:" not in page  # allauth's own bare layout


@pytest.mark.parametrize(
    ("name", "title"), [("account_login", "Log in"), ("account_signup", "Sign up")]
)
def test_the_entrance_pages_use_the_headers_words(client, db, name, title):
    page = client.get(reverse(name)).content.decode()
    assert f"<title>{title} · Briefing</title>" in page
    assert f'<h1 class="account account-title">{title}</h1>' in page


@pytest.mark.parametrize("name", ["account_email", "account_change_password"])
def test_a_signed_in_readers_pages_are_in_the_layout_with_their_tabs(client, reader, name):
    client.force_login(reader)
    page = client.get(reverse(name)).content.decode()
    assert '<header class="site-header">' in page
    assert '<nav class="account account-tabs" aria-label="Your account">' in page
    assert f'href="{reverse(name)}" aria-current="page"' in page


def test_the_header_offers_log_in_back_to_this_page_and_sign_up(client, demo_article):
    url = demo_article.get_absolute_url() + "?c=12"
    header = header_of(client.get(url))
    encoded = quote(url, safe="/")
    assert encoded.endswith("/%3Fc%3D12")
    assert f'<a href="/accounts/login/?next={encoded}">Log in</a>' in header
    assert f'<a href="/accounts/signup/?next={encoded}">Sign up</a>' in header
    assert "Log out" not in header


def test_on_an_account_page_the_header_keeps_that_pages_next(client, db):
    header = header_of(client.get(reverse("account_signup") + "?next=/articles/x/%3Fc%3D12"))
    assert '<a href="/accounts/login/?next=/articles/x/%3Fc%3D12">Log in</a>' in header
    plain = header_of(client.get(reverse("account_reset_password")))
    assert '<a href="/accounts/login/">Log in</a>' in plain
    assert '<a href="/accounts/signup/">Sign up</a>' in plain


def test_the_header_shows_a_signed_in_reader_their_name_and_a_log_out_button(client, reader):
    client.force_login(reader)
    header = header_of(client.get("/?page=1"))
    user_link = '<a class="site-nav__user" href="/accounts/email/" title="Your account">reader</a>'
    assert user_link in header
    assert '<form class="site-nav__logout" method="post" action="/accounts/logout/">' in header
    assert 'name="csrfmiddlewaretoken"' in header
    assert '<input type="hidden" name="next" value="/?page=1">' in header
    assert '<button type="submit">Log out</button>' in header
    assert ">Log in</a>" not in header
    assert ">Sign up</a>" not in header
    assert "Newsroom admin" not in header


def test_log_out_from_an_account_page_goes_to_the_front_page(client, reader):
    client.force_login(reader)
    header = header_of(client.get(reverse("account_change_password")))
    assert "site-nav__logout" in header
    assert 'name="next"' not in header


def test_staff_keep_the_newsroom_admin_link(client, editor):
    client.force_login(editor)
    header = header_of(client.get("/"))
    assert '<a href="/">Latest</a>' in header
    assert '<a href="/admin/">Newsroom admin</a>' in header
    assert ">editor</a>" in header


def test_a_display_name_is_escaped_in_the_header(client, db):
    from django.contrib.auth import get_user_model

    # Created outside sign-up, which would refuse it.
    user = get_user_model().objects.create_user("<b>x</b>", "x@example.com")
    client.force_login(user)
    header = header_of(client.get("/"))
    assert "&lt;b&gt;x&lt;/b&gt;" in header
    assert "<b>x</b>" not in header


def test_sign_up_errors_are_shown_by_their_fields(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-email", "username": "a b", "password1": "a long new password"},
    )
    page = response.content.decode()
    assert page.count('class="account-field account-field--invalid"') == 2
    assert "Enter a valid email address." in page


@pytest.mark.parametrize(
    ("name", "signed_in"),
    [
        ("account_login", False),
        ("account_signup", False),
        ("account_reset_password", False),
        ("account_email", True),
        ("account_change_password", True),
    ],
)
def test_inputs_have_labels_and_no_placeholders(client, reader, name, signed_in):
    if signed_in:
        client.force_login(reader)
    page = client.get(reverse(name)).content.decode()
    assert "placeholder=" not in page
    assert '<div class="account-field">\n    <label for="id_' in page
