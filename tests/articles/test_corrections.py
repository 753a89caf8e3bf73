"""Corrections and updates on the record: an editor says what kind of change she saves on a
published article; readers see corrections and updates with their time and note, followers
who asked for them hear of them, and every version of the text is kept and compared."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import corrections, following
from articles.models import Article, ArticleVersion, Block, CorrectionNotice
from articles.tasks import email_correction
from briefing_site.models import Notice, ReaderPreferences
from tests.conftest import DEMO_BRIEFING

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "roughly 817 kilometers"
RIGHT = "roughly 820 kilometers"
NOTE = "An earlier version gave the length of the border as 817 kilometers."
SECTION = "Why This Matters for the Region"


@pytest.fixture(autouse=True)
def _embedded(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL pass has a real broker
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://news.example"


@pytest.fixture
def article(demo_article):
    demo_article.published_at = timezone.now() - dt.timedelta(days=1)
    demo_article.save()
    return demo_article


class FormValues(HTMLParser):
    """What a browser would send from the page's main form, as it stands."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.removeprefix("\n") if not self.data[self._textarea] else data
            )


def form_values(client, url) -> dict:
    parser = FormValues()
    parser.feed(client.get(url).content.decode())
    return {key: value for key, value in parser.data.items() if key != "csrfmiddlewaretoken"}


def article_form_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def save_article(client, article, **changes):
    data = form_values(client, article_form_url(article)) | changes
    return client.post(article_form_url(article), data)


def save_first_block(client, section, text, **changes):
    url = reverse("admin:articles_section_change", args=[section.pk])
    data = form_values(client, url) | {"blocks-0-text": text} | changes
    return client.post(url, data)


def correct_the_lead(client, editor, article):
    client.force_login(editor)
    response = save_article(
        client,
        article,
        lead=article.lead.replace(WRONG, RIGHT),
        change_kind="correction",
        change_note=NOTE,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


def test_readers_see_a_correction_with_its_time_and_note_on_the_article_and_in_the_feed(
    client, editor, article
):
    correct_the_lead(client, editor, article)

    version = ArticleVersion.objects.get(article=article, kind="correction")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Corrections and updates" in page
    when = timezone.localtime(version.created_at).strftime("%-d %B %Y, %H:%M")
    assert "<strong>Correction, <time datetime=" in page
    assert f"{when} UTC</time>:</strong> {NOTE}" in page

    feed = client.get(reverse("articles:story-atom", args=[article.slug])).content.decode()
    assert f"Correction, {when} UTC:&lt;/strong&gt; {NOTE}" in feed


def test_followers_who_asked_for_corrections_get_one_notice_and_one_email(
    client, editor, reader, other_reader_account, article
):
    following.follow(reader, article)
    following.follow(other_reader_account, article)  # follows, but did not ask for corrections
    client.force_login(reader)
    client.post(reverse("notices"), {"preferences": "1", "corrections": "on"})
    assert ReaderPreferences.objects.get(user=reader).corrections

    correct_the_lead(client, editor, article)

    assert [message.to for message in mail.outbox] == [["reader@example.com"]]
    email = mail.outbox[0]
    assert email.subject == f"[Briefing] Correction: {article.title}"
    assert NOTE in email.body
    assert f"https://news.example{article.get_absolute_url()}#corrections" in email.body
    assert Notice.objects.filter(user=reader, message__contains=NOTE).count() == 1
    assert not Notice.objects.filter(user=other_reader_account).exists()

    # Whatever runs again, nobody hears twice.
    version = ArticleVersion.objects.get(kind="correction")
    assert corrections.tell_followers(version.pk) == 0
    for notice in CorrectionNotice.objects.all():
        email_correction.delay(notice.pk)
    assert corrections.sweep(now=timezone.now() + dt.timedelta(minutes=5)) == (0, 0)
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(user=reader).count() == 1


def test_a_silent_fix_shows_nothing_to_readers_but_its_version_is_kept(client, editor, article):
    section = article.sections.get(title=SECTION)
    client.force_login(editor)
    block = section.blocks.get(position=0)
    response = save_first_block(
        client, section, block.text.replace(" the ", " teh ", 1), change_kind="silent"
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert list(article.versions.values_list("number", "kind")) == [(1, "first"), (2, "silent")]
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Corrections and updates" not in page
    assert not Notice.objects.exists()


def test_the_editor_compares_any_two_versions_and_sees_what_changed(client, editor, article):
    correct_the_lead(client, editor, article)
    section = article.sections.get(title=SECTION)
    client.force_login(editor)
    block = section.blocks.get(position=0)
    save_first_block(
        client,
        section,
        block.text + " Talks resume on Friday.",
        change_kind="update",
        change_note="The talks resume on Friday.",
    )
    assert list(article.versions.values_list("number", "kind")) == [
        (1, "first"),
        (2, "correction"),
        (3, "update"),
    ]

    url = reverse("admin:articles_article_versions", args=[article.pk])
    assert "3 versions: compare" in client.get(article_form_url(article)).content.decode()
    page = client.get(url, {"old": 1, "new": 3}).content.decode()
    assert "Version 1 (first publication) → version 3 (update)" in page
    assert "roughly <del>817</del><ins>820</ins> kilometers" in page
    assert "<ins> Talks resume on Friday.</ins>" in page
    assert "<script" not in page.split('id="content"')[1]  # nothing inline for the CSP

    # Any two, in either order; nonsense is refused on the page, not with an error.
    assert "<del>820</del><ins>817</ins>" in client.get(url, {"old": 3, "new": 1}).content.decode()
    for bad in ({"old": "abc", "new": 2}, {"old": 1, "new": 99}, {"old": "", "new": ""}):
        response = client.get(url, bad)
        assert response.status_code == 200
        assert "Choose two versions" in response.content.decode()


def test_readers_and_visitors_cannot_open_the_comparison(client, reader, editor, article):
    correct_the_lead(client, editor, article)
    url = reverse("admin:articles_article_versions", args=[article.pk])
    response = client.get(url, {"old": 1, "new": 2})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.force_login(reader)
    response = client.get(url, {"old": 1, "new": 2})
    assert response.status_code == 302
    assert WRONG not in response.content.decode()


def test_saving_a_published_articles_text_without_a_choice_saves_nothing(client, editor, article):
    client.force_login(editor)
    before = Article.objects.get(pk=article.pk).lead

    response = save_article(client, article, lead=before.replace(WRONG, RIGHT))
    assert response.status_code == 200
    assert "Say whether this change is a correction, an update or a silent fix" in (
        response.content.decode()
    )
    assert Article.objects.get(pk=article.pk).lead == before

    response = save_article(
        client, article, lead=before.replace(WRONG, RIGHT), change_kind="correction"
    )
    assert "Write the note readers will see with the correction" in response.content.decode()
    assert Article.objects.get(pk=article.pk).lead == before

    # The same on a section's page: the blocks stay as they were.
    section = article.sections.get(title=SECTION)
    blocks = list(Block.objects.filter(section=section).values_list("text", flat=True))
    response = save_first_block(client, section, "Changed without saying why.")
    assert response.status_code == 200
    assert "Say whether this change is a correction" in response.content.decode()
    assert list(Block.objects.filter(section=section).values_list("text", flat=True)) == blocks
    assert not ArticleVersion.objects.exclude(kind="first").exists()

    # A save that leaves the text alone asks nothing.
    response = save_article(client, article, comments_closed="on")
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).comments_closed


def test_a_section_of_a_published_article_is_not_deleted_behind_its_readers_backs(
    client, editor, article
):
    client.force_login(editor)
    section = article.sections.first()
    response = client.post(
        reverse("admin:articles_section_delete", args=[section.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert article.sections.filter(pk=section.pk).exists()


def test_drafts_ask_nothing_and_keep_no_versions(client, editor, article):
    draft = Article.objects.create(title="Not out yet", slug="not-out-yet", lead="Draft.")
    client.force_login(editor)
    response = save_article(client, draft, lead="Still a draft.")
    assert response.status_code == 302
    assert "This change is" not in client.get(article_form_url(draft)).content.decode()
    assert not draft.versions.exists()


def test_re_importing_a_published_briefing_can_correct_it(article, tmp_path):
    source = tmp_path / "briefing.txt"
    source.write_text(DEMO_BRIEFING.read_text().replace("Key Facts at a Glance", "Key Facts"))
    call_command("import_briefing", str(source), "--slug", article.slug, "--correction", NOTE)
    version = article.versions.order_by("number").last()
    assert (version.kind, version.note) == ("correction", NOTE)
    assert "## Key Facts\n" in version.text


def test_the_page_and_the_feed_read_corrections_in_one_query_however_many(client, article):
    def add_corrections(count):
        last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ArticleVersion.objects.bulk_create(
            ArticleVersion(
                article=article, number=last + n, kind="update", note=f"Update {n}", text=str(n)
            )
            for n in range(1, count + 1)
        )
        Article.objects.filter(pk=article.pk).update(correction_count=F("correction_count") + count)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    feed = reverse("articles:story-atom", args=[article.slug])
    add_corrections(1)
    assert "Update 1" in client.get(article.get_absolute_url()).content.decode()
    page_queries, feed_queries = queries(article.get_absolute_url()), queries(feed)
    add_corrections(6)
    assert queries(article.get_absolute_url()) == page_queries
    assert queries(feed) == feed_queries
    assert "Update 6" in client.get(feed).content.decode()


def test_a_correction_without_a_change_to_the_text_is_not_recorded_and_the_editor_is_told(
    client, editor, article
):
    client.force_login(editor)
    response = save_article(client, article, change_kind="correction", change_note=NOTE)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The text did not change, so no correction was recorded." in page
    assert not ArticleVersion.objects.filter(kind="correction").exists()
