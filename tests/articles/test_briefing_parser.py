"""The plain-text briefing parser: the demo article, small briefings of our own, bad input."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from articles.briefing import (
    Block,
    Briefing,
    BriefingError,
    Question,
    Section,
    block_markup,
    classify_question,
    parse_block_text,
    parse_briefing,
    slugify_title,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "articles" / "demo" / "asean-border-talks.txt"
BRIEFINGS = Path(__file__).resolve().parent / "briefings"

# Spelled by name: the demo's typography is the point, and ruff flags look-alike characters.
NBH = "\N{NON-BREAKING HYPHEN}"
RSQUO = "\N{RIGHT SINGLE QUOTATION MARK}"
LDQUO, RDQUO = "\N{LEFT DOUBLE QUOTATION MARK}", "\N{RIGHT DOUBLE QUOTATION MARK}"
DEMO_TITLE = (
    f"Breaking: ASEAN Urges Restraint as Thai{NBH}Cambodian Border Talks Kick Off; "
    "Defense Officials to Meet This Week"
)
SUMMARY_TITLE = f"Summary of the 2025 Thailand{NBH}Cambodia Defense Dialog"


@pytest.fixture(scope="module")
def demo() -> Briefing:
    return parse_briefing(DEMO.read_bytes())


@pytest.fixture(scope="module")
def festival() -> Briefing:
    return parse_briefing((BRIEFINGS / "city-garden-festival.txt").read_text(encoding="utf-8"))


def section_named(briefing: Briefing, title: str | None) -> Section:
    matches = [section for section in briefing.sections if section.title == title]
    assert len(matches) == 1, f"expected one section titled {title!r}"
    return matches[0]


def briefing_text(*body: str, toc: tuple[str, ...] = ("Details",), keywords: bool = True) -> str:
    """A small valid briefing titled "Council Meets" around the given body lines."""
    lines = ["Council Meets", "Table of Contents", "- 1. Council Meets"]
    lines += [f"- {number}. {title}" for number, title in enumerate(toc, start=2)]
    lines += body
    if keywords:
        lines.append("Keywords: council, budget.")
    return "\n".join(lines) + "\n"


def kinds(blocks) -> list[str]:
    return [block.type for block in blocks]


# --------------------------------------------------------------------------- the demo article


def test_demo_title_is_the_first_line(demo):
    assert demo.title == DEMO_TITLE


def test_demo_slug_turns_the_non_breaking_hyphen_into_a_word_break(demo):
    assert demo.slug.startswith(
        "breaking-asean-urges-restraint-as-thai-cambodian-border-talks-kick-off"
    )
    assert len(demo.slug) <= 80
    assert demo.slug.isascii()
    assert not demo.slug.endswith("-")
    assert (
        demo.slug
        == "breaking-asean-urges-restraint-as-thai-cambodian-border-talks-kick-off-defense"
    )


def test_demo_toc_lists_sixteen_entries_with_markers_stripped(demo):
    assert len(demo.toc) == 16
    assert demo.toc[0] == DEMO_TITLE
    assert demo.toc[4] == SUMMARY_TITLE
    assert demo.toc[8] == f"1. Border Security & Confidence{NBH}Building"
    assert not any(title.startswith("#") for title in demo.toc)


def test_demo_lead_section_holds_the_six_opening_paragraphs(demo):
    lead = demo.sections[0]
    assert lead.title is None
    assert lead.level == 1
    assert lead.anchor == "lead"
    assert kinds(lead.blocks) == ["paragraph"] * 6
    assert lead.blocks[0].text.startswith("Regional leaders are pressing")
    assert lead.blocks[-1].text.endswith("peopel displaced by the fighting.")


def test_demo_lead_property_is_the_first_paragraph(demo):
    assert demo.lead == demo.sections[0].blocks[0].text


def test_demo_has_one_section_per_toc_entry_after_the_title_entry(demo):
    assert [section.title for section in demo.sections[1:]] == list(demo.toc[1:])


def test_demo_numbered_sections_are_level_three_and_the_others_level_two(demo):
    levels = {section.title: section.level for section in demo.sections[1:]}
    numbered = [title for title, level in levels.items() if level == 3]
    assert numbered == [
        f"1. Border Security & Confidence{NBH}Building",
        "2. Maritime & Riverine Cooperation",
        f"3. Counter{NBH}Terrorism & Organized Crime",
        "4. Defense Procurement Transparency",
    ]
    assert all(level == 2 for title, level in levels.items() if title not in numbered)


def test_demo_summary_heading_is_found_through_its_hash_marker(demo):
    summary = section_named(demo, SUMMARY_TITLE)
    assert summary.level == 2
    assert kinds(summary.blocks) == ["table", "paragraph"]


def test_demo_section_directly_followed_by_a_subsection_is_kept_empty(demo):
    assert section_named(demo, "Core Issues on the Negotiation Table").blocks == ()


def test_demo_first_table_has_no_caption_because_a_heading_is_above_it(demo):
    (table,) = section_named(demo, "Key Facts at a Glance").blocks
    assert table.type == "table"
    assert table.caption is None
    assert table.header == ("Aspect", "Detail")
    assert len(table.rows) == 5
    assert table.rows[0] == ("Border length involved", "Approximately 817 kilometers (508 miles)")


def test_demo_second_table_takes_the_line_above_it_as_caption(demo):
    table, after = section_named(demo, SUMMARY_TITLE).blocks
    assert table.caption == f"Thailand{NBH}Cambodia Defence talks: Timeline & Core Agenda"
    assert table.header == ("Date (2025)", "Location", "Primary Focus", "ASEAN involvement")
    assert len(table.rows) == 3
    assert all(len(row) == 4 for row in table.rows)
    assert table.rows[2][0] == "22 dec"
    # A full sentence after the table stays a paragraph.
    assert after.text.startswith("The schedule aligns with")


def test_demo_lists_gather_consecutive_dash_lines(demo):
    (restraint,) = section_named(
        demo, f"ASEAN{RSQUO}s Call for {LDQUO}Maximum Restraint{RDQUO}"
    ).blocks
    assert restraint.type == "list"
    assert len(restraint.items) == 5
    assert restraint.items[1] == "Key Principles emphasized"
    case_study = section_named(demo, f"Case Study: 2022 Thai{NBH}Cambodian Defence Dialogue")
    assert kinds(case_study.blocks) == ["list", "paragraph"]


def test_demo_has_one_yes_no_and_one_open_question(demo):
    first, second = demo.questions
    assert first.text.startswith("Do you believe regional blocs")
    assert first.kind == "yes_no"
    assert first.choices == ("Yes", "No", "Not sure")
    assert second.text.startswith("What mechanisms should")
    assert second.kind == "open"
    assert second.choices == ()


def test_demo_questions_stay_in_place_as_blocks_and_the_call_to_action_is_a_paragraph(demo):
    reader_questions = section_named(demo, "Reader Questions")
    assert kinds(reader_questions.blocks) == ["question", "question", "paragraph"]
    assert [block.text for block in reader_questions.blocks[:2]] == [
        question.text for question in demo.questions
    ]
    assert reader_questions.blocks[2].text.startswith("Share your thoughts in the comments")


def test_demo_question_blocks_are_left_out_of_the_section_dict(demo):
    as_dict = section_named(demo, "Reader Questions").to_dict()
    assert [block["type"] for block in as_dict["blocks"]] == ["paragraph"]


def test_demo_keywords_are_split_and_lose_the_final_period(demo):
    assert len(demo.keywords) == 14
    assert demo.keywords[0] == "Thailand defence talks"
    assert demo.keywords[-1] == f"counter{NBH}terrorism cooperation"
    assert not any(block.text.startswith("Keywords") for s in demo.sections for block in s.blocks)


def test_demo_parses_without_warnings(demo):
    assert demo.warnings == ()


def test_demo_text_is_kept_exactly_as_written(demo):
    lead_text = " ".join(block.text for block in demo.sections[0].blocks)
    assert "peopel" in lead_text
    assert "chair malaysia" in lead_text
    assert f"de{NBH}escalation" in lead_text
    assert f"The week{RSQUO}s outreach" in lead_text


def test_demo_anchors_are_unique_slugs(demo):
    anchors = [section.anchor for section in demo.sections]
    assert len(set(anchors)) == len(anchors)
    assert section_named(demo, SUMMARY_TITLE).anchor == (
        "summary-of-the-2025-thailand-cambodia-defense-dialog"
    )


def test_demo_parses_the_same_from_text_and_bytes(demo):
    assert parse_briefing(DEMO.read_text(encoding="utf-8")) == demo


def test_demo_dict_survives_a_json_round_trip(demo):
    as_dict = demo.to_dict()
    assert json.loads(json.dumps(as_dict, ensure_ascii=False)) == as_dict
    assert list(as_dict) == [
        "title",
        "slug",
        "toc",
        "sections",
        "questions",
        "keywords",
        "warnings",
    ]
    assert as_dict["sections"][0] == {
        "title": None,
        "level": 1,
        "blocks": [block.to_dict() for block in demo.sections[0].blocks],
    }


# --------------------------------------------------------------------------- a briefing of our own


def test_festival_heading_marker_on_the_title_is_stripped(festival):
    assert festival.title == "City Garden Festival Returns to Riverside Park"
    assert festival.toc[0] == festival.title
    assert festival.sections[0].title is None


def test_festival_double_hash_heading_is_level_three(festival):
    assert section_named(festival, "Getting There").level == 3


def test_festival_numbered_subsections_keep_their_number_in_the_title(festival):
    assert section_named(festival, "1. Saturday").level == 3
    assert section_named(festival, "2. Sunday").blocks[0].items == ("Family picnic",)


def test_festival_short_line_above_a_table_becomes_its_caption(festival):
    paragraph, table = section_named(festival, "Getting There").blocks
    assert paragraph.text == "Buses 12 and 40 stop at the north gate."
    assert table.caption == "Gate opening hours"
    assert table.header == ("Gate", "Opens", "Closes")
    assert table.rows == (("North", "09:00", "20:00"), ("South", "10:00", "18:00"))


def test_festival_sentence_above_a_table_stays_a_paragraph(festival):
    blocks = section_named(festival, "Vendors & Prices").blocks
    assert kinds(blocks) == ["paragraph", "table", "paragraph"]
    assert blocks[1].caption is None


def test_festival_reader_questions_section_is_recognised_case_insensitively(festival):
    assert [question.kind for question in festival.questions] == [
        "choice",
        "yes_no",
        "open",
        "yes_no",
    ]


def test_festival_choice_question_lists_its_options(festival):
    choice = festival.questions[0]
    assert choice.choices == ("a night market", "a music stage", f"a kids{RSQUO} workshop")


def test_festival_dash_question_in_reader_questions_is_a_question_not_a_list(festival):
    blocks = section_named(festival, "reader questions").blocks
    assert kinds(blocks) == ["question"] * 4 + ["paragraph"]
    assert blocks[3].text == f"Would you volunteer at next year{RSQUO}s festival?"


def test_festival_empty_keywords_are_dropped(festival):
    assert festival.keywords == ("garden festival", "Riverside Park", "lantern walk", "seed swap")


def test_festival_parses_without_warnings(festival):
    assert festival.warnings == ()


def test_first_toc_entry_that_is_not_the_title_is_a_body_section():
    briefing = parse_briefing((BRIEFINGS / "harbour-report.txt").read_bytes())
    assert briefing.toc == ("Findings", "Next Steps")
    assert [section.title for section in briefing.sections] == ["Findings", "Next Steps"]


def test_empty_lead_is_left_out():
    briefing = parse_briefing((BRIEFINGS / "harbour-report.txt").read_bytes())
    assert all(section.title is not None for section in briefing.sections)
    assert briefing.lead == "The report finds silt levels doubled since 2019."


def test_blank_lines_inside_the_toc_are_skipped():
    briefing = parse_briefing((BRIEFINGS / "harbour-report.txt").read_bytes())
    assert len(briefing.toc) == 2


def test_lead_property_is_empty_without_any_paragraph():
    briefing = parse_briefing(briefing_text("- just a list", "Details", "| a |", "|---|"))
    assert briefing.lead == ""


def test_lines_outside_reader_questions_ending_in_a_question_mark_are_paragraphs():
    briefing = parse_briefing(briefing_text("Details", "Who pays for it?"))
    assert briefing.questions == ()
    assert briefing.sections[-1].blocks == (Block(type="paragraph", text="Who pays for it?"),)


def test_blank_line_splits_two_lists():
    briefing = parse_briefing(briefing_text("Details", "- one", "- two", "", "- three"))
    assert [block.items for block in briefing.sections[-1].blocks] == [("one", "two"), ("three",)]


def test_heading_levels_follow_the_number_of_hash_marks_clamped_to_six():
    toc = ("Level Two", "Level Four", "Level Six")
    body = ("# Level Two", "### Level Four", "######## Level Six")
    briefing = parse_briefing(briefing_text(*body, toc=toc))
    assert [section.level for section in briefing.sections] == [2, 4, 6]
    assert [section.title for section in briefing.sections] == list(toc)


def test_toc_marker_sets_the_level_when_the_body_heading_has_none():
    text = briefing_text("Deep Dive", "text", toc=("### Deep Dive",))
    assert parse_briefing(text).sections[0].level == 4


def test_duplicate_toc_titles_are_two_sections_in_order():
    briefing = parse_briefing(
        briefing_text("Update", "first", "Notes", "middle", "Update", "second",
                      toc=("Update", "Notes", "Update"))
    )  # fmt: skip
    assert [(s.title, s.anchor, s.blocks[0].text) for s in briefing.sections] == [
        ("Update", "update", "first"),
        ("Notes", "notes", "middle"),
        ("Update", "update-2", "second"),
    ]


def test_heading_repeated_after_its_section_started_is_a_paragraph():
    briefing = parse_briefing(briefing_text("Details", "Details"))
    assert briefing.sections[0].blocks == (Block(type="paragraph", text="Details"),)


def test_anchors_avoid_the_lead_and_fall_back_to_the_section_position():
    briefing = parse_briefing(briefing_text("intro", "Lead", "a", "★★★", "b", toc=("Lead", "★★★")))
    assert [section.anchor for section in briefing.sections] == ["lead", "lead-2", "section-3"]


def test_caption_needs_the_line_directly_above_the_table():
    briefing = parse_briefing(briefing_text("Details", "Opening hours", "", "| a |", "|---|"))
    paragraph, table = briefing.sections[-1].blocks
    assert paragraph.text == "Opening hours"
    assert table.caption is None


def test_caption_longer_than_120_characters_stays_a_paragraph():
    long_line = "x" * 121
    briefing = parse_briefing(briefing_text("Details", long_line, "| a |", "|---|", "| 1 |"))
    assert kinds(briefing.sections[-1].blocks) == ["paragraph", "table"]
    exactly = "y" * 120
    briefing = parse_briefing(briefing_text("Details", exactly, "| a |", "|---|", "| 1 |"))
    assert briefing.sections[-1].blocks[0].caption == exactly


@pytest.mark.parametrize("ending", [".", "!", "?"])
def test_caption_ending_like_a_sentence_stays_a_paragraph(ending):
    briefing = parse_briefing(briefing_text("Details", f"Hours{ending}", "| a |", "|---|"))
    assert kinds(briefing.sections[-1].blocks) == ["paragraph", "table"]


def test_a_list_item_above_a_table_is_not_a_caption():
    briefing = parse_briefing(briefing_text("Details", "- Hours", "| a |", "|---|"))
    assert kinds(briefing.sections[-1].blocks) == ["list", "table"]


def test_keywords_line_is_recognised_case_insensitively_with_any_label():
    text = briefing_text("Details", "text", keywords=False) + "KEYWORDS used: one,two ,three.\n"
    assert parse_briefing(text).keywords == ("one", "two", "three")


def test_keywords_line_that_is_not_last_is_a_paragraph():
    text = briefing_text("Details", "Keywords: one, two", "Closing line.", keywords=False)
    briefing = parse_briefing(text)
    assert briefing.keywords == ()
    assert kinds(briefing.sections[-1].blocks) == ["paragraph", "paragraph"]


def test_only_the_title_entry_and_a_lead_is_a_valid_briefing():
    briefing = parse_briefing("Short Note\nTable of Contents\n- 1. Short Note\nJust this.\n")
    assert [section.title for section in briefing.sections] == [None]
    assert briefing.lead == "Just this."


def test_toc_header_may_carry_a_heading_marker_and_colon():
    briefing = parse_briefing("Note\n## table of contents:\n- 1. Note\nBody.\n")
    assert briefing.toc == ("Note",)


# --------------------------------------------------------------------------- repairs and warnings


def test_crlf_line_endings_are_converted_with_a_warning(festival):
    source = (BRIEFINGS / "city-garden-festival.txt").read_text(encoding="utf-8")
    briefing = parse_briefing(source.replace("\n", "\r\n"))
    assert briefing.sections == festival.sections
    assert briefing.warnings == ("Converted Windows (CRLF) line endings to plain newlines.",)


def test_bare_carriage_returns_are_converted_with_a_warning():
    briefing = parse_briefing(briefing_text("Details", "text").replace("\n", "\r"))
    assert briefing.sections[-1].blocks == (Block(type="paragraph", text="text"),)
    assert briefing.warnings == ("Converted bare carriage returns (CR) to newlines.",)


def test_trailing_spaces_and_tabs_are_removed_with_one_warning():
    briefing = parse_briefing(briefing_text("Details  ", "text\t", "more"))
    assert briefing.sections[-1].title == "Details"
    assert [block.text for block in briefing.sections[-1].blocks] == ["text", "more"]
    assert briefing.warnings == ("Removed trailing spaces or tabs from 2 lines (first: line 5).",)


def test_utf8_bom_in_bytes_is_removed_with_a_warning():
    briefing = parse_briefing(b"\xef\xbb\xbf" + briefing_text("Details", "x").encode())
    assert briefing.title == "Council Meets"
    assert briefing.warnings == (
        "Removed the UTF-8 byte order mark (BOM) at the start of the file.",
    )


def test_bom_character_in_text_is_removed_with_a_warning():
    briefing = parse_briefing("\ufeff" + briefing_text("Details", "x"))
    assert briefing.title == "Council Meets"
    assert len(briefing.warnings) == 1


def test_heading_differing_only_in_case_keeps_the_toc_title_with_a_warning():
    briefing = parse_briefing(briefing_text("WHAT comes next", "text", toc=("What Comes Next",)))
    assert briefing.sections[0].title == "What Comes Next"
    assert briefing.sections[0].anchor == "what-comes-next"
    assert briefing.warnings == (
        'Heading on line 5, "WHAT comes next", differs in case from the Table of Contents '
        'entry "What Comes Next"; used the Table of Contents spelling.',
    )


def test_title_differing_in_case_from_the_first_entry_still_counts_as_its_heading():
    briefing = parse_briefing("Council meets\nTable of Contents\n- 1. Council Meets\nLead.\n")
    assert briefing.title == "Council meets"
    assert [section.title for section in briefing.sections] == [None]
    assert any("differs in case" in warning for warning in briefing.warnings)


def test_short_table_row_is_padded_with_empty_cells():
    table_lines = ("| a | b | c |", "|---|---|---|", "| 1 | 2 |", "| 4 | 5 | 6 |")
    briefing = parse_briefing(briefing_text("Details", *table_lines))
    (table,) = briefing.sections[-1].blocks
    assert table.rows == (("1", "2", ""), ("4", "5", "6"))
    assert briefing.warnings == (
        "Table row on line 8 has 2 cells but its header has 3; added empty cells.",
    )


def test_long_table_row_keeps_its_cells_and_pads_the_header():
    table_lines = ("| a | b |", "|---|---|", "| 1 | 2 | 3 |", "| 4 | 5 |")
    briefing = parse_briefing(briefing_text("Details", *table_lines))
    (table,) = briefing.sections[-1].blocks
    assert table.header == ("a", "b", "")
    assert table.rows == (("1", "2", "3"), ("4", "5", ""))
    assert briefing.warnings == (
        "Table row on line 8 has 3 cells but its header has 2; "
        "kept the extra cells and added empty header cells.",
    )


def test_table_without_a_separator_uses_its_first_row_as_header():
    briefing = parse_briefing(briefing_text("Details", "| a | b |", "| 1 | 2 |"))
    (table,) = briefing.sections[-1].blocks
    assert table.header == ("a", "b")
    assert table.rows == (("1", "2"),)
    assert briefing.warnings == (
        "The table on line 6 has no |---| separator line; used its first row as the header.",
    )


def test_table_cells_are_trimmed_and_rows_may_omit_the_closing_pipe():
    briefing = parse_briefing(briefing_text("Details", "|  a |b|", "| :-- | --: |", "| 1 |  2"))
    (table,) = briefing.sections[-1].blocks
    assert (table.header, table.rows) == (("a", "b"), (("1", "2"),))
    assert briefing.warnings == ()


def test_missing_keywords_line_gives_no_keywords_and_a_warning():
    briefing = parse_briefing(briefing_text("Details", "Last line.", keywords=False))
    assert briefing.keywords == ()
    assert briefing.sections[-1].blocks[-1].text == "Last line."
    assert briefing.warnings == (
        'No "Keywords: …" line at the end of the briefing; the article has no keywords.',
    )


def test_keywords_line_without_keywords_is_warned_about():
    text = briefing_text("Details", "x", keywords=False) + "Keywords: .\n"
    briefing = parse_briefing(text)
    assert briefing.keywords == ()
    assert briefing.warnings == ("The keywords line (line 7) lists no keywords.",)


def test_misnumbered_toc_entry_is_warned_about():
    text = "Note\nTable of Contents\n- 1. Note\n- 3. Details\nDetails\nx\n"
    briefing = parse_briefing(text)
    assert briefing.toc == ("Note", "Details")
    assert "Table of Contents entry on line 4 is numbered 3; expected 2." in briefing.warnings


def test_text_between_title_and_toc_is_kept_as_lead_with_a_warning():
    text = "Note\nBy our reporter\nTable of Contents\n- 1. Note\nFirst paragraph.\n"
    briefing = parse_briefing(text)
    assert [block.text for block in briefing.sections[0].blocks] == [
        "By our reporter",
        "First paragraph.",
    ]
    assert "Kept lines 2-2 between the title and the Table of Contents as lead text." in (
        briefing.warnings
    )


def test_repeated_reader_question_is_kept_once_with_a_warning():
    body = ("Reader Questions", "Is it fair?", "Is it fair?")
    briefing = parse_briefing(briefing_text(*body, toc=("Reader Questions",)))
    assert [question.text for question in briefing.questions] == ["Is it fair?"]
    assert kinds(briefing.sections[-1].blocks) == ["question"]
    assert briefing.warnings == ("Reader question on line 7 repeats an earlier one; ignored it.",)


def test_all_repairs_together_still_give_the_clean_structure(festival):
    source = (BRIEFINGS / "city-garden-festival.txt").read_text(encoding="utf-8")
    messy = "\ufeff" + source.replace("\n", "  \r\n")
    briefing = parse_briefing(messy.encode("utf-8"))
    assert briefing.sections == festival.sections
    assert briefing.questions == festival.questions
    assert briefing.keywords == festival.keywords
    assert len(briefing.warnings) == 3


def test_every_warning_is_a_single_line():
    text = "\ufeff" + briefing_text("details ", "| a | b |", "| 1 |", keywords=False)
    warnings = parse_briefing(text.replace("\n", "\r\n")).warnings
    assert len(warnings) == 7
    assert all(isinstance(warning, str) and "\n" not in warning for warning in warnings)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("source", ["", "   \n\t\n", b"", b"\n\n"])
def test_empty_briefing_is_an_error(source):
    with pytest.raises(BriefingError, match="empty"):
        parse_briefing(source)


def test_bytes_that_are_not_utf8_are_an_error():
    latin1 = briefing_text("Details", "Café").encode("latin-1")
    with pytest.raises(BriefingError, match="not valid UTF-8"):
        parse_briefing(latin1)


def test_utf16_bytes_are_an_error_naming_the_encoding():
    with pytest.raises(BriefingError, match="UTF-16"):
        parse_briefing(briefing_text("Details", "x").encode("utf-16"))


def test_nul_bytes_are_an_error():
    with pytest.raises(BriefingError, match="binary"):
        parse_briefing(b"Title\x00\x01\x02\nTable of Contents\n- 1. Title\n")


def test_nul_characters_in_text_are_an_error():
    with pytest.raises(BriefingError, match="binary"):
        parse_briefing("Title\nTable of Contents\n- 1. Title\nx\x00y\n")


def test_first_line_being_the_toc_is_a_missing_title_error():
    with pytest.raises(BriefingError, match="no title: line 2"):
        parse_briefing("\nTable of Contents\n- 1. Intro\nIntro\n")


def test_missing_toc_is_an_error():
    with pytest.raises(BriefingError, match='No "Table of Contents" line'):
        parse_briefing("Title\nJust some text.\n")


def test_toc_without_entries_is_an_error():
    with pytest.raises(BriefingError, match="Table of Contents on line 2 has no entries"):
        parse_briefing("Title\nTable of Contents\nBody text.\n")


def test_toc_entry_without_a_title_is_an_error():
    with pytest.raises(BriefingError, match="entry on line 4 has no title"):
        parse_briefing("Title\nTable of Contents\n- 1. Title\n- 2.\nBody.\n")


def test_toc_title_missing_from_the_body_is_an_error_naming_it():
    text = briefing_text("Details", "x", toc=("Details", "Aftermath"))
    with pytest.raises(BriefingError, match='entry 3 "Aftermath" never appears'):
        parse_briefing(text)


def test_later_heading_before_an_earlier_one_is_an_error_naming_the_missing_one():
    text = briefing_text("Second", "x", "First", "y", toc=("First", "Second"))
    with pytest.raises(BriefingError) as raised:
        parse_briefing(text)
    message = str(raised.value)
    assert 'entry 2 "First" was not found before line 6' in message
    assert 'later entry 3 "Second"' in message


def test_duplicate_toc_title_appearing_once_is_an_error():
    text = briefing_text("Update", "x", toc=("Update", "Update"))
    with pytest.raises(BriefingError, match='entry 3 "Update" never appears'):
        parse_briefing(text)


def test_briefing_error_is_a_value_error_with_a_one_line_message():
    with pytest.raises(ValueError, match="never appears") as raised:
        parse_briefing(briefing_text("nothing here"))
    assert isinstance(raised.value, BriefingError)
    assert "\n" not in str(raised.value)


def test_source_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError):
        parse_briefing(None)


# --------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    ("text", "kind", "choices"),
    [
        (
            "Which should come first: joint patrols, a hotline, or river monitoring?",
            "choice",
            ("joint patrols", "a hotline", "river monitoring"),
        ),
        ("Pick one: tea or coffee?", "choice", ("tea", "coffee")),
        ("Pick one: red, green OR blue?", "choice", ("red", "green", "blue")),
        ("Should the council act: now, or after the audit?", "choice", ("now", "after the audit")),
        ("Which matters more: cost, speed?", "open", ()),
        ("Tea or coffee: which do you prefer?", "open", ()),
        ("Would you come at 10:30 or later?", "yes_no", ("Yes", "No", "Not sure")),
        ("Do you agree?", "yes_no", ("Yes", "No", "Not sure")),
        ("MUST we wait?", "yes_no", ("Yes", "No", "Not sure")),
        ("“Should we wait?”", "yes_no", ("Yes", "No", "Not sure")),
        ("Doing nothing is an option?", "open", ()),
        ("Isn't it late?", "open", ()),
        ("Why now?", "open", ()),
    ],
)
def test_questions_are_classified_by_their_wording(text, kind, choices):
    assert classify_question(text) == Question(text=text, kind=kind, choices=choices)


def test_every_auxiliary_verb_opens_a_yes_no_question():
    verbs = (
        "Do Does Did Should Can Could Will Would Is Are Was Were Has Have Had Shall May Might Must"
    )
    assert {classify_question(f"{verb} it?").kind for verb in verbs.split()} == {"yes_no"}


def test_classify_question_trims_and_rejects_empty_text():
    assert classify_question("  Why?  ").text == "Why?"
    with pytest.raises(BriefingError):
        classify_question("   ")


# --------------------------------------------------------------------------- slugs


def test_slug_replaces_every_unicode_dash_before_folding_to_ascii():
    assert (
        slugify_title(f"Franco{NBH}German \N{EN DASH} talks\N{EM DASH}resume")
        == "franco-german-talks-resume"
    )


def test_slug_is_cut_at_a_word_boundary_without_a_trailing_hyphen():
    slug = slugify_title("alpha beta gamma delta", max_length=13)
    assert slug == "alpha-beta"
    assert slugify_title("alpha beta gamma", max_length=10) == "alpha-beta"
    assert slugify_title("alpha beta gamma", max_length=11) == "alpha-beta"


def test_slug_of_a_single_overlong_word_is_cut_hard():
    assert slugify_title("a" * 100) == "a" * 80


def test_slug_of_symbols_only_is_empty():
    assert slugify_title("★ ★") == ""


def test_slug_folds_accents():
    assert slugify_title("Crêpes à Paris") == "crepes-a-paris"


# --------------------------------------------------------------------------- admin block text


def test_block_text_paragraph_is_trimmed():
    assert parse_block_text("paragraph", "  Hello there.\n") == Block(
        "paragraph", text="Hello there."
    )


@pytest.mark.parametrize("text", ["", "  \n "])
def test_block_text_empty_paragraph_is_an_error(text):
    with pytest.raises(BriefingError, match="needs some text"):
        parse_block_text("paragraph", text)


def test_block_text_paragraph_of_two_lines_is_an_error():
    with pytest.raises(BriefingError, match="single line"):
        parse_block_text("paragraph", "One.\nTwo.")


def test_block_text_list_accepts_lines_with_and_without_dashes():
    block = parse_block_text("list", "- one\r\ntwo\n\n-  three ")
    assert block == Block("list", items=("one", "two", "three"))


def test_block_text_empty_list_is_an_error():
    with pytest.raises(BriefingError, match="at least one item"):
        parse_block_text("list", "\n- \n")


def test_block_text_table_with_caption():
    block = parse_block_text("table", "Opening hours\n| Day | Hours |\n|---|---|\n| Mon | 9-5 |")
    assert block == Block(
        "table", caption="Opening hours", header=("Day", "Hours"), rows=(("Mon", "9-5"),)
    )


def test_block_text_table_repairs_ragged_rows():
    block = parse_block_text("table", "| a | b |\n|---|---|\n| 1 |")
    assert block.caption is None
    assert block.rows == (("1", ""),)


def test_block_text_table_round_trips_the_demo_tables(demo):
    for section in demo.sections:
        for block in section.blocks:
            if block.type == "table":
                lines = [block.caption] if block.caption else []
                lines += ["| " + " | ".join(block.header) + " |", "|---" * len(block.header) + "|"]
                lines += ["| " + " | ".join(row) + " |" for row in block.rows]
                assert parse_block_text("table", "\n".join(lines)) == block


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs a header line"),
        ("Caption only", "needs a header line"),
        ("A full sentence.\n| a |\n|---|", "caption must be one line"),
        ("| a |\n|---|\nstray text", 'Line 3 of the table does not start with "|"'),
    ],
)
def test_block_text_table_errors(text, message):
    with pytest.raises(BriefingError, match=message):
        parse_block_text("table", text)


def test_block_text_question():
    assert parse_block_text("question", " Is it fair? \n") == Block("question", text="Is it fair?")


@pytest.mark.parametrize(
    ("text", "message"),
    [("It is fair.", 'end with "\\?"'), ("Is it?\nReally?", "exactly one line"), ("", "one line")],
)
def test_block_text_question_errors(text, message):
    with pytest.raises(BriefingError, match=message):
        parse_block_text("question", text)


def test_block_text_unknown_kind_is_an_error():
    with pytest.raises(BriefingError, match='Unknown block kind "image"'):
        parse_block_text("image", "x")


# --------------------------------------------------------------------------- result objects


def test_block_dicts_have_the_documented_shapes():
    assert Block("paragraph", text="p").to_dict() == {"type": "paragraph", "text": "p"}
    assert Block("question", text="q?").to_dict() == {"type": "question", "text": "q?"}
    assert Block("list", items=("a", "b")).to_dict() == {"type": "list", "items": ["a", "b"]}
    assert Block("table", header=("h",), rows=(("c",),)).to_dict() == {
        "type": "table",
        "caption": None,
        "header": ["h"],
        "rows": [["c"]],
    }


def test_section_dict_has_no_anchor():
    section = Section(title="T", level=2, anchor="t", blocks=(Block("paragraph", text="p"),))
    assert section.to_dict() == {
        "title": "T",
        "level": 2,
        "blocks": [{"type": "paragraph", "text": "p"}],
    }


def test_question_dict_lists_its_choices():
    assert classify_question("Is it?").to_dict() == {
        "text": "Is it?",
        "kind": "yes_no",
        "choices": ["Yes", "No", "Not sure"],
    }


def test_parsed_results_are_immutable(demo):
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.title = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.sections[0].blocks[0].text = "changed"


# --------------------------------------------------------------------------- the module itself


def test_parser_knows_nothing_about_the_demo_article():
    source = (ROOT / "articles" / "briefing.py").read_text(encoding="utf-8").casefold()
    for word in ("asean", "thai", "cambodia", "malaysia", "border", "ceasefire"):
        assert word not in source


def test_parser_works_without_django_settings():
    script = (
        "from django.conf import settings\n"
        "from articles.briefing import parse_briefing\n"
        f"briefing = parse_briefing(open({str(DEMO)!r}, 'rb').read())\n"
        "assert briefing.slug and not settings.configured\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_block_of_the_demo_survives_being_written_back_and_read_again():
    briefing = parse_briefing(DEMO.read_bytes())
    blocks = [block for section in briefing.sections for block in section.blocks]
    assert {block.type for block in blocks} == {"paragraph", "list", "table", "question"}
    for block in blocks:
        assert parse_block_text(block.type, block_markup(block)) == block
