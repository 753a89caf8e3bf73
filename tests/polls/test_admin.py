"""The polls admin: editors run polls, moderators the queue of proposed answers, readers nothing."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Block, Section
from polls.models import Choice, Poll, Surge, Vote
from polls.proposals import moderate_proposals, normalize_answer, propose_answer
from polls.services import create_poll
from polls.voting import PollClosed, Voter, cast_vote
from tests.polls.conftest import choice_named, cookie_voter

pytestmark = pytest.mark.django_db

POLLS = reverse("admin:polls_poll_changelist")
ADD_POLL = reverse("admin:polls_poll_add")
PROPOSALS = reverse("admin:polls_choice_changelist")


# Helpers


def run_action(client, action, objects, *, url=POLLS, follow=False):
    data = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    return client.post(url, data, follow=follow)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def vote(poll, text, *, voters):
    """Votes for the answer `text` by voters numbered `voters` (a range)."""
    choice = choice_named(poll, text)
    for number in voters:
        cast_vote(poll=poll, choice_id=choice.pk, voter=cookie_voter(number))


def propose(poll, text, *, times=1):
    for number in range(times):
        choice = propose_answer(poll=poll, text=text, voter_key=f"{number:032x}").choice
    return choice


def poll_change_data(poll, **changed_choices):
    """The poll change form's POST data; `changed_choices` maps an answer to its new fields."""
    choices = list(poll.choices.all())
    data = {
        "question": poll.question,
        "kind": poll.kind,
        "results_visibility": poll.results_visibility,
        "closes_at_0": "",
        "closes_at_1": "",
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len(choices),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for index, choice in enumerate(choices):
        fields = {
            "id": choice.pk,
            "poll": poll.pk,
            "position": choice.position,
            "text": choice.text,
            "status": choice.status,
        } | changed_choices.get(choice.text, {})
        data |= {f"choices-{index}-{name}": value for name, value in fields.items()}
    return data


def new_poll_data(block, **fields):
    return {
        "article": block.section.article_id,
        "after_block": block.pk,
        "question": "Should ASEAN send observers to the border?",
        "kind": Poll.Kind.YES_NO,
        "answers": "",
        "results_visibility": Poll.ResultsVisibility.ALWAYS,
        "closes_at_0": "",
        "closes_at_1": "",
    } | fields


def add_poll_url(article):
    return f"{ADD_POLL}?article={article.pk}"


@pytest.fixture
def announced(monkeypatch):
    """Poll ids whose new results go out to live readers once the admin's transaction commits."""
    sent = []
    monkeypatch.setattr(
        "polls.live.publish_throttled", lambda poll_id, article_id: sent.append(poll_id)
    )
    return sent


@pytest.fixture
def lead_paragraph(demo_article):
    """The lead's second paragraph, with four more paragraphs after it."""
    return Block.objects.get(
        section__article=demo_article, text__startswith="Thai Foreign Minister"
    )


@pytest.fixture
def other_article(db):
    article = Article.objects.create(
        title="Another briefing",
        slug="another-briefing",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    section = Section.objects.create(article=article, position=0, anchor="lead")
    Block.objects.create(section=section, position=0, kind="paragraph", text="Elsewhere.")
    return article


# The list of polls


def test_the_poll_list_shows_votes_proposals_state_and_the_latest_surge(
    client, editor, moderator, yes_no_poll, open_poll
):
    vote(yes_no_poll, "Yes", voters=range(3))
    vote(yes_no_poll, "No", voters=range(3, 5))
    propose(open_poll, "Joint border patrols", times=2)
    propose(open_poll, "UN observers")
    approved = propose(open_poll, "A hotline")
    moderate_proposals([approved], approve=True, moderator=moderator)
    Poll.objects.filter(pk=open_poll.pk).update(closed_at=timezone.now())
    minute = timezone.now().replace(second=0, microsecond=0)
    for earlier, votes in [(5, 30), (0, 120)]:
        Surge.objects.create(
            poll=yes_no_poll,
            minute=minute - dt.timedelta(minutes=earlier),
            votes=votes,
            baseline_per_minute=2.0,
            new_voter_share=0.8,
        )

    client.force_login(editor)
    response = client.get(POLLS)

    assert response.status_code == 200
    rows = {poll.pk: poll for poll in response.context["cl"].result_list}
    assert (rows[yes_no_poll.pk].total_votes, rows[yes_no_poll.pk].pending_count) == (5, 0)
    assert (rows[open_poll.pk].total_votes, rows[open_poll.pk].pending_count) == (0, 2)
    page = response.content.decode()
    assert "120 votes at" in page
    assert "(usual 2.0/min, 80% new voters)" in page
    assert "30 votes at" not in page  # only the latest surge
    assert f"?poll__id__exact={open_poll.pk}" in page  # the count links to the queue
    assert '<img src="/static/admin/img/icon-no.svg" alt="False">' in page  # the closed one


def test_the_poll_list_costs_the_same_queries_however_many_polls(
    client, editor, demo_article, django_assert_max_num_queries
):
    client.force_login(editor)
    with CaptureQueriesContext(connection) as two_polls:
        client.get(POLLS)
    for number in range(10):
        poll = create_poll(
            article=demo_article,
            question=f"Extra question {number}?",
            kind=Poll.Kind.OPEN,
            choices=["An answer"],
            source=Poll.Source.EDITOR,
        )
        propose(poll, "A proposal")
        vote(poll, "An answer", voters=range(2))
        Surge.objects.create(
            poll=poll, minute=timezone.now(), votes=50, baseline_per_minute=1, new_voter_share=0
        )

    with django_assert_max_num_queries(len(two_polls)):
        response = client.get(POLLS)

    assert len(response.context["cl"].result_list) == 12


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "open"}, ["What mechanisms"]),
        ({"state": "closed"}, ["What mechanisms"]),
        ({"state": "open"}, ["Do you believe"]),
        ({"q": "regional blocs"}, ["Do you believe"]),
    ],
)
def test_the_poll_list_filters_by_kind_and_state_and_searches(
    client, editor, open_poll, other_article, query, expected
):
    Poll.objects.filter(pk=open_poll.pk).update(closes_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(editor)
    response = client.get(POLLS, query)
    questions = [poll.question for poll in response.context["cl"].result_list]
    assert len(questions) == len(expected)
    assert all(map(str.startswith, questions, expected))


def test_the_poll_list_filters_by_article(client, editor, yes_no_poll, other_article):
    create_poll(
        article=other_article,
        question="Elsewhere?",
        kind=Poll.Kind.OPEN,
        choices=[],
        source=Poll.Source.EDITOR,
    )
    client.force_login(editor)
    response = client.get(POLLS, {"article__id__exact": other_article.pk})
    assert [poll.question for poll in response.context["cl"].result_list] == ["Elsewhere?"]


# Closing and reopening


def test_an_editor_closes_polls_and_readers_can_no_longer_vote(
    client, editor, yes_no_poll, open_poll, announced, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "close_selected", [yes_no_poll, open_poll], follow=True)

    assert messages_of(response) == ["Closed 2 polls."]
    assert sorted(announced) == sorted([yes_no_poll.pk, open_poll.pk])
    yes_no_poll.refresh_from_db()
    assert yes_no_poll.is_closed()
    with pytest.raises(PollClosed):
        cast_vote(
            poll=yes_no_poll,
            choice_id=choice_named(yes_no_poll, "Yes").pk,
            voter=Voter(voter_key="a" * 32),
        )


def test_closing_a_closed_poll_changes_nothing(client, editor, yes_no_poll, announced):
    closed_at = timezone.now() - dt.timedelta(days=1)
    Poll.objects.filter(pk=yes_no_poll.pk).update(closed_at=closed_at)
    client.force_login(editor)
    response = run_action(client, "close_selected", [yes_no_poll], follow=True)
    assert messages_of(response) == ["Closed 0 polls."]
    yes_no_poll.refresh_from_db()
    assert yes_no_poll.closed_at == closed_at
    assert announced == []


def test_reopening_clears_a_past_closing_time_so_readers_can_vote_again(
    client, editor, yes_no_poll, open_poll, announced, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Poll.objects.filter(pk=yes_no_poll.pk).update(closes_at=now - dt.timedelta(hours=1))
    Poll.objects.filter(pk=open_poll.pk).update(closed_at=now, closes_at=now + dt.timedelta(days=1))
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "reopen_selected", [yes_no_poll, open_poll], follow=True)

    assert messages_of(response) == ["Reopened 2 polls."]
    assert sorted(announced) == sorted([yes_no_poll.pk, open_poll.pk])
    yes_no_poll.refresh_from_db()
    open_poll.refresh_from_db()
    assert (yes_no_poll.closed_at, yes_no_poll.closes_at) == (None, None)
    assert open_poll.closed_at is None
    assert open_poll.closes_at == now + dt.timedelta(days=1)  # still ahead: kept
    vote(yes_no_poll, "Yes", voters=[1])
    assert choice_named(yes_no_poll, "Yes").vote_count == 1


def test_a_moderator_can_neither_close_nor_export_polls(client, moderator, yes_no_poll):
    client.force_login(moderator)
    page = client.get(POLLS).content.decode()
    assert "Close selected polls" not in page
    assert "Export vote counts" not in page
    run_action(client, "close_selected", [yes_no_poll])
    response = run_action(client, "export_vote_counts", [yes_no_poll])
    assert "text/csv" not in response["Content-Type"]
    yes_no_poll.refresh_from_db()
    assert not yes_no_poll.is_closed()


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_readers_and_visitors_cannot_touch_polls(client, request, who, yes_no_poll):
    if who == "reader":
        client.force_login(request.getfixturevalue("reader"))
    for url in [POLLS, reverse("admin:polls_poll_change", args=[yes_no_poll.pk]), ADD_POLL]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = run_action(client, "close_selected", [yes_no_poll])
    assert response["Location"].startswith(reverse("admin:login"))
    response = run_action(client, "export_vote_counts", [yes_no_poll])
    assert response["Location"].startswith(reverse("admin:login"))
    yes_no_poll.refresh_from_db()
    assert not yes_no_poll.is_closed()


# The change form


def test_an_editor_rewords_an_answer_and_its_normalised_text_follows(
    client, editor, yes_no_poll, announced, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    url = reverse("admin:polls_poll_change", args=[yes_no_poll.pk])
    data = poll_change_data(yes_no_poll, **{"Not sure": {"text": "  Don’t   know! "}})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    choice = yes_no_poll.choices.get(position=2)
    assert choice.text == "Don’t know!"
    assert choice.normalized_text == normalize_answer("don’t KNOW")
    assert announced == [yes_no_poll.pk]


def test_two_answers_that_read_alike_are_refused(client, editor, yes_no_poll):
    client.force_login(editor)
    url = reverse("admin:polls_poll_change", args=[yes_no_poll.pk])
    response = client.post(url, poll_change_data(yes_no_poll, No={"text": "YES!"}))
    assert response.status_code == 200
    assert "Another answer of this poll already reads the same." in response.content.decode()
    assert choice_named(yes_no_poll, "No").normalized_text == "no"


def test_two_new_answers_that_read_alike_are_refused(client, editor, yes_no_poll):
    data = poll_change_data(yes_no_poll)
    for index, text in [(3, "Maybe"), (4, "maybe!")]:
        data |= {f"choices-{index}-position": index, f"choices-{index}-text": text}
        data |= {f"choices-{index}-status": "approved", f"choices-{index}-poll": yes_no_poll.pk}
    data["choices-TOTAL_FORMS"] = 5
    client.force_login(editor)
    url = reverse("admin:polls_poll_change", args=[yes_no_poll.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Two answers read the same: “maybe!”." in response.content.decode()
    assert yes_no_poll.choices.count() == 3


def test_an_answer_with_votes_cannot_be_deleted_only_rejected(client, editor, yes_no_poll):
    vote(yes_no_poll, "No", voters=[1])
    client.force_login(editor)
    url = reverse("admin:polls_poll_change", args=[yes_no_poll.pk])
    response = client.post(url, poll_change_data(yes_no_poll, No={"DELETE": "on"}))
    assert response.status_code == 200
    assert "reject it instead of deleting it" in response.content.decode()
    assert Vote.objects.filter(poll=yes_no_poll).count() == 1


def test_the_change_form_shows_the_polls_surges_with_their_numbers(client, editor, yes_no_poll):
    Surge.objects.create(
        poll=yes_no_poll,
        minute=timezone.now().replace(second=0, microsecond=0),
        votes=120,
        baseline_per_minute=2.25,
        new_voter_share=0.8,
    )
    client.force_login(editor)
    page = client.get(reverse("admin:polls_poll_change", args=[yes_no_poll.pk])).content.decode()
    assert "<td>120</td><td>2.2</td><td>80%</td>" in page


def test_a_moderator_can_look_at_a_poll_but_not_change_it(client, moderator, yes_no_poll):
    client.force_login(moderator)
    url = reverse("admin:polls_poll_change", args=[yes_no_poll.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, poll_change_data(yes_no_poll, Yes={"text": "Moderator was here"}))
    assert response.status_code == 403
    assert not yes_no_poll.choices.filter(text="Moderator was here").exists()


# The queue of proposed answers


def test_the_queue_lists_proposals_awaiting_moderation_with_how_many_readers_proposed_them(
    client, moderator, open_poll
):
    propose(open_poll, "Joint border patrols", times=3)
    propose(open_poll, "UN observers")
    moderate_proposals([propose(open_poll, "A hotline")], approve=False, moderator=moderator)
    client.force_login(moderator)

    response = client.get(PROPOSALS)
    assert response.status_code == 200
    listed = [(choice.text, choice.proposal_count) for choice in response.context["cl"].result_list]
    assert listed == [("Joint border patrols", 3), ("UN observers", 1)]
    assert "Proposed answers" in response.content.decode()

    everything = client.get(PROPOSALS, {"status": "all"}).context["cl"].result_list
    assert [choice.text for choice in everything][-1] == "A hotline"  # pending ones first


def test_the_queue_leaves_out_answers_nobody_proposed(client, moderator, yes_no_poll):
    client.force_login(moderator)
    response = client.get(PROPOSALS, {"status": "all"})
    assert list(response.context["cl"].result_list) == []


def test_a_moderator_approves_a_proposal_and_readers_can_vote_for_it(
    client, moderator, open_poll, announced, django_capture_on_commit_callbacks
):
    proposal = propose(open_poll, "Joint border patrols")
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "approve", [proposal], url=PROPOSALS, follow=True)

    assert messages_of(response) == ["Approved 1 answer: readers can vote for it now."]
    proposal.refresh_from_db()
    assert proposal.status == Choice.Status.APPROVED
    assert announced == [open_poll.pk]
    assert (
        "Joint border patrols" in client.get(open_poll.article.get_absolute_url()).content.decode()
    )
    vote(open_poll, "Joint border patrols", voters=[1])


def test_a_moderator_rejects_a_proposal_and_readers_never_see_it(client, moderator, open_poll):
    proposal = propose(open_poll, "Something rude")
    client.force_login(moderator)
    response = run_action(client, "reject", [proposal], url=PROPOSALS, follow=True)

    assert messages_of(response) == ["Rejected 1 answer: readers do not see it."]
    proposal.refresh_from_db()
    assert proposal.status == Choice.Status.REJECTED
    assert list(response.context["cl"].result_list) == []  # gone from the queue
    client.logout()
    assert "Something rude" not in client.get(open_poll.article.get_absolute_url()).content.decode()


def test_proposals_are_moderated_not_added_or_deleted_in_the_queue(client, editor, open_poll):
    proposal = propose(open_poll, "Joint border patrols")
    client.force_login(editor)
    assert client.get(reverse("admin:polls_choice_add")).status_code == 403
    delete_url = reverse("admin:polls_choice_delete", args=[proposal.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Choice.objects.filter(pk=proposal.pk).exists()


def test_a_moderator_approves_a_proposal_but_cannot_rewrite_it(
    client, moderator, open_poll, announced, django_capture_on_commit_callbacks
):
    proposal = propose(open_poll, "joint boarder patrols")
    client.force_login(moderator)
    url = reverse("admin:polls_choice_change", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert 'name="text"' not in page  # the reader's words, shown but not editable
    assert "joint boarder patrols" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Joint border patrols", "status": "approved"})

    assert response.status_code == 302, response.content.decode()[:3000]
    proposal.refresh_from_db()
    assert proposal.text == "joint boarder patrols"
    assert proposal.status == Choice.Status.APPROVED
    assert announced == [open_poll.pk]


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_readers_and_visitors_cannot_moderate(client, request, who, open_poll):
    proposal = propose(open_poll, "Joint border patrols")
    if who == "reader":
        client.force_login(request.getfixturevalue("reader"))
    response = run_action(client, "approve", [proposal], url=PROPOSALS)
    assert response["Location"].startswith(reverse("admin:login"))
    proposal.refresh_from_db()
    assert proposal.status == Choice.Status.PENDING


def test_moderators_may_change_answers_and_only_look_at_the_rest_of_polls(moderator):
    polls_permissions = {perm for perm in moderator.get_all_permissions() if perm[:6] == "polls."}
    assert polls_permissions == {"polls.view_poll", "polls.view_choice", "polls.change_choice"}


# Exporting vote counts


def test_the_export_counts_votes_per_answer_and_day_without_naming_voters(
    client, editor, reader, yes_no_poll
):
    yes, no = choice_named(yes_no_poll, "Yes"), choice_named(yes_no_poll, "No")
    first_day = dt.datetime(2025, 12, 1, 9, 30, tzinfo=dt.UTC)
    second_day = first_day + dt.timedelta(days=1)
    for choice, voter, day in [
        (yes, {"voter_key": "a" * 32}, first_day),
        (yes, {"user": reader}, second_day),
        (no, {"voter_key": "b" * 32}, second_day),
    ]:
        vote = Vote.objects.create(poll=yes_no_poll, choice=choice, **voter)
        Vote.objects.filter(pk=vote.pk).update(updated_at=day)
    Choice.objects.filter(pk=yes.pk).update(vote_count=2)
    Choice.objects.filter(pk=no.pk).update(vote_count=1)
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = run_action(client, "export_vote_counts", [yes_no_poll])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="poll-votes-')
    body = response.content.decode()
    poll, question = str(yes_no_poll.pk), yes_no_poll.question
    assert list(csv.reader(io.StringIO(body))) == [
        ["poll_id", "question", "option", "day", "votes"],
        [poll, question, "Yes", "2025-12-01", "1"],
        [poll, question, "Yes", "2025-12-02", "1"],
        [poll, question, "Yes", "", "2"],
        [poll, question, "No", "2025-12-02", "1"],
        [poll, question, "No", "", "1"],
        [poll, question, "Not sure", "", "0"],
    ]
    assert "a" * 32 not in body
    assert "b" * 32 not in body
    assert reader.username not in body
    vote_queries = [query for query in queries if '"polls_vote"' in query["sql"]]
    assert len(vote_queries) == 1


def test_an_answer_that_looks_like_a_formula_is_exported_as_text(
    client, editor, moderator, open_poll
):
    moderate_proposals([propose(open_poll, "=HYPERLINK(1)")], approve=True, moderator=moderator)
    client.force_login(editor)
    response = run_action(client, "export_vote_counts", [open_poll])
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[-1][2] == "'=HYPERLINK(1)"


# Adding a poll by hand


def test_opened_from_an_article_the_add_form_offers_its_blocks_by_where_they_stand(
    client, editor, demo_article, other_article
):
    client.force_login(editor)
    response = client.get(add_poll_url(demo_article))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lead › paragraph: Thai Foreign Minister Sihasak Phuangketkeow said the talks…" in page
    assert "Key Facts at a Glance › table:" in page
    assert "Elsewhere." not in page  # another article's block
    assert response.context["adminform"].form.fields["article"].disabled


def test_an_editor_adds_a_poll_after_a_block_and_readers_see_it_there(
    client, editor, demo_article, lead_paragraph
):
    client.force_login(editor)
    data = new_poll_data(lead_paragraph, article=demo_article.pk)
    response = client.post(add_poll_url(demo_article), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    poll = Poll.objects.get(question="Should ASEAN send observers to the border?")
    assert poll.article == demo_article
    assert poll.source == Poll.Source.EDITOR
    assert poll.results_visibility == Poll.ResultsVisibility.ALWAYS
    assert [choice.text for choice in poll.choices.all()] == ["Yes", "No", "Not sure"]
    lead = lead_paragraph.section
    assert list(lead.blocks.values_list("position", "kind")) == [
        (0, "paragraph"),
        (1, "paragraph"),
        (2, "question"),
        (3, "paragraph"),
        (4, "paragraph"),
        (5, "paragraph"),
        (6, "paragraph"),
    ]
    assert poll.block == lead.blocks.get(position=2)
    assert poll.block.text == poll.question

    page = client.get(demo_article.get_absolute_url()).content.decode()
    asked = page.index(f'id="poll-{poll.pk}"')
    assert page.index("Thai Foreign Minister Sihasak") < asked < page.index("The week’s outreach")


def test_a_multiple_choice_poll_keeps_its_answers_in_order_and_can_close_later(
    client, editor, demo_article
):
    last_block = Block.objects.get(section__article=demo_article, text__startswith="The planned")
    client.force_login(editor)
    data = new_poll_data(
        last_block,
        question="Which step matters most?",
        kind=Poll.Kind.CHOICE,
        answers="Joint patrols\n\n A hotline \nObservers\n",
        closes_at_0="2030-01-01",
        closes_at_1="12:00:00",
    )
    response = client.post(ADD_POLL, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    poll = Poll.objects.get(question="Which step matters most?")
    assert [choice.text for choice in poll.choices.all()] == [
        "Joint patrols",
        "A hotline",
        "Observers",
    ]
    assert poll.closes_at.year == 2030
    assert poll.block.position == last_block.position + 1


def test_an_open_question_may_start_without_answers(client, editor, demo_article, lead_paragraph):
    client.force_login(editor)
    data = new_poll_data(lead_paragraph, question="What would you ask them?", kind=Poll.Kind.OPEN)
    assert client.post(add_poll_url(demo_article), data).status_code == 302
    assert not Poll.objects.get(question="What would you ask them?").choices.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"kind": Poll.Kind.CHOICE, "answers": "Only one"},
            "A multiple-choice question needs at least two answers.",
        ),
        ({"kind": Poll.Kind.CHOICE, "answers": "Patrols\npatrols!"}, "is listed twice."),
        ({"question": "Tell us what you think."}, "A question must end with"),
        (
            {"closes_at_0": "2020-01-01", "closes_at_1": "12:00:00"},
            "Pick a closing time in the future, or leave it empty.",
        ),
        ({"question": "One line?\nTwo lines?"}, "A question must be exactly one line."),
        (
            {
                "question": "What mechanisms should international organizations adopt to verify "
                "ceasefires and protect civilians in similar conflicts?"
            },
            "Poll with this Article and Question already exists.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(
    client, editor, demo_article, lead_paragraph, fields, message
):
    blocks_before = list(Block.objects.values_list("pk", "section", "position"))
    client.force_login(editor)
    response = client.post(add_poll_url(demo_article), new_poll_data(lead_paragraph, **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Poll.objects.count() == 2
    assert list(Block.objects.values_list("pk", "section", "position")) == blocks_before


def test_a_block_of_another_article_is_refused(client, editor, demo_article, other_article):
    elsewhere = Block.objects.get(section__article=other_article)
    client.force_login(editor)
    response = client.post(ADD_POLL, new_poll_data(elsewhere, article=demo_article.pk))

    assert response.status_code == 200
    assert "This block belongs to “Another briefing”, not this article." in (
        response.content.decode()
    )
    assert Poll.objects.count() == 2
    assert Block.objects.filter(kind="question").count() == 2


def test_opened_from_an_article_the_article_cannot_be_swapped(
    client, editor, demo_article, other_article
):
    elsewhere = Block.objects.get(section__article=other_article)
    client.force_login(editor)
    response = client.post(
        add_poll_url(demo_article), new_poll_data(elsewhere, article=other_article.pk)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Poll.objects.count() == 2


def test_a_moderator_cannot_add_polls(client, moderator, demo_article, lead_paragraph):
    client.force_login(moderator)
    assert client.get(add_poll_url(demo_article)).status_code == 403
    response = client.post(add_poll_url(demo_article), new_poll_data(lead_paragraph))
    assert response.status_code == 403
    assert Poll.objects.count() == 2


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_readers_and_visitors_cannot_add_polls(client, request, who, demo_article, lead_paragraph):
    if who == "reader":
        client.force_login(request.getfixturevalue("reader"))
    response = client.post(add_poll_url(demo_article), new_poll_data(lead_paragraph))
    assert response["Location"].startswith(reverse("admin:login"))
    assert Poll.objects.count() == 2


def test_a_briefing_polls_question_is_changed_in_the_briefing_not_the_admin(
    client, editor, yes_no_poll
):
    client.force_login(editor)
    page = client.get(reverse("admin:polls_poll_change", args=[yes_no_poll.pk])).content.decode()
    assert 'name="question"' not in page
    assert yes_no_poll.question in page


def test_the_article_admin_links_to_adding_a_poll_in_it(client, editor, demo_article):
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[demo_article.pk]))
    assert f"{reverse('admin:polls_poll_add')}?article={demo_article.pk}" in page.content.decode()
