"""The XSS payloads of xss_payloads.txt, and a briefing that carries them into every field."""

from pathlib import Path

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
MARKERS = {"⟪NL⟫": "\n", "⟪NUL⟫": "\x00", "⟪TAB⟫": "\t"}


def load_payloads() -> list[str]:
    payloads = []
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#="):
            continue
        for marker, char in MARKERS.items():
            line = line.replace(marker, char)
        payloads.append(line)
    return payloads


PAYLOADS = load_payloads()


def one_line(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())


def briefing_text(title: str, texts: list[str]) -> str:
    lines = [one_line(text) for text in texts]
    titles = [f"Section {n}: {line}" for n, line in enumerate(lines[:12], start=1)]
    out = [title, "Table of Contents", f"- 1. {title}"]
    out += [f"- {n}. {heading}" for n, heading in enumerate(titles, start=2)]
    out.append(f"- {len(titles) + 2}. Reader Questions")
    out += lines  # the lead: one paragraph (or list, or table) each
    for heading, line in zip(titles, lines, strict=False):
        out += [heading, line, f"- {line}", f"- item {line}", "", f"Caption {line}"]
        out += ["| Head | " + line + " |", "|---|---|", f"| {line} | cell |"]
    out.append("Reader Questions")
    out += [f"What about {line}?" for line in lines]
    triples = zip(lines[:20], lines[1:21], lines[2:22], strict=False)
    out += [f"Which: {a}, {b}, or {c}?" for a, b, c in triples]
    keywords = [line.replace(",", " ") for line in lines if line.replace(",", " ").strip()]
    out.append("Keywords: " + ", ".join(keywords) + ".")
    return "\n".join(out)
