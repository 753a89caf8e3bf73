"""Articles written in Markdown, read into the same Briefing the briefing format gives.

The title is the first "# " heading; "## " headings (and deeper) start sections; text
before the first section is the lead. Paragraphs, lists and pipe tables are blocks; the
"?" lines of a "Reader questions" section become polls; a last paragraph
"Keywords: a, b" gives the keywords. Inline formatting is kept as its text: articles
show plain text.
"""

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from articles.briefing import (
    KEYWORDS_PREFIX,
    LEAD_LEVEL,
    MAX_LEVEL,
    MIN_LEVEL,
    READER_QUESTIONS,
    Block,
    Briefing,
    BriefingError,
    Question,
    Section,
    _AnchorMaker,
    classify_question,
    slugify_title,
)

# Raw HTML stays text: an article holds no markup of its own.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

# Blocks an article has no kind for: their text is kept as paragraphs, with a warning.
KEPT_AS_TEXT = {"fence": "code block", "code_block": "code block", "blockquote_open": "quote"}


def parse_markdown(text: str) -> Briefing:
    """The briefing written in Markdown `text`; BriefingError names the line of what is wrong."""
    return _MarkdownReader(text).read()


class _MarkdownReader:
    """Walks markdown-it's tokens once, block by block, into the sections of a Briefing."""

    def __init__(self, text: str):
        self.tokens = _markdown.parse(text)
        # Split as Markdown does, so a token's line number finds its line.
        self.source_lines = re.split(r"\r\n|\r|\n", text)
        self.warnings: list[str] = []
        self.title: str | None = None
        self.raw_sections: list[tuple[str | None, int, list[Block]]] = [(None, LEAD_LEVEL, [])]
        self.questions: list[Question] = []

    def read(self) -> Briefing:
        index = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.type == "heading_open":
                index = self._heading(index)
                continue
            if self.title is None:
                raise BriefingError(
                    f"Line {_line(token)}: start with the title, as a “# ” heading."
                )
            index = self._block(index)
        if self.title is None:
            raise BriefingError("Line 1: start with the title, as a “# ” heading.")
        keywords = self._closing_keywords()
        return Briefing(
            title=self.title,
            slug=slugify_title(self.title),
            toc=tuple(title for title, _, _ in self.raw_sections if title is not None),
            sections=self._sections(),
            questions=tuple(self.questions),
            keywords=tuple(keywords),
            warnings=tuple(self.warnings),
        )

    def _heading(self, index: int) -> int:
        token = self.tokens[index]
        line = _line(token)
        heading = _inline_text(self.tokens[index + 1])
        level = int(token.tag[1])
        if level == 1:
            if self.title is not None:
                raise BriefingError(
                    f"Line {line}: a second “# ” title; start a section with “## ”."
                )
            self.title = heading
        elif self.title is None:
            raise BriefingError(f"Line {line}: start with the title, as a “# ” heading.")
        elif not heading:
            raise BriefingError(f"Line {line}: this heading has no text.")
        else:
            self.raw_sections.append((heading, min(max(level, MIN_LEVEL), MAX_LEVEL), []))
        return index + 3

    def _block(self, index: int) -> int:
        """Reads the block starting at `index` into the current section; the next index."""
        tokens, token = self.tokens, self.tokens[index]
        line = _line(token)
        section_title, _, blocks = self.raw_sections[-1]
        in_questions = (section_title or "").casefold() == READER_QUESTIONS
        if token.type == "paragraph_open":
            paragraph = _inline_text(tokens[index + 1])
            if in_questions:
                # One question a line, as in the briefing format, though Markdown joins them.
                for number, text_line in enumerate(paragraph.split("\n"), start=line):
                    self._question_or_text(text_line.strip(), number, blocks, kind="paragraph")
            elif paragraph:
                blocks.append(Block(type="paragraph", text=" ".join(paragraph.split())))
            return index + 3
        if token.type in ("bullet_list_open", "ordered_list_open"):
            end = _closing(tokens, index)
            items = _list_items(tokens[index:end], self.warnings)
            if in_questions:
                for number, item in items:
                    self._question_or_text(item, number, blocks, kind="list")
            else:
                blocks.append(Block(type="list", items=tuple(item for _, item in items)))
            return end + 1
        if token.type == "table_open":
            end = _closing(tokens, index)
            blocks.append(_table(tokens[index:end], self.source_lines))
            return end + 1
        if token.type in KEPT_AS_TEXT:
            end = _closing(tokens, index) if token.nesting == 1 else index
            kept = token.content if token.nesting == 0 else _texts(tokens[index:end])
            self.warnings.append(
                f"Line {line}: an article has no {KEPT_AS_TEXT[token.type]}; kept its text "
                "as paragraphs."
            )
            blocks.extend(
                Block(type="paragraph", text=part.strip())
                for part in kept.split("\n")
                if part.strip()
            )
            return end + 1
        return index + 1  # rules between blocks, and the closing tokens already read

    def _question_or_text(self, text: str, line: int, blocks: list[Block], *, kind: str):
        """A line of the reader questions: a poll if it asks, else text of the section."""
        if text.endswith("?"):
            _add_question(text, line, blocks, self.questions, self.warnings)
        elif text and kind == "list":
            blocks.append(Block(type="list", items=(text,)))
        elif text:
            blocks.append(Block(type="paragraph", text=text))

    def _closing_keywords(self) -> list[str]:
        """The keywords line closes the article: it is not part of the text readers see."""
        last_blocks = self.raw_sections[-1][2]
        last = last_blocks[-1] if last_blocks else None
        if (
            last is not None
            and last.type == "paragraph"
            and last.text.casefold().startswith(KEYWORDS_PREFIX)
            and ":" in last.text
        ):
            last_blocks.pop()
            listed = last.text.split(":", 1)[1].strip().removesuffix(".")
            return [keyword.strip() for keyword in listed.split(",") if keyword.strip()]
        self.warnings.append(
            'No "Keywords: …" paragraph at the end of the article; it has no keywords.'
        )
        return []

    def _sections(self) -> tuple[Section, ...]:
        anchors = _AnchorMaker()
        sections = []
        for section_title, level, blocks in self.raw_sections:
            if section_title is None and not blocks:
                continue
            anchor = anchors.anchor_for(section_title, position=len(sections) + 1)
            sections.append(Section(section_title, level, anchor, tuple(blocks)))
        return tuple(sections)


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def _inline_text(token: Token) -> str:
    """An inline token's words without their formatting, a link's address after its text;
    a line break stays a line break."""
    parts, links = [], []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            links.append((len(parts), child.attrs.get("href", "")))
        elif child.type == "link_close" and links:
            start, href = links.pop()
            if href and href != "".join(parts[start:]):
                parts.append(f" ({href})")
    return "".join(parts).strip()


def _texts(tokens: list[Token]) -> str:
    return "\n".join(
        _inline_text(token) if token.type == "inline" else token.content
        for token in tokens
        if token.type in ("inline", "fence", "code_block")
    )


def _closing(tokens: list[Token], start: int) -> int:
    """The index of the token closing the one at `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _list_items(tokens: list[Token], warnings: list[str]) -> list[tuple[int, str]]:
    """Each item of a list with its line; a nested list's items join the list, flattened."""
    items = []
    depth = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth == 2:
                warnings.append(
                    f"Line {_line(token)}: articles have no nested lists; its items were "
                    "added to the list above."
                )
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            items.append([_line(token), []])
        elif token.type == "inline" and items:
            items[-1][1].append(_inline_text(token).replace("\n", " "))
    return [(number, " ".join(parts)) for number, parts in items if any(parts)]


def _table(tokens: list[Token], source_lines: list[str]) -> Block:
    """A pipe table; a row with more or fewer cells than its header is refused at its line
    (Markdown would pad or cut it silently, and readers would see the table mangled)."""
    header: list[str] = []
    rows: list[list[str]] = []
    in_head = False
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            if not in_head:
                rows.append([])
                number = _line(token)
                written = _cells_written(
                    source_lines[number - 1] if number <= len(source_lines) else ""
                )
                if header and written != len(header):
                    raise BriefingError(
                        f"Table row on line {number} has {written} cells; its header has "
                        f"{len(header)}."
                    )
        elif token.type == "inline":
            (header if in_head else rows[-1]).append(_inline_text(token))
    return Block(type="table", header=tuple(header), rows=tuple(tuple(row) for row in rows))


def _cells_written(line: str) -> int:
    cells = line.strip().replace("\\|", "").removeprefix("|").removesuffix("|")
    return len(cells.split("|"))


def _add_question(
    text: str, line: int, blocks: list[Block], questions: list[Question], warnings: list[str]
) -> None:
    # Polls are matched by question text, so a repeated question cannot become a second poll.
    if any(question.text == text for question in questions):
        warnings.append(f"Reader question on line {line} repeats an earlier one; ignored it.")
        return
    questions.append(classify_question(text))
    blocks.append(Block(type="question", text=text))
