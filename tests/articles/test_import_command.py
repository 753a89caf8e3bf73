import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Block, Section
from polls.models import Choice, Poll
from tests.conftest import DEMO_BRIEFING

SMALL_BRIEFING = """Council Votes on River Bridge
Table of Contents
- 1. Council Votes on River Bridge
- 2. What Was Decided
- 3. Reader Questions
The council met on Monday.
What Was Decided
- Funding approved
- Works start in spring
Reader Questions
Should the bridge carry a tram line?
Which matters most: cost, speed, or safety?
Tell us below.
Keywords woven naturally: bridge, council.
"""


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_briefing", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot():
    """Everything the importer writes, to prove a failure left it untouched."""
    return (
        list(Article.objects.values_list("slug", "title", "status")),
        Section.objects.count(),
        Block.objects.count(),
        list(Poll.objects.values_list("question", "kind")),
        Choice.objects.count(),
    )


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "bridge.txt"
    path.write_text(SMALL_BRIEFING, encoding="utf-8")
    return path


def test_it_imports_the_demo_article_with_a_poll_per_question(db):
    out, _ = run(str(DEMO_BRIEFING))
    article = Article.objects.get()
    assert article.slug.startswith("breaking-asean-urges-restraint-as-thai-cambodian-border-talks")
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at is not None
    assert article.sections.count() == 16  # the lead and 15 body sections
    assert len(article.keywords) == 14
    polls = list(article.polls.order_by("position"))
    assert [poll.kind for poll in polls] == ["yes_no", "open"]
    assert [c.text for c in polls[0].choices.all()] == ["Yes", "No", "Not sure"]
    assert polls[1].choices.count() == 0
    assert all(poll.block.kind == Block.Kind.QUESTION for poll in polls)
    assert f"Created {article.slug}" in out


def test_importing_twice_gives_one_article_and_keeps_the_polls(db):
    run(str(DEMO_BRIEFING))
    first_polls = list(Poll.objects.order_by("position").values_list("pk", flat=True))
    before = snapshot()
    out, _ = run(str(DEMO_BRIEFING))
    assert snapshot() == before
    assert list(Poll.objects.order_by("position").values_list("pk", flat=True)) == first_polls
    assert "Updated" in out
    assert "2 kept" in out


def test_a_reimport_keeps_unchanged_polls_and_replaces_changed_ones(db, small_file):
    run(str(small_file))
    tram = Poll.objects.get(question="Should the bridge carry a tram line?")
    small_file.write_text(
        SMALL_BRIEFING.replace("Which matters most", "What matters most"), encoding="utf-8"
    )
    out, _ = run(str(small_file))
    assert Poll.objects.get(question="Should the bridge carry a tram line?").pk == tram.pk
    assert Poll.objects.get(question__startswith="What matters most").kind == "choice"
    assert not Poll.objects.filter(question__startswith="Which matters most").exists()
    assert "1 new, 1 kept, 1 removed" in out


def test_a_choice_question_gets_its_listed_options(db, small_file):
    run(str(small_file))
    poll = Poll.objects.get(kind="choice")
    assert [c.text for c in poll.choices.all()] == ["cost", "speed", "safety"]


def test_slug_and_status_options(db, small_file):
    run(str(small_file), "--slug", "bridge-vote", "--status", "draft")
    article = Article.objects.get()
    assert (article.slug, article.status, article.published_at) == ("bridge-vote", "draft", None)


def test_dry_run_json_prints_the_parsed_article_and_writes_nothing(db, small_file):
    out, _ = run(str(small_file), "--dry-run", "--json")
    parsed = json.loads(out)
    assert list(parsed) == [
        "title",
        "slug",
        "toc",
        "sections",
        "questions",
        "keywords",
        "warnings",
    ]
    assert parsed["title"] == "Council Votes on River Bridge"
    assert parsed["sections"][0] == {
        "title": None,
        "level": 1,
        "blocks": [{"type": "paragraph", "text": "The council met on Monday."}],
    }
    assert parsed["questions"][1] == {
        "text": "Which matters most: cost, speed, or safety?",
        "kind": "choice",
        "choices": ["cost", "speed", "safety"],
    }
    assert snapshot() == ([], 0, 0, [], 0)


def test_dry_run_without_json_says_what_it_would_do(db, small_file):
    out, _ = run(str(small_file), "--dry-run")
    assert "Nothing written" in out
    assert snapshot() == ([], 0, 0, [], 0)


def test_warnings_are_reported_on_stderr(db, tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(SMALL_BRIEFING.replace("\n", "\r\n").encode())
    _, err = run(str(path))
    assert err.startswith("warning: ")
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00T\x00i\x00t\x00l\x00e", "UTF-8"),
        (b"Title only\nNo contents here\n", "Table of Contents"),
        (
            b"Title\nTable of Contents\n- 1. Title\n- 2. Missing Part\nBody text.\n",
            "Missing Part",
        ),
    ],
    ids=["empty", "not-utf8", "no-toc", "toc-title-missing-from-body"],
)
def test_bad_input_fails_with_one_line_and_changes_nothing(
    db, tmp_path, small_file, content, message
):
    run(str(small_file))
    before = snapshot()
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert message.lower() in str(error.value).lower()
    assert "\n" not in str(error.value)
    assert snapshot() == before


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no such file"):
        run("/nowhere/briefing.txt")


def test_a_bad_slug_is_refused(db, small_file):
    with pytest.raises(CommandError, match="not a slug"):
        run(str(small_file), "--slug", "Not A Slug!")
    assert snapshot() == ([], 0, 0, [], 0)


def test_a_failure_while_writing_rolls_everything_back(db, small_file, monkeypatch):
    run(str(small_file))
    before = snapshot()

    def explode(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("articles.importer.sync_polls", explode)
    with pytest.raises(RuntimeError):
        run(str(small_file))
    assert snapshot() == before
