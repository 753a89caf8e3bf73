"""Parse the plain-text "briefing" format into a structured article.

A briefing is a title line, a ``Table of Contents`` listing every section as
``- N. Title``, the body (whose headings repeat the ToC titles, in order), and
an optional final ``Keywords: a, b, c.`` line. Inside a section each line is a
paragraph, consecutive ``- `` lines form a list, and ``|``-lines form a table.
The ``Reader Questions`` section turns its ``?`` lines into reader polls.

The parser is deliberately strict about structure (a ToC entry missing from the
body is an error the editor must fix) and forgiving about typing accidents
(CRLF, trailing spaces, a BOM, a heading in the wrong case, ragged tables),
which it repairs and reports in ``Briefing.warnings``. Text is never
rewritten: spelling, Unicode hyphens and quotes are kept exactly as written.

Standard library only, apart from Django's ``slugify`` (importable without
settings).
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.text import slugify

__all__ = [
    "Block",
    "Briefing",
    "BriefingError",
    "Question",
    "Section",
    "block_markup",
    "classify_question",
    "export_briefing",
    "parse_block_text",
    "parse_briefing",
    "slugify_title",
]


class BriefingError(ValueError):
    """The briefing cannot be parsed; the message is one line meant for the editor."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Block:
    type: str  # "paragraph" | "list" | "table" | "question"
    text: str = ""
    items: tuple[str, ...] = ()
    caption: str | None = None
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    def to_dict(self) -> dict:
        if self.type == "list":
            return {"type": "list", "items": list(self.items)}
        if self.type == "table":
            return {
                "type": "table",
                "caption": self.caption,
                "header": list(self.header),
                "rows": [list(row) for row in self.rows],
            }
        return {"type": self.type, "text": self.text}


@dataclass(frozen=True)
class Section:
    title: str | None  # None for the lead (the text between the ToC and the first heading)
    level: int
    anchor: str
    blocks: tuple[Block, ...]

    def to_dict(self) -> dict:
        # Questions are listed once, under the briefing's top-level "questions";
        # the question blocks only exist so a page can show a poll in place.
        return {
            "title": self.title,
            "level": self.level,
            "blocks": [block.to_dict() for block in self.blocks if block.type != "question"],
        }


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # "yes_no" | "choice" | "open"
    choices: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"text": self.text, "kind": self.kind, "choices": list(self.choices)}


@dataclass(frozen=True)
class Briefing:
    title: str
    slug: str
    toc: tuple[str, ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    keywords: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def lead(self) -> str:
        """The first paragraph of the article (for meta descriptions), "" if there is none."""
        for section in self.sections:
            for block in section.blocks:
                if block.type == "paragraph":
                    return block.text
        return ""

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "slug": self.slug,
            "toc": list(self.toc),
            "sections": [section.to_dict() for section in self.sections],
            "questions": [question.to_dict() for question in self.questions],
            "keywords": list(self.keywords),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------- syntax

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

TOC_HEADER = re.compile(r"(?:#+\s+)?table of contents:?", re.IGNORECASE)
TOC_ENTRY = re.compile(r"-\s+(\d+)\.(?:\s+(.*))?")
HEADING_MARKER = re.compile(r"(#+)\s+(.*)")
NUMBERED_TITLE = re.compile(r"\d+\.\s")
SEPARATOR_CELL = re.compile(r":?-+:?")
LIST_PREFIX = "- "
LIST_MARK = re.compile(r"^-(?:\s+|$)")  # also a bare "-", an item left empty
TABLE_PREFIX = "|"

READER_QUESTIONS = "reader questions"
KEYWORDS_PREFIX = "keywords"
CAPTION_MAX_LENGTH = 120
SENTENCE_ENDINGS = (".", "!", "?")

YES_NO_CHOICES = ("Yes", "No", "Not sure")
AUXILIARY_VERBS = frozenset(
    {
        *("do", "does", "did", "should", "can", "could", "will", "would", "shall"),
        *("is", "are", "was", "were", "has", "have", "had", "may", "might", "must"),
    }
)
# "…, or X" / "W or X": the greedy head makes the last "or" the one that counts.
LAST_OPTION = re.compile(r"(?:(.*)\s)?or\s+(.+)", re.IGNORECASE | re.DOTALL)
# The colon that introduces options is followed by a space (so "10:30" is not one).
OPTIONS_COLON = re.compile(r":\s")

MIN_LEVEL, MAX_LEVEL = 2, 6
SUBSECTION_LEVEL = 3
LEAD_LEVEL = 1
LEAD_ANCHOR = "lead"


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based, as the editor sees it in their text editor
    text: str  # trimmed


@dataclass(frozen=True)
class _TocEntry:
    position: int  # 1-based position in the ToC
    title: str
    marker_level: int | None  # number of "#" written before the title, if any


@dataclass
class _RawSection:
    title: str | None
    level: int
    lines: list[_Line]


# --------------------------------------------------------------------------- public API


def parse_briefing(source: str | bytes) -> Briefing:
    """Parse a whole briefing; raise BriefingError when its structure is broken."""
    warnings: list[str] = []
    text = _decode(source, warnings)
    lines = _split_lines(text, warnings)

    title_index = _find_title(lines)
    title = _strip_heading_marker(lines[title_index].text)[0]
    toc_index = _find_toc_header(lines, title_index)
    entries, body_start = _read_toc(lines, toc_index, warnings)
    body_end, keywords = _take_keywords(lines, body_start, warnings)

    preamble = [line for line in lines[title_index + 1 : toc_index] if line.text]
    if preamble:
        warnings.append(
            f"Kept lines {preamble[0].number}-{preamble[-1].number} between the title and "
            "the Table of Contents as lead text."
        )
    expected = _entries_expected_in_body(entries, title, lines[title_index].number, warnings)
    raw_sections = _split_sections(preamble + lines[body_start:body_end], expected, warnings)

    sections: list[Section] = []
    questions: list[Question] = []
    anchors = _AnchorMaker()
    for raw in raw_sections:
        is_reader_questions = (raw.title or "").casefold() == READER_QUESTIONS
        blocks = _parse_blocks(raw.lines, warnings, questions if is_reader_questions else None)
        if raw.title is None and not blocks:
            continue  # an empty lead is simply left out
        anchor = anchors.anchor_for(raw.title, position=len(sections) + 1)
        sections.append(Section(raw.title, raw.level, anchor, tuple(blocks)))

    return Briefing(
        title=title,
        slug=slugify_title(title),
        toc=tuple(entry.title for entry in entries),
        sections=tuple(sections),
        questions=tuple(questions),
        keywords=tuple(keywords),
        warnings=tuple(warnings),
    )


def slugify_title(text: str, max_length: int = 80) -> str:
    """An ASCII, lower-case slug of at most ``max_length`` characters, cut between words."""
    # Django's slugify drops characters it cannot fold to ASCII, which would glue
    # "Franco\N{NON-BREAKING HYPHEN}German" into "francogerman"; make every dash a hyphen first.
    dashed = "".join("-" if unicodedata.category(char) == "Pd" else char for char in text)
    slug = slugify(dashed)
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + 1]
    if cut.endswith("-"):
        return cut.strip("-_")
    head, hyphen, _partial_word = cut[:max_length].rpartition("-")
    # A single word longer than max_length has no boundary to cut at: cut it hard.
    return (head if hyphen else cut[:max_length]).strip("-_")


def classify_question(text: str) -> Question:
    """Decide how readers answer a question: pick an option, yes/no, or free text."""
    text = text.strip()
    if not text:
        raise BriefingError("A question needs some text.")
    choices = _listed_choices(text)
    if choices:
        return Question(text, "choice", choices)
    first_word = re.match(r"\W*(\w+)", text)
    if first_word and first_word.group(1).casefold() in AUXILIARY_VERBS:
        return Question(text, "yes_no", YES_NO_CHOICES)
    return Question(text, "open", ())


def parse_block_text(kind: str, text: str) -> Block:
    """Parse one block an editor typed in the admin, in the same markup as the file."""
    lines = [
        _Line(number, line.strip())
        for number, line in enumerate(_normalise_newlines(text).split("\n"), start=1)
    ]
    filled = [line for line in lines if line.text]
    if kind == "paragraph":
        if not filled:
            raise BriefingError("A paragraph needs some text.")
        if len(filled) > 1:
            # In briefing markup every line is a paragraph of its own.
            raise BriefingError("A paragraph must be a single line; put each one in its own block.")
        return Block(type="paragraph", text=filled[0].text)
    if kind == "list":
        items = tuple(_strip_list_prefix(line.text) for line in filled)
        items = tuple(item for item in items if item)
        if not items:
            raise BriefingError('A list needs at least one item, one per line, like "- item".')
        return Block(type="list", items=items)
    if kind == "table":
        return _parse_table_block_text(filled)
    if kind == "question":
        if len(filled) != 1:
            raise BriefingError("A question must be exactly one line.")
        if not filled[0].text.endswith("?"):
            raise BriefingError('A question must end with "?".')
        return Block(type="question", text=filled[0].text)
    raise BriefingError(
        f'Unknown block kind "{kind}"; expected paragraph, list, table or question.'
    )


def block_markup(block: Block) -> str:
    """A block written back in briefing markup, as editors edit it; parse_block_text reads it."""
    if block.type == "list":
        return "\n".join(f"- {item}" for item in block.items)
    if block.type == "table":
        lines = [block.caption] if block.caption else []
        lines.append(_table_row(block.header))
        lines.append("|" + "---|" * len(block.header))
        lines.extend(_table_row(row) for row in block.rows)
        return "\n".join(lines)
    return block.text


def _table_row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def export_briefing(briefing: Briefing) -> str:
    """The briefing written back in the text format; parse_briefing reads the same structure.

    The text is not the original file (headings carry explicit ``#`` markers and
    blocks are separated by blank lines) but it parses to an equal briefing,
    warnings aside. Raises BriefingError for the rare structure the format
    cannot hold.
    """
    lines = [_marked(briefing.title, marker=None), "Table of Contents"]
    lines.extend(
        f"- {position}. {_marked(title, marker=None)}"
        for position, title in enumerate(briefing.toc, start=1)
    )
    for section in briefing.sections:
        if section.title is None:
            _check_lead_survives_toc(section)
        else:
            lines.append("")
            lines.append(_marked(section.title, marker="#" * (section.level - 1)))
        for block in section.blocks:
            lines.append("")
            lines.append(_block_line(block))
    lines.append("")
    lines.append(f"Keywords: {', '.join(briefing.keywords)}.")
    return "\n".join(lines) + "\n"


def _marked(title: str, *, marker: str | None) -> str:
    # A title that itself starts like "# x" needs a marker of its own, or the
    # reader would take its "#" for one.
    if marker is None and not HEADING_MARKER.fullmatch(title):
        return title
    return f"{marker or '#'} {title}"


def _block_line(block: Block) -> str:
    if block.type == "question":
        # "- " is taken off a question line; a question starting with "- " keeps its own.
        return f"- {block.text}"
    return block_markup(block)


def _check_lead_survives_toc(section: Section) -> None:
    # The lead follows the ToC, which would read a first list item like "2. x" as an entry.
    first = section.blocks[0] if section.blocks else None
    if first is not None and first.type == "list" and TOC_ENTRY.fullmatch(f"- {first.items[0]}"):
        raise BriefingError(
            f'The lead starts with the list item "{first.items[0]}", which the text format '
            "would read as a Table of Contents entry; it cannot be exported."
        )


# --------------------------------------------------------------------------- reading the text


def _decode(source: str | bytes, warnings: list[str]) -> str:
    if isinstance(source, bytes | bytearray):
        source = bytes(source)
        if source.startswith(UTF16_BOMS):
            raise BriefingError("The file is UTF-16 encoded; save it as UTF-8 and try again.")
        if b"\x00" in source:
            raise BriefingError(
                "The file contains NUL bytes; it looks binary, not a text briefing."
            )
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BriefingError(
                f"The file is not valid UTF-8 (undecodable byte at offset {error.start}); "
                "save it as UTF-8 and try again."
            ) from None
    elif isinstance(source, str):
        text = source
    else:
        raise TypeError(f"parse_briefing() needs str or bytes, not {type(source).__name__}")

    if "\x00" in text:
        raise BriefingError("The text contains NUL characters; it looks binary, not a briefing.")
    if text.startswith("\ufeff"):
        text = text[1:]
        warnings.append("Removed the UTF-8 byte order mark (BOM) at the start of the file.")
    if not text.strip():
        raise BriefingError("The briefing is empty.")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_lines(text: str, warnings: list[str]) -> list[_Line]:
    if "\r\n" in text:
        warnings.append("Converted Windows (CRLF) line endings to plain newlines.")
    if "\r" in text.replace("\r\n", ""):
        warnings.append("Converted bare carriage returns (CR) to newlines.")
    # split("\n") rather than splitlines(): the latter would also break lines at
    # Unicode separators (U+2028, form feed, ...) an editor never meant as newlines.
    raw_lines = _normalise_newlines(text).split("\n")

    trailing = [
        number
        for number, raw in enumerate(raw_lines, start=1)
        if raw.strip() and raw != raw.rstrip(" \t")
    ]
    if trailing:
        lines_word = "line" if len(trailing) == 1 else "lines"
        warnings.append(
            f"Removed trailing spaces or tabs from {len(trailing)} {lines_word} "
            f"(first: line {trailing[0]})."
        )
    return [_Line(number, raw.strip()) for number, raw in enumerate(raw_lines, start=1)]


def _strip_heading_marker(text: str) -> tuple[str, int | None]:
    """ "## Title" -> ("Title", 2); "Title" -> ("Title", None)."""
    marked = HEADING_MARKER.fullmatch(text)
    if marked:
        return marked.group(2).strip(), len(marked.group(1))
    return text, None


# --------------------------------------------------------------------------- title and ToC


def _find_title(lines: list[_Line]) -> int:
    first = next(index for index, line in enumerate(lines) if line.text)  # text is not blank
    if TOC_HEADER.fullmatch(lines[first].text):
        raise BriefingError(
            f"The briefing has no title: line {lines[first].number} is already the "
            "Table of Contents."
        )
    return first


def _find_toc_header(lines: list[_Line], title_index: int) -> int:
    for index in range(title_index + 1, len(lines)):
        if TOC_HEADER.fullmatch(lines[index].text):
            return index
    raise BriefingError('No "Table of Contents" line found after the title.')


def _read_toc(
    lines: list[_Line], header_index: int, warnings: list[str]
) -> tuple[list[_TocEntry], int]:
    """The ToC entries and the index of the first body line.

    Blank lines never carry meaning in a briefing, so they are skipped; the ToC
    ends at the first non-blank line that is not a "- N. Title" entry.
    """
    entries: list[_TocEntry] = []
    index = header_index + 1
    while index < len(lines):
        line = lines[index]
        if line.text:
            entry = TOC_ENTRY.fullmatch(line.text)
            if not entry:
                break
            title, marker_level = _strip_heading_marker((entry.group(2) or "").strip())
            if not title:
                raise BriefingError(
                    f"The Table of Contents entry on line {line.number} has no title."
                )
            position = len(entries) + 1
            if int(entry.group(1)) != position:
                warnings.append(
                    f"Table of Contents entry on line {line.number} is numbered "
                    f"{entry.group(1)}; expected {position}."
                )
            entries.append(_TocEntry(position, title, marker_level))
        index += 1
    if not entries:
        raise BriefingError(
            f"The Table of Contents on line {lines[header_index].number} has no entries "
            '(expected lines like "- 1. Title").'
        )
    return entries, index


def _entries_expected_in_body(
    entries: list[_TocEntry], title: str, title_line: int, warnings: list[str]
) -> list[_TocEntry]:
    """The ToC entries that need a heading in the body.

    The first entry usually repeats the article's title; the title line is then
    its heading, and the text under it is the lead.
    """
    first = entries[0]
    if first.title == title:
        return entries[1:]
    if first.title.casefold() == title.casefold():
        warnings.append(
            f"The title on line {title_line} differs in case from Table of Contents entry 1 "
            f'"{first.title}"; kept the title as written.'
        )
        return entries[1:]
    return entries


def _take_keywords(
    lines: list[_Line], body_start: int, warnings: list[str]
) -> tuple[int, list[str]]:
    """Where the body ends, and the keywords of a final "Keywords…: a, b, c." line."""
    last = next(
        (index for index in range(len(lines) - 1, body_start - 1, -1) if lines[index].text),
        None,
    )
    if last is not None:
        text = lines[last].text
        if text.casefold().startswith(KEYWORDS_PREFIX) and ":" in text:
            listed = text.split(":", 1)[1].strip().removesuffix(".")
            keywords = [keyword.strip() for keyword in listed.split(",")]
            keywords = [keyword for keyword in keywords if keyword]
            if not keywords:
                warnings.append(f"The keywords line (line {lines[last].number}) lists no keywords.")
            return last, keywords
    warnings.append(
        'No "Keywords: …" line at the end of the briefing; the article has no keywords.'
    )
    return len(lines), []


# --------------------------------------------------------------------------- sections


def _split_sections(
    body: list[_Line], expected: list[_TocEntry], warnings: list[str]
) -> list[_RawSection]:
    """Cut the body at the headings of the ToC entries, which must appear in ToC order."""
    sections = [_RawSection(title=None, level=LEAD_LEVEL, lines=[])]
    next_entry = 0
    for line in body:
        found = _heading_entry(line, expected, next_entry) if line.text else None
        if found is None:
            sections[-1].lines.append(line)
            continue
        entry_index, body_marker_level = found
        entry = expected[entry_index]
        if entry_index != next_entry:
            missing = expected[next_entry]
            raise BriefingError(
                f'Table of Contents entry {missing.position} "{missing.title}" was not found '
                f"before line {line.number}, which starts the later entry {entry.position} "
                f'"{entry.title}" (sections must appear in Table of Contents order).'
            )
        heading = _strip_heading_marker(line.text)[0]
        if heading != entry.title:
            warnings.append(
                f'Heading on line {line.number}, "{heading}", differs in case from the '
                f'Table of Contents entry "{entry.title}"; used the Table of Contents spelling.'
            )
        marker_level = body_marker_level if body_marker_level is not None else entry.marker_level
        sections.append(_RawSection(entry.title, _section_level(entry.title, marker_level), []))
        next_entry += 1

    if next_entry < len(expected):
        missing = expected[next_entry]
        raise BriefingError(
            f'Table of Contents entry {missing.position} "{missing.title}" never appears as a '
            "heading in the body."
        )
    return sections


def _heading_entry(
    line: _Line, expected: list[_TocEntry], next_entry: int
) -> tuple[int, int | None] | None:
    """Which still-expected ToC entry this line is the heading of, and its "#" count.

    The next expected entry wins; a match with a later entry means an earlier
    one is missing (the caller reports it).
    """
    heading, marker_level = _strip_heading_marker(line.text)
    wanted = heading.casefold()
    for index in range(next_entry, len(expected)):
        if expected[index].title.casefold() == wanted:
            return index, marker_level
    return None


def _section_level(title: str, marker_level: int | None) -> int:
    # An explicit "#" marker says what the editor meant, so it wins over numbering.
    if marker_level is not None:
        return min(max(1 + marker_level, MIN_LEVEL), MAX_LEVEL)
    if NUMBERED_TITLE.match(title):
        return SUBSECTION_LEVEL
    return MIN_LEVEL


class _AnchorMaker:
    """Unique, URL-safe anchors for the sections of one article."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def anchor_for(self, title: str | None, position: int) -> str:
        # An all-symbol title slugs to "": fall back to the section's position.
        base = LEAD_ANCHOR if title is None else slugify_title(title) or f"section-{position}"
        anchor, suffix = base, 1
        while anchor in self._used:
            suffix += 1
            anchor = f"{base}-{suffix}"
        self._used.add(anchor)
        return anchor


# --------------------------------------------------------------------------- blocks


def _parse_blocks(
    lines: list[_Line], warnings: list[str], questions: list[Question] | None
) -> list[Block]:
    """The blocks of one section.

    ``questions`` is given only for a Reader Questions section: its "?" lines are
    appended to it, and also kept as question blocks where they stood.
    """
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.text:
            index += 1
        elif questions is not None and line.text.endswith("?"):
            _add_question(_strip_list_prefix(line.text), line, blocks, questions, warnings)
            index += 1
        elif line.text.startswith(TABLE_PREFIX):
            table_lines = _take_while(lines, index, lambda text: text.startswith(TABLE_PREFIX))
            caption = _take_caption(blocks, line_above=lines[index - 1] if index else None)
            blocks.append(_build_table(caption, table_lines, warnings))
            index += len(table_lines)
        elif line.text.startswith(LIST_PREFIX):
            list_lines = _take_while(
                lines, index, lambda text: _is_list_item(text, questions is not None)
            )
            blocks.append(
                Block(type="list", items=tuple(_strip_list_prefix(x.text) for x in list_lines))
            )
            index += len(list_lines)
        else:
            blocks.append(Block(type="paragraph", text=line.text))
            index += 1
    return blocks


def _take_while(lines: list[_Line], start: int, belongs: Callable[[str], bool]) -> list[_Line]:
    """The run of non-blank lines from ``start`` that belong to the same block."""
    taken = []
    for line in lines[start:]:
        if not line.text or not belongs(line.text):
            break
        taken.append(line)
    return taken


def _is_list_item(text: str, in_reader_questions: bool) -> bool:
    # In the Reader Questions section a "- Question?" line is a question, not an item.
    return text.startswith(LIST_PREFIX) and not (in_reader_questions and text.endswith("?"))


def _strip_list_prefix(text: str) -> str:
    return LIST_MARK.sub("", text, count=1).strip()


def _add_question(
    text: str, line: _Line, blocks: list[Block], questions: list[Question], warnings: list[str]
) -> None:
    # Polls are matched by question text, so a repeated question cannot become a second poll.
    if any(question.text == text for question in questions):
        warnings.append(
            f"Reader question on line {line.number} repeats an earlier one; ignored it."
        )
        return
    questions.append(classify_question(text))
    blocks.append(Block(type="question", text=text))


def _listed_choices(text: str) -> tuple[str, ...]:
    """ "Which first: a, b, or c?" -> ("a", "b", "c"); () when no options are listed."""
    body = text.removesuffix("?")
    colons = list(OPTIONS_COLON.finditer(body))
    if not colons:
        return ()
    options = [option.strip() for option in body[colons[-1].end() :].split(",")]
    last_option = LAST_OPTION.fullmatch(options[-1])
    if not last_option:
        return ()  # without "or" before the last option it is a statement, not a menu
    options[-1:] = [(last_option.group(1) or "").strip(), last_option.group(2).strip()]
    options = [option for option in options if option]
    return tuple(options) if len(options) >= 2 else ()


# --------------------------------------------------------------------------- tables


def _take_caption(blocks: list[Block], line_above: _Line | None) -> str | None:
    """Turn the paragraph on the line just above a table into its caption, if it reads like one.

    The section's own heading is never in its lines, so a table right under a
    heading has no line above it here and gets no caption.
    """
    if line_above is None or not line_above.text:
        return None  # a blank line in between: the paragraph stands on its own
    last = blocks[-1] if blocks else None
    if last is None or last.type != "paragraph" or last.text != line_above.text:
        return None
    if not _reads_like_caption(last.text):
        return None
    return blocks.pop().text


def _reads_like_caption(text: str) -> bool:
    return len(text) <= CAPTION_MAX_LENGTH and not text.endswith(SENTENCE_ENDINGS)


def _split_cells(text: str) -> list[str]:
    inner = text.strip().removeprefix("|")
    inner = inner.removesuffix("|")
    return [cell.strip() for cell in inner.split("|")]


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(SEPARATOR_CELL.fullmatch(cell) for cell in cells)


def _build_table(caption: str | None, lines: list[_Line], warnings: list[str]) -> Block:
    header = _split_cells(lines[0].text)
    body = lines[1:]
    if body and _is_separator(_split_cells(body[0].text)):
        body = body[1:]
    else:
        warnings.append(
            f"The table on line {lines[0].number} has no |---| separator line; "
            "used its first row as the header."
        )

    rows = [_split_cells(line.text) for line in body]
    for line, row in zip(body, rows, strict=True):
        if len(row) < len(header):
            warnings.append(
                f"Table row on line {line.number} has {len(row)} cells but its header has "
                f"{len(header)}; added empty cells."
            )
        elif len(row) > len(header):
            warnings.append(
                f"Table row on line {line.number} has {len(row)} cells but its header has "
                f"{len(header)}; kept the extra cells and added empty header cells."
            )
    # Every row gets the same width so a page can render a plain grid.
    width = max([len(header), *map(len, rows)])
    return Block(
        type="table",
        caption=caption,
        header=_padded(header, width),
        rows=tuple(_padded(row, width) for row in rows),
    )


def _padded(cells: list[str], width: int) -> tuple[str, ...]:
    return tuple(cells) + ("",) * (width - len(cells))


def _parse_table_block_text(lines: list[_Line]) -> Block:
    if not lines:
        raise BriefingError("A table needs a header line like | Column | Column |.")
    caption = None
    if not lines[0].text.startswith(TABLE_PREFIX):
        caption = lines[0].text
        if not _reads_like_caption(caption):
            raise BriefingError(
                f"A table caption must be one line of at most {CAPTION_MAX_LENGTH} characters "
                'not ending in ".", "!" or "?".'
            )
        lines = lines[1:]
    if not lines:
        raise BriefingError("A table needs a header line like | Column | Column |.")
    for line in lines:
        if not line.text.startswith(TABLE_PREFIX):
            raise BriefingError(f'Line {line.number} of the table does not start with "|".')
    # Ragged rows are repaired exactly as in a file; the admin has nowhere to show warnings.
    return _build_table(caption, lines, warnings=[])
