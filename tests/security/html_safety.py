"""What in a piece of HTML could run script, read with a real HTML parser (no regexes on markup).

``dangers(html)`` lists what must never come from a reader: elements that run
or embed code (script, iframe, object, embed, svg, math, style, base, form…),
event-handler attributes, javascript:/vbscript:/data: URLs after entity
decoding and the case, whitespace and control-character tricks browsers
forgive, style attributes, and htmx attributes. ``suspicious(html)`` is the
same look at a whole page, as a set of element signatures a test compares with
the same page rendered from harmless text: whatever the site itself renders is
in both, whatever a payload smuggled in is not.
"""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

EXECUTING_TAGS = {
    *("script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"),
    *("style", "link", "meta", "svg", "math", "template", "noscript", "form", "portal"),
    *("input", "button", "textarea", "select", "isindex", "xmp", "plaintext", "noembed"),
    *("img", "image", "video", "audio", "source", "track", "body", "html", "marquee"),
    *("details", "animate", "set", "handler", "listener", "foreignobject", "use"),
}
URL_ATTRIBUTES = {
    *("href", "src", "action", "formaction", "xlink:href", "data", "background", "poster"),
    *("srcdoc", "codebase", "cite", "lowsrc", "dynsrc", "ping", "manifest", "srcset"),
    *("to", "from", "values", "by", "attributename"),
}
SAFE_SCHEMES = {"http", "https", "mailto"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:", "jar:")
# Tags and attributes a page of ours shows around readers' text; anything else is looked at.
SAFE_TAGS = {
    *("p", "br", "em", "strong", "b", "i", "a", "blockquote", "ul", "ol", "li", "code", "pre"),
    *("div", "span", "section", "article", "aside", "header", "footer", "main", "nav"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "small", "time", "label", "abbr", "mark", "q"),
    *("table", "caption", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "hr"),
    *("figure", "figcaption", "summary", "fieldset", "legend", "output", "progress", "s"),
}
SAFE_ATTRIBUTES = {
    *("class", "id", "rel", "start", "title", "lang", "dir", "role", "datetime", "for"),
    *("colspan", "rowspan", "scope", "headers", "hidden", "value", "max", "tabindex"),
    "data-label",  # a table cell's column name, shown by CSS as text
}


def _squeezed(value: str) -> str:
    """A URL as a browser reads its scheme: no whitespace or controls, any case."""
    return "".join(char for char in value if ord(char) > 0x20 and char != "\x7f").lower()


def bad_url(value: str) -> bool:
    squeezed = _squeezed(value)
    return any(
        candidate.startswith(BAD_SCHEMES) for candidate in (squeezed, _squeezed(unquote(value)))
    )


def url_scheme(value: str) -> str:
    squeezed = _squeezed(value)
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else ""


def bad_style(value: str) -> bool:
    squeezed = _squeezed(value).replace("\\", "")
    return any(word in squeezed for word in ("expression(", "url(", "javascript:", "behavior:"))


class _Elements(HTMLParser):
    """Every start tag with its attributes (values entity-decoded by the parser)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str]]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, [(name, value or "") for name, value in attrs]))
        self._in_script = tag == "script"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def elements(html: str):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def dangers(html: str, *, allowed_tags=None) -> list[str]:
    """Everything in ``html`` that could run script or change the page around it."""
    found = []
    for tag, attrs in elements(html):
        if tag in EXECUTING_TAGS or (allowed_tags is not None and tag not in allowed_tags):
            found.append(f"<{tag}>")
        for name, value in attrs:
            found.extend(f"<{tag} {problem}>" for problem in _attribute_dangers(name, value))
    return found


def _attribute_dangers(name: str, value: str) -> list[str]:
    problems = []
    if name.startswith("on"):
        problems.append(f"{name}= (event handler)")
    if name.startswith(("hx-", "data-hx-", "hx_")) or name in {"srcdoc", "formaction"}:
        problems.append(f"{name}= (active attribute)")
    if name == "style" and bad_style(value):
        problems.append(f"style={value!r}")
    if (name in URL_ATTRIBUTES or name.endswith("href")) and bad_url(value):
        problems.append(f"{name}={value!r}")
    return problems


def _normalised(value: str) -> str:
    # Ids, cursors and CSRF tokens differ from page to page; what a value does does not.
    value = re.sub(r"[A-Za-z0-9_\-]{24,}", "T", value)
    return re.sub(r"\d+", "N", value)


def suspicious(html: str) -> set[tuple]:
    """Signatures of the elements on a page that are not plain text markup."""
    signatures = set()
    for tag, attrs in elements(html):
        odd_attributes = []
        plain_meta = tag == "meta" and "http-equiv" not in dict(attrs)
        for name, value in attrs:
            if name in SAFE_ATTRIBUTES or name.startswith("aria-"):
                continue
            if plain_meta and name == "content":
                odd_attributes.append((name, "text"))  # metadata, never run or fetched
                continue
            if name in URL_ATTRIBUTES and url_scheme(value) in {*SAFE_SCHEMES, ""}:
                if bad_url(value):
                    odd_attributes.append((name, _normalised(value)))
                continue
            odd_attributes.append((name, _normalised(value)))
        if tag not in SAFE_TAGS or odd_attributes:
            signatures.add((tag, tuple(sorted(odd_attributes))))
    return signatures


def script_sources(html: str) -> set[str]:
    """The page's scripts: external ones by src, inline ones by their text."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    sources = {dict(attrs).get("src", "") for tag, attrs in parser.elements if tag == "script"}
    return sources | {text.strip() for text in parser.script_text if text.strip()}


def assert_nothing_runs(html: str, *, baseline: str, where: str) -> None:
    """Nothing on ``html`` can run or act that the same page from harmless text did not have."""
    new = suspicious(html) - suspicious(baseline)
    assert not new, f"{where}: injected markup {sorted(new)[:10]}"
    absolute = [
        problem
        for problem in dangers(html)
        if not problem.startswith("<") or " " in problem  # attributes, wherever they are
    ]
    absolute = [problem for problem in absolute if "active attribute" not in problem]
    assert not absolute, f"{where}: {absolute[:10]}"
    extra_scripts = script_sources(html) - script_sources(baseline)
    assert not extra_scripts, f"{where}: scripts {sorted(extra_scripts)[:5]}"
