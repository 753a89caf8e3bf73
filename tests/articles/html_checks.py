"""What a validator would first complain of in a page we render: elements closed out of
order or never, ids used twice, and <time datetime> values HTML does not accept."""

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Closed implicitly by the next one of their kind or their parent (HTML's optional end tags).
OPTIONAL_END = {"li", "p", "option", "tr", "td", "th", "dt", "dd"}
# A valid global date and time string, to the second, with its offset.
# A valid global date and time string: seconds optional, at most three fractional digits.
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})")


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.ids, self.problems, self.times = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            if attrs["id"] in self.ids:
                self.problems.append(f"id {attrs['id']!r} used twice")
            self.ids.add(attrs["id"])
        if tag == "time":
            self.times.append(attrs.get("datetime") or "")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.open and self.open[-1] != tag and self.open[-1] in OPTIONAL_END:
            self.open.pop()
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            return
        self.open.pop()


def html_problems(page: str) -> list[str]:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    problems = list(checker.problems)
    unclosed = [tag for tag in checker.open if tag not in OPTIONAL_END]
    if unclosed:
        problems.append(f"never closed: {unclosed}")
    problems += [f"bad datetime {t!r}" for t in checker.times if not DATETIME.fullmatch(t)]
    return problems


def time_values(page: str) -> list[str]:
    checker = _Checker()
    checker.feed(page)
    return checker.times
