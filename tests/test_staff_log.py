"""Every staff act is on the record: who did what to whose words, when and why, in one
read-only log that moderators and editors can search and filter, and read per reader."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from briefing_site.models import StaffAct
from comments.models import AuthorStanding, Comment, ModeratedTerm
from comments.services import approve_comment, post_comment
from polls.models import Choice, Poll
from polls.proposals import propose_answer
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db

LOG = reverse("admin:briefing_site_staffact_changelist")
COMMENTS = reverse("admin:comments_comment_changelist")


@pytest.fixture(autouse=True)
def _moderation_waits(settings):
    settings.COMMENTS_AUTO_APPROVE = False


@pytest.fixture
def comment(demo_article, reader):
    return post_comment(article=demo_article, author=reader, body="The talks need observers.")


@pytest.fixture
def moderating(client, moderator):
    client.force_login(moderator)
    return client


def act():
    """The latest act on the log."""
    return StaffAct.objects.latest("created_at", "pk")


def run_action(client, action, objects, *, url=COMMENTS, **answers):
    data = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    if answers:
        data |= {"apply": "yes", **answers}
    return client.post(url, data)


def test_approving_and_rejecting_a_comment_are_on_the_log(
    moderating, moderator, comment, reader, demo_article
):
    run_action(moderating, "approve", [comment])
    approved = act()
    assert (approved.actor, approved.actor_name, approved.kind) == (
        moderator,
        "moderator",
        StaffAct.Kind.COMMENT,
    )
    assert approved.action == "Approved comment"
    assert (approved.author, approved.article) == (reader, demo_article)
    assert approved.subject == "The talks need observers."

    run_action(moderating, "reject", [comment], reason="Off-topic")
    rejected = act()
    assert (rejected.action, rejected.reason) == ("Rejected comment", "Off-topic")
    assert StaffAct.objects.count() == 2


def test_a_decision_on_a_proposed_answer_is_on_the_log(moderating, moderator, reader, demo_article):
    poll = Poll.objects.get(article=demo_article, kind=Poll.Kind.OPEN)
    choice = propose_answer(poll=poll, text="Satellite monitoring", user=reader).choice
    run_action(moderating, "reject", [choice], url=reverse("admin:polls_choice_changelist"))
    assert Choice.objects.get(pk=choice.pk).status == Choice.Status.REJECTED
    logged = act()
    assert (logged.kind, logged.action) == (StaffAct.Kind.PROPOSAL, "Rejected proposed answer")
    assert (logged.actor, logged.author, logged.article) == (moderator, reader, demo_article)
    assert "Satellite monitoring" in logged.subject


def test_an_editors_pick_made_on_the_page_is_on_the_log(client, editor, comment):
    approve_comment(comment.pk)
    client.force_login(editor)
    client.post(reverse("comments:pick", args=[comment.pk]), {"picked": "1"})
    assert Comment.objects.get(pk=comment.pk).featured
    assert (act().kind, act().action, act().actor) == (
        StaffAct.Kind.PICK,
        "Made an editors' pick",
        editor,
    )
    client.post(reverse("comments:pick", args=[comment.pk]), {"picked": "0"})
    assert act().action == "Removed from editors' picks"


def test_closing_and_reopening_comments_are_on_the_log(client, editor, demo_article):
    client.force_login(editor)
    articles = reverse("admin:articles_article_changelist")
    run_action(client, "close_comments", [demo_article], url=articles)
    demo_article.refresh_from_db()
    assert demo_article.comments_closed
    assert (act().kind, act().action, act().article) == (
        StaffAct.Kind.DISCUSSION,
        "Closed comments",
        demo_article,
    )
    run_action(client, "open_comments", [demo_article], url=articles)
    assert act().action == "Reopened comments"
    run_action(client, "open_comments", [demo_article], url=articles)  # already open
    assert StaffAct.objects.count() == 2


def test_pre_moderating_an_articles_comments_from_its_page_is_on_the_log(
    client, editor, demo_article
):
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[demo_article.pk])
    data = form_data(client, url) | {"premoderate": "on"}
    assert client.post(url, data).status_code == 302
    assert (act().action, act().article, act().actor) == (
        "Pre-moderated comments",
        demo_article,
        editor,
    )
    data.pop("premoderate")
    client.post(url, data)
    assert act().action == "Stopped pre-moderating comments"
    client.post(url, data)  # saved again, nothing changed: nothing to record
    assert StaffAct.objects.count() == 2


def test_author_actions_are_on_the_log_with_the_reader(moderating, moderator, comment, reader):
    run_action(
        moderating, "suspend_author", [comment], days="3", reason="Insults", note="Second time."
    )
    assert (act().kind, act().action, act().author) == (
        StaffAct.Kind.AUTHOR,
        "Suspended for 3 days.",
        reader,
    )
    assert (act().reason, act().note) == ("Insults", "Second time.")
    run_action(moderating, "premoderate_author", [comment])
    assert act().action == "Always pre-moderated."
    run_action(moderating, "trust_author", [comment])
    assert act().action == "Trusted."
    run_action(moderating, "ban_author", [comment], reject_comments="", reason="Spam")
    assert (act().action, act().reason) == ("Banned.", "Spam")
    assert (
        list(StaffAct.objects.filter(author=reader).values_list("actor", flat=True))
        == [moderator.pk] * 4
    )


def test_a_standing_edited_on_its_own_page_is_on_the_log(moderating, comment, reader):
    standing = AuthorStanding.objects.create(user=reader)
    url = reverse("admin:comments_authorstanding_change", args=[standing.pk])
    data = form_data(moderating, url) | {"trusted": "on"}
    assert moderating.post(url, data).status_code == 302
    assert (act().action, act().author) == ("Edited standing: Trusted", reader)


def test_changes_to_the_word_lists_are_on_the_log(moderating, moderator):
    add = reverse("admin:comments_moderatedterm_add")
    moderating.post(add, {"kind": "suspect", "term": "scam"})
    term = ModeratedTerm.objects.get(term="scam")
    assert (act().kind, act().action, act().subject) == (
        StaffAct.Kind.WORD_LIST,
        "Added moderated term",
        "scam (Suspect (hold))",
    )
    delete = reverse("admin:comments_moderatedterm_delete", args=[term.pk])
    moderating.post(delete, {"post": "yes"})
    assert not ModeratedTerm.objects.filter(term="scam").exists()
    assert act().action == "Removed moderated term"
    domains = reverse("admin:comments_blockeddomain_add")
    moderating.post(domains, {"domain": "pills.example"})
    assert (act().action, act().actor) == ("Added blocked domain", moderator)


def test_the_log_is_read_by_staff_and_written_by_nobody(client, moderating, editor, reader):
    assert moderating.get(LOG).status_code == 200
    assert moderating.get(reverse("admin:briefing_site_staffact_add")).status_code == 403
    client.force_login(editor)
    assert client.get(LOG).status_code == 200
    client.force_login(reader)
    response = client.get(LOG)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_log_reads_per_reader_moderator_article_date_and_search(
    moderating, moderator, editor, reader, other_reader_account, demo_article
):
    mine = post_comment(article=demo_article, author=reader, body="First view.")
    theirs = post_comment(article=demo_article, author=other_reader_account, body="Other view.")
    run_action(moderating, "approve", [mine])
    run_action(moderating, "reject", [theirs], reason="Spam or advertising")
    old = act()
    StaffAct.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))

    page = moderating.get(LOG, {"author": reader.pk})
    assert page.context["title"] == "Staff log: the record of reader"
    assert [a.author for a in page.context["cl"].result_list] == [reader]

    assert moderating.get(LOG, {"actor": moderator.pk}).context["cl"].result_count == 2
    assert moderating.get(LOG, {"actor": editor.pk}).context["cl"].result_count == 0
    assert moderating.get(LOG, {"article": demo_article.pk}).context["cl"].result_count == 2
    found = moderating.get(LOG, {"q": "Spam or advertising"}).context["cl"].result_list
    assert [a.author for a in found] == [other_reader_account]
    today = timezone.localdate()
    dated = moderating.get(
        LOG,
        {
            "created_at__year": today.year,
            "created_at__month": today.month,
            "created_at__day": today.day,
        },
    )
    assert [a.author for a in dated.context["cl"].result_list] == [reader]
    # Nonsense in the filters is no error.
    assert moderating.get(LOG, {"author": "²"}).status_code in {200, 302}


def test_the_log_costs_the_same_queries_however_long_it_is(
    moderating, reader, demo_article, django_assert_max_num_queries
):
    def log(count):
        for n in range(count):
            comment = post_comment(article=demo_article, author=reader, body=f"View {n}.")
            run_action(moderating, "approve", [comment])

    log(3)
    with django_assert_max_num_queries(16):
        assert moderating.get(LOG).context["cl"].result_count == 3
    log(30)
    with django_assert_max_num_queries(16):
        assert moderating.get(LOG).context["cl"].result_count == 33
