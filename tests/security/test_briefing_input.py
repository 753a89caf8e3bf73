"""Bad input to the briefing parser, importer and import command, and the exporter's round trip.

Whatever bytes an editor feeds in, the parser either refuses them with a
BriefingError (one readable line) or returns a well-formed Briefing; what it
exports, it reads back as the same briefing.
"""

import dataclasses
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import assume, given
from hypothesis import strategies as st

from articles.briefing import (
    Block,
    Briefing,
    BriefingError,
    Section,
    classify_question,
    export_briefing,
    parse_briefing,
    slugify_title,
)
from articles.importer import import_briefing
from articles.models import Article
from articles.models import Block as StoredBlock
from articles.models import Section as StoredSection
from polls.models import Poll
from tests.security import bounded

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "articles" / "demo" / "asean-border-talks.txt"
DEMO_LINES = DEMO.read_text(encoding="utf-8").split("\n")


def without_warnings(briefing: Briefing) -> Briefing:
    return dataclasses.replace(briefing, warnings=())


def assert_well_formed(briefing: Briefing) -> None:
    """What every page and the importer rely on, whatever the input was."""
    assert briefing.title
    assert briefing.title == briefing.title.strip()
    assert briefing.slug == slugify_title(briefing.title)
    assert all(briefing.toc)
    assert briefing.toc
    anchors = [section.anchor for section in briefing.sections]
    assert len(anchors) == len(set(anchors))
    assert all(anchor and " " not in anchor for anchor in anchors)
    for section in briefing.sections:
        assert 1 <= section.level <= 6
        assert (section.title is None) == (section.level == 1)
        for block in section.blocks:
            assert block.type in {"paragraph", "list", "table", "question"}
            if block.type == "table":
                assert all(len(row) == len(block.header) for row in block.rows)
    asked = [b.text for s in briefing.sections for b in s.blocks if b.type == "question"]
    assert asked == [question.text for question in briefing.questions]
    assert all(question.kind in {"yes_no", "choice", "open"} for question in briefing.questions)
    json.dumps(briefing.to_dict())


def parse_or_refuse(source):
    try:
        briefing = parse_briefing(source)
    except BriefingError as error:
        assert_one_line(str(error))
        return None
    assert_well_formed(briefing)
    return briefing


def assert_one_line(message: str) -> None:
    assert message
    assert "\n" not in message
    assert len(message) < 500


# --------------------------------------------------------------------------- arbitrary input


@bounded(300)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_or_are_refused_with_one_line(source):
    parse_or_refuse(source)


@bounded(300)
@given(st.text(max_size=2000))
def test_any_text_parses_or_is_refused_with_one_line(source):
    parse_or_refuse(source)


# Lines that mean something to the parser, to make random text reach its deeper branches.
MEANINGFUL_LINES = st.sampled_from(
    [
        "Table of Contents",
        "## table of contents:",
        "- 1. Title",
        "- 2. Reader Questions",
        "- 3. # Numbered",
        "- 9.",
        "Reader Questions",
        "# Numbered",
        "1. Sub",
        "Title",
        "- item",
        "-",
        "- Is it true?",
        "Which: a, b, or c?",
        "?",
        "| a | b |",
        "|---|:-:|",
        "| x |",
        "|",
        "Caption",
        "Keywords: a, b.",
        "keywords:",
        "\ufeff",
        "\r",
        "",
        "   ",
    ]
)
LINES = st.lists(st.one_of(MEANINGFUL_LINES, st.text(max_size=40)), max_size=40)


@bounded(400)
@given(LINES, st.sampled_from(["\n", "\r\n", "\r"]))
def test_text_made_of_briefing_lines_parses_or_is_refused(lines, newline):
    parse_or_refuse(newline.join(lines))


@st.composite
def mutated_demo(draw):
    """The demo briefing with lines dropped, repeated, swapped, changed or inserted."""
    lines = list(DEMO_LINES)
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "swap", "replace", "insert", "case"]))
        if action == "drop" and len(lines) > 1:
            del lines[index]
        elif action == "repeat":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "replace":
            lines[index] = draw(st.one_of(MEANINGFUL_LINES, st.text(max_size=60)))
        elif action == "insert":
            lines.insert(index, draw(st.one_of(MEANINGFUL_LINES, st.text(max_size=60))))
        else:
            lines[index] = lines[index].swapcase()
    source = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        # A byte flipped somewhere: maybe invalid UTF-8, maybe a NUL.
        position = draw(st.integers(0, len(source) - 1))
        source = source[:position] + bytes([draw(st.integers(0, 255))]) + source[position + 1 :]
    return source


@bounded(200)
@given(mutated_demo())
def test_a_mutated_demo_briefing_parses_or_is_refused(source):
    briefing = parse_or_refuse(source)
    if briefing is not None:
        # Whatever it made of the text, it can write it back and read it again.
        try:
            exported = export_briefing(briefing)
        except BriefingError:
            return
        assert without_warnings(parse_briefing(exported)) == without_warnings(briefing)


SECTION_TITLES = ["Reader Questions", "Facts", "# Marked", "1. Numbered", "## Deep", "facts"]


@st.composite
def briefing_shaped_text(draw):
    """A title, a ToC of some of SECTION_TITLES, then a body of their headings and odd lines."""
    titles = draw(st.lists(st.sampled_from(SECTION_TITLES), min_size=1, max_size=4, unique=True))
    title = draw(st.one_of(st.just("Title"), st.text(min_size=1, max_size=20)))
    toc = ([title] if draw(st.booleans()) else []) + titles
    body = []
    for heading in titles:
        body.append(heading if draw(st.booleans()) else heading.upper())
        body.extend(draw(st.lists(st.one_of(MEANINGFUL_LINES, st.text(max_size=30)), max_size=6)))
    lines = [title, "Table of Contents"]
    lines += [f"- {n}. {entry}" for n, entry in enumerate(toc, start=1)]
    return "\n".join(lines + body)


@bounded(300)
@given(briefing_shaped_text())
def test_whatever_parses_exports_to_text_that_parses_the_same(text):
    briefing = parse_or_refuse(text)
    assume(briefing is not None)
    try:
        exported = export_briefing(briefing)
    except BriefingError as error:
        refusal = str(error)
    else:
        assert without_warnings(parse_briefing(exported)) == without_warnings(briefing)
        return
    assert "cannot be exported" in refusal


def test_a_parser_bug_is_not_swallowed_as_a_refusal():
    with pytest.raises(TypeError):
        parse_briefing(["not", "text"])


# --------------------------------------------------------------------------- generated briefings

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé‑’", min_size=1, max_size=8)
WORDS = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
SENTENCE = WORDS.map(lambda text: text.capitalize() + ".")
QUESTION = st.one_of(
    WORDS.map(lambda text: f"Do {text}?"),
    st.tuples(WORDS, st.lists(WORD, min_size=2, max_size=4, unique=True)).map(
        lambda pair: f"Which {pair[0]}: {', '.join(pair[1][:-1])}, or {pair[1][-1]}?"
    ),
    WORDS.map(lambda text: f"What {text}?"),
)
CELL = st.one_of(st.just(""), WORDS)


@st.composite
def tables(draw):
    width = draw(st.integers(1, 4))
    header = tuple(draw(st.lists(CELL, min_size=width, max_size=width)))
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width).map(tuple), max_size=4))
    caption = draw(st.one_of(st.none(), WORDS.map(lambda text: "Table: " + text)))
    return Block(type="table", caption=caption, header=header, rows=tuple(rows))


BLOCK = st.one_of(
    SENTENCE.map(lambda text: Block(type="paragraph", text=text)),
    st.lists(WORDS, min_size=1, max_size=5).map(
        lambda items: Block(type="list", items=tuple(items))
    ),
    tables(),
)


@st.composite
def briefings(draw):
    """A valid Briefing built directly, the way the parser would have built it."""
    title = "Title " + draw(WORDS)
    count = draw(st.integers(0, 6))
    # "Heading" keeps titles apart from paragraphs, which are capitalised sentences.
    titles = draw(
        st.lists(
            st.one_of(WORDS.map("Heading {}".format), WORDS.map("1. Heading {}".format)),
            min_size=count,
            max_size=count,
            unique_by=str.casefold,
        )
    )
    reader_questions = draw(st.integers(-1, len(titles)))  # where it goes; -1: none
    if reader_questions >= 0:
        titles.insert(reader_questions, "Reader Questions")
    starts_with_title = draw(st.booleans())
    toc = ([title] if starts_with_title else []) + titles

    from articles.briefing import _AnchorMaker, _section_level

    anchors = _AnchorMaker()
    sections, questions = [], []
    lead = draw(st.lists(BLOCK, max_size=3))
    if lead:
        sections.append(Section(None, 1, anchors.anchor_for(None, 1), tuple(lead)))
    for heading in titles:
        level = draw(st.one_of(st.just(_section_level(heading, None)), st.integers(2, 6)))
        if heading == "Reader Questions":
            asked = draw(st.lists(QUESTION, max_size=4, unique=True))
            questions.extend(classify_question(text) for text in asked)
            blocks = [Block(type="question", text=text) for text in asked]
            blocks[:0] = draw(st.lists(BLOCK, max_size=1))
        else:
            blocks = draw(st.lists(BLOCK, max_size=4))
        anchor = anchors.anchor_for(heading, position=len(sections) + 1)
        sections.append(Section(heading, level, anchor, tuple(blocks)))
    keywords = tuple(draw(st.lists(WORDS, max_size=4)))
    return Briefing(
        title=title,
        slug=slugify_title(title),
        toc=tuple(toc),
        sections=tuple(sections),
        questions=tuple(questions),
        keywords=keywords,
        warnings=(),
    )


@bounded(300)
@given(briefings())
def test_a_generated_briefing_survives_export_and_import(briefing):
    assume(briefing.toc)
    parsed = parse_briefing(export_briefing(briefing))
    assert without_warnings(parsed) == briefing
    assert parsed.questions == briefing.questions


def test_the_demo_briefing_survives_export_and_import(demo_briefing):
    exported = export_briefing(demo_briefing)
    again = parse_briefing(exported)
    assert without_warnings(again) == without_warnings(demo_briefing)
    assert again.warnings == ()  # the exporter writes the format cleanly
    assert export_briefing(again) == exported


# --------------------------------------------------------------------------- exporter units


def small_briefing(**changes):
    source = (
        "Small\nTable of Contents\n- 1. Small\n- 2. Facts\n- 3. Reader Questions\n"
        "Lead line.\nFacts\n- one\n- two\nCaption here\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        "Reader Questions\nDo you agree?\nKeywords: x, y.\n"
    )
    return dataclasses.replace(parse_briefing(source), **changes)


def test_export_writes_the_text_format():
    assert export_briefing(small_briefing()) == (
        "Small\nTable of Contents\n- 1. Small\n- 2. Facts\n- 3. Reader Questions\n"
        "\nLead line.\n"
        "\n# Facts\n\n- one\n- two\n\nCaption here\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        "\n# Reader Questions\n\n- Do you agree?\n"
        "\nKeywords: x, y.\n"
    )


def test_export_keeps_a_title_that_looks_like_a_heading_marker():
    briefing = parse_briefing("# # Hash\nTable of Contents\n- 1. Only\nOnly\nText.\n")
    assert briefing.title == "# Hash"
    assert parse_briefing(export_briefing(briefing)).title == "# Hash"


def test_export_writes_an_empty_keywords_line_for_no_keywords():
    exported = export_briefing(small_briefing(keywords=()))
    assert exported.endswith("\nKeywords: .\n")
    assert parse_briefing(exported).keywords == ()


def test_export_refuses_a_lead_the_table_of_contents_would_swallow():
    briefing = parse_briefing("T\n- 2. looks like an entry\nTable of Contents\n- 1. T\nText.\n")
    assert briefing.sections[0].blocks[0].items == ("2. looks like an entry",)
    with pytest.raises(BriefingError, match="cannot be exported"):
        export_briefing(briefing)


# --------------------------------------------------------------------------- importer and command


@pytest.mark.django_db
@bounded(25)
@given(briefings())
def test_an_imported_briefing_is_stored_as_parsed(briefing):
    assume(briefing.toc)
    parsed = parse_briefing(export_briefing(briefing))
    article = import_briefing(parsed).article
    assert article.title == briefing.title
    stored = list(StoredSection.objects.filter(article=article).order_by("position"))
    assert [s.title or None for s in stored] == [s.title for s in briefing.sections]
    assert StoredBlock.objects.filter(section__article=article).count() == sum(
        len(section.blocks) for section in briefing.sections
    )
    assert sorted(article.polls.values_list("question", flat=True)) == sorted(
        question.text for question in briefing.questions
    )
    Article.objects.all().delete()


@pytest.mark.django_db
@bounded(40)
@given(st.one_of(st.binary(max_size=300), mutated_demo()))
def test_the_import_command_fails_cleanly_and_writes_nothing(tmp_path_factory, source):
    path = tmp_path_factory.mktemp("briefing") / "in.txt"
    path.write_bytes(source)
    before = (Article.objects.count(), Poll.objects.count())
    try:
        call_command("import_briefing", str(path), "--slug", "fuzzed", stdout=None, stderr=None)
    except CommandError as error:
        refusal = str(error)
    else:
        assert Article.objects.filter(slug="fuzzed").exists()
        Article.objects.all().delete()
        return
    assert refusal.startswith(f"{path}: ")
    assert_one_line(refusal)
    assert (Article.objects.count(), Poll.objects.count()) == before
