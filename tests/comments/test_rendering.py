"""A comment body: cleaned, rendered from a small Markdown subset, and always safe HTML."""

import re
from html.parser import HTMLParser

import pytest

from comments.rendering import (
    MAX_BODY_LENGTH,
    BodyError,
    clean_body,
    plain_text,
    render_body,
    sanitize_html,
)

REL = "nofollow ugc noopener"


# --- What the subset renders ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("Hello there.", "<p>Hello there.</p>\n"),
        ("One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>\n"),
        ("*this* and **that**", "<p><em>this</em> and <strong>that</strong></p>\n"),
        ("_this_ and __that__", "<p><em>this</em> and <strong>that</strong></p>\n"),
        (
            "[the report](https://example.com/r?a=1&b=2)",
            f'<p><a href="https://example.com/r?a=1&amp;b=2" rel="{REL}">the report</a></p>\n',
        ),
        (
            "<https://example.com/path>",
            f'<p><a href="https://example.com/path" rel="{REL}">https://example.com/path</a></p>\n',
        ),
        (
            "<editor@example.com>",
            f'<p><a href="mailto:editor@example.com" rel="{REL}">editor@example.com</a></p>\n',
        ),
        ("> Quoted\n> still quoted", "<blockquote>\n<p>Quoted\nstill quoted</p>\n</blockquote>\n"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'),
        ("Use `<b>` here", "<p>Use <code>&lt;b&gt;</code> here</p>\n"),
        (
            "```python\nif a < b:\n    pass\n```",
            "<pre><code>if a &lt; b:\n    pass\n</code></pre>\n",
        ),
        ("soft\nbreak", "<p>soft\nbreak</p>\n"),
        ("two spaces  \nbreak", "<p>two spaces<br>\nbreak</p>\n"),
        ("backslash\\\nbreak", "<p>backslash<br>\nbreak</p>\n"),
        ("\\*not emphasis\\*", "<p>*not emphasis*</p>\n"),
        ("AT&T & co", "<p>AT&amp;T &amp; co</p>\n"),
    ],
)
def test_it_renders_the_allowed_markdown(body, html):
    assert render_body(body) == html


def test_it_nests_quotes_and_lists():
    html = render_body("> - one\n>   > two")
    assert html == (
        "<blockquote>\n<ul>\n<li>one\n<blockquote>\n<p>two</p>\n</blockquote>\n</li>\n</ul>\n"
        "</blockquote>\n"
    )


def test_it_leaves_bare_urls_as_text():
    assert render_body("see https://example.com") == "<p>see https://example.com</p>\n"


def test_it_drops_link_titles():
    assert render_body('[a](https://example.com "A title")') == (
        f'<p><a href="https://example.com" rel="{REL}">a</a></p>\n'
    )


def test_it_accepts_schemes_in_any_case():
    assert 'href="HTTPS://example.com"' in render_body("[a](HTTPS://example.com)")


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("# Title", "<p># Title</p>\n"),
        ("### Title", "<p>### Title</p>\n"),
        ("Title\n=====", "<p>Title\n=====</p>\n"),
        ("Title\n-----", "<p>Title\n-----</p>\n"),
        ("Before\n\n---\n\nAfter", "<p>Before</p>\n<p>---</p>\n<p>After</p>\n"),
        ("Before\n\n***\n\nAfter", "<p>Before</p>\n<p>***</p>\n<p>After</p>\n"),
        (
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "<p>| a | b |\n|---|---|\n| 1 | 2 |</p>\n",
        ),
        ("<b>bold</b>", "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"),
        ("<div>\nblock\n</div>", "<p>&lt;div&gt;\nblock\n&lt;/div&gt;</p>\n"),
        ("~~struck~~", "<p>~~struck~~</p>\n"),
        ("Para\n\n    indented", "<p>Para</p>\n<p>indented</p>\n"),
        ("[a][1]\n\n[1]: https://example.com", "<p>[a][1]</p>\n<p>[1]: https://example.com</p>\n"),
        ("![a chart](https://example.com/c.png)", "<p>a chart</p>\n"),
        ("![](https://example.com/c.png)", "<p>https://example.com/c.png</p>\n"),
    ],
)
def test_it_shows_disabled_markdown_as_text(body, html):
    assert render_body(body) == html


@pytest.mark.parametrize(
    "body",
    [
        "[a](/relative)",
        "[a](//evil.example)",
        "[a](page.html)",
        "[a](javascript:alert(1))",
        "[a](&#106;avascript:alert(1))",
        "[a](ftp://example.com)",
        "<ftp://example.com>",
    ],
)
def test_it_leaves_links_it_refuses_as_text(body):
    html = render_body(body)
    assert "<a" not in html
    assert plain_text(html) == body.replace("&#106;", "j")


# --- The sanitizer on its own -------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ('<a href="/relative">x</a>', f'<a rel="{REL}">x</a>'),
        ('<a href="javascript:alert(1)">x</a>', f'<a rel="{REL}">x</a>'),
        (
            '<a href="https://example.com" target="_blank" rel="opener">x</a>',
            f'<a href="https://example.com" rel="{REL}">x</a>',
        ),
        ('<p title="t" lang="en" class="c" id="i">x</p>', "<p>x</p>"),
        ("<p>a<!-- hidden -->b</p>", "<p>ab</p>"),
        ("<script>alert(1)</script>after", "after"),
        ("<h1>Title</h1><img src=x><hr><table><tr><td>cell</td></tr></table>", "Titlecell"),
    ],
)
def test_the_sanitizer_keeps_only_the_subset(html, clean):
    assert sanitize_html(html) == clean


# --- The XSS corpus -----------------------------------------------------------------------

XSS_CORPUS = [
    # Script tags, in every case and broken form.
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=https://evil.example/x.js></script>",
    "<script/src=data:,alert(1)>",
    "<script/xss src=https://evil.example/x.js></script>",
    "<<script>alert(1);//<</script>",
    "<script>alert(1)//",
    '<script type="text/javascript">alert(1)</script>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</script><script>alert(1)</script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "<script\n>alert(1)</script\n>",
    '<script type="module">import("https://evil.example/x.js")</script>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    '<img src=x onerror="alert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=`x`onerror=alert(1)>",
    "<img src=x onerror  =  alert(1)>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    '<img """><script>alert(1)</script>">',
    "<body onload=alert(1)>",
    "<body/onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<a onmouseover=alert(1)>x</a>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<em onmouseover=alert(1)>x</em>",
    "<blockquote onmouseenter=alert(1)>q</blockquote>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<x onclick=alert(1)>click",
    "<button formaction=javascript:alert(1)>x</button>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<frameset onload=alert(1)>",
    # javascript: URLs in Markdown links.
    "[a](javascript:alert(1))",
    "[a](JAVASCRIPT:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](   javascript:alert(1))",
    "[a](<javascript:alert(1)>)",
    "[a](&#106;avascript:alert(1))",
    "[a](&#x6A;avascript:alert(1))",
    "[a](&#x6a&#x61vascript:alert(1))",
    "[a](&#0000106&#0000097vascript:alert(1))",
    "[a](javascript&colon;alert(1))",
    "[a](java&Tab;script:alert(1))",
    "[a](java&NewLine;script:alert(1))",
    "[a](<java\tscript:alert(1)>)",
    "[a](<java\nscript:alert(1)>)",
    "[a](java\x00script:alert(1))",
    "[a](\x01javascript:alert(1))",
    "[a](<\x0bjavascript:alert(1)>)",
    "[a](%6Aavascript:alert(1))",
    "[a](javascript://%0Aalert(1))",
    '[a](javascript:alert(1) "title")',
    "[a](javascript:alert%281%29)",
    "[a](javas\\cript:alert(1))",
    "[a](livescript:alert(1))",
    "[a](file:///etc/passwd)",
    # Autolinks.
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<javascript:alert(1)//https://ok.example>",
    "<java\tscript:alert(1)>",
    "<&#106;avascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>",
    '<https://ok.example/"onmouseover="alert(1)>',
    "<https://ok.example/'><script>alert(1)</script>>",
    "<mailto:x@ok.example?body=<script>alert(1)</script>>",
    '<x@ok.example"onmouseover="alert(1)>',
    "javascript:alert(1)",
    # data: and vbscript:
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[a](DATA:text/html,alert(1))",
    "[a](data:image/png;base64,iVBORw0KGgo=)",
    "[a](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[a](vbscript:msgbox(1))",
    "[a](VBScript:msgbox(1))",
    '<a href="vbscript:msgbox(1)">x</a>',
    # SVG.
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<svg><style>@import url(javascript:alert(1))</style></svg>",
    "<svg><set attributeName=href to=javascript:alert(1)>",
    # MathML.
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 '
    'onerror=alert(1)&gt;">',
    '<math href="javascript:alert(1)">click</math>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    # iframe, object, embed, form, meta, base, link.
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<IFRAME SRC="https://evil.example"></IFRAME>',
    "<object data=javascript:alert(1)>",
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    "<embed src=javascript:alert(1)>",
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<applet code=x.class>",
    "<form action=javascript:alert(1)><input type=submit>",
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<META HTTP-EQUIV="refresh" CONTENT="0; URL=https://evil.example">',
    '<base href="javascript:alert(1)//">',
    '<base href="https://evil.example/">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<link rel=import href=https://evil.example/x.html>",
    # Styles.
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<STYLE>@import 'https://evil.example/x.css';</STYLE>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background-image: url(javascript:alert(1))">x</p>',
    '<a href="https://ok.example" style="position:fixed;top:0;left:0;width:100%">x</a>',
    '<p style="behavior: url(x.htc)">x</p>',
    '<xss style="xss:expr/*XSS*/ession(alert(1))">',
    '<style>li {list-style-image: url("javascript:alert(1)");}</style><ul><li>x</ul>',
    # Quotes and attributes breaking out.
    '"><img src=x onerror=alert(1)>',
    "'\"><svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '<a href="https://ok.example"onmouseover="alert(1)">x</a>',
    "<a href='https://ok.example' onmouseover='alert(1)'>x</a>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    "<a href=JaVaScRiPt:alert(1)>x</a>",
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="/relative">x</a>',
    '<a href="//evil.example">x</a>',
    '<a href="https://ok.example" target="_blank">x</a>',
    "<a href=javascript:alert(1)>x",
    '<a href="javascript:alert(1)',
    '<img src="x',
    # HTML comments, CDATA and other markup declarations.
    "<!--<script>alert(1)</script>-->",
    "<!-- --><script>alert(1)</script><!-- -->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!---><img src=x onerror=alert(1)>",
    '<?xml-stylesheet href="javascript:alert(1)"?>',
    "<!DOCTYPE html><script>alert(1)</script>",
    '<p title="<!--"><img src=x onerror=alert(1)>-->',
    # Markdown-specific tricks.
    '![a](x" onerror="alert(1))',
    '![a](https://ok.example/x.png" onerror="alert(1))',
    '![a" onerror="alert(1)](https://ok.example/x.png)',
    '![a](https://ok.example/x.png "t\\" onerror=\\"alert(1)")',
    "![a](javascript:alert(1))",
    "[![a](https://ok.example/x.png)](javascript:alert(1))",
    "[[a](javascript:alert(1))](https://ok.example)",
    '[a](https://ok.example "x\\" onmouseover=\\"alert(1)")',
    "[a](https://ok.example 'x\\' onclick=\\'alert(1)')",
    '[a](https://ok.example "\\"><script>alert(1)</script>")',
    '[a"><script>alert(1)</script>](https://ok.example)',
    '[a](https://ok.example"onmouseover="alert(1))',
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "[a](https://ok.example)<script>alert(1)</script>",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "[a]\n\n[a]: javascript:alert(1)",
    '[a][x]\n\n[x]: <javascript:alert(1)> "t"',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '```"><script>alert(1)</script>\nx\n```',
    '```js" onmouseover="alert(1)\nx\n```',
    "*<img src=x onerror=alert(1)>*",
    "**<svg onload=alert(1)>**",
    "# <script>alert(1)</script>",
    "| <script> | x |\n|---|---|\n| <img src=x onerror=alert(1)> | y |",
    "\\<script>alert(1)\\</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[a](https://ok.example)\n[b](javascript:alert(1))",
    # Nested blockquotes and lists with payloads.
    "> <script>alert(1)</script>",
    "> > > [a](javascript:alert(1))",
    ">>>>>>>>>> <img src=x onerror=alert(1)>",
    "> - > <iframe src=javascript:alert(1)>",
    "- <iframe src=javascript:alert(1)>",
    "1. [a](javascript:alert(1))\n2. <object data=x>",
    # Unicode and zero-width tricks.
    "[a](java\u200bscript:alert(1))",
    "[a](\u200bjavascript:alert(1))",
    "[a](\ufeffjavascript:alert(1))",
    "[a](javascript\uff1aalert(1))",
    "[a](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
    "<script\u200b>alert(1)</script>",
    "<scr\u0131pt>alert(1)</script>",
    "<\u017fcript>alert(1)</script>",
    "\u202e<script>alert(1)</script>",
    '<a href="\u2028javascript:alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "%3Cscript%3Ealert(1)%3C/script%3E",
]

FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "img",
    "form",
    "meta",
    "base",
    "link",
}
ALLOWED_ATTRIBUTES = {
    "p": set(),
    "br": set(),
    "em": set(),
    "strong": set(),
    "a": {"href", "rel"},
    "blockquote": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "code": set(),
    "pre": set(),
}
URL_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


class _Markup(HTMLParser):
    """Every element, attribute and markup declaration, as a browser would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, [(name, value), ...]); values are already unescaped
        self.declarations = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_comment(self, data):
        self.declarations.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.declarations.append(f"<!{decl}>")

    def unknown_decl(self, data):
        self.declarations.append(f"<![{data}]>")

    def handle_pi(self, data):
        self.declarations.append(f"<?{data}>")


def _browser_url(href):
    # What a browser does before reading the scheme: drop tabs and newlines anywhere,
    # and C0 controls and spaces at either end.
    href = re.sub(r"[\t\n\r]", "", href)
    return href.strip("".join(chr(c) for c in range(0x21)))


def assert_safe(html, payload=""):
    where = f"{payload!r} rendered as {html!r}"
    markup = _Markup()
    markup.feed(html)
    markup.close()
    assert not markup.declarations, where
    for tag, attrs in markup.elements:
        assert tag not in FORBIDDEN_TAGS, where
        assert tag in ALLOWED_ATTRIBUTES, where
        names = [name for name, _value in attrs]
        assert not [name for name in names if name.startswith("on")], where
        assert "style" not in names, where
        assert set(names) <= ALLOWED_ATTRIBUTES[tag], where
        for name, value in attrs:
            if name == "href":
                scheme = URL_SCHEME.match(_browser_url(value or ""))
                assert scheme, where
                assert scheme.group(1).lower() in {"http", "https", "mailto"}, where
        if tag == "a":
            assert dict(attrs).get("rel") == REL, where


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<p onclick=alert(1)>x</p>",
        '<p style="color:red">x</p>',
        '<a href="javascript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href="java&#x09;script:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href="/relative" rel="nofollow ugc noopener">x</a>',
        '<a href="https://example.com">x</a>',
        "<p>a<!-- b --></p>",
        "<h1>x</h1>",
    ],
)
def test_the_safety_check_catches_what_it_looks_for(html):
    with pytest.raises(AssertionError):
        assert_safe(html)


def test_the_corpus_has_over_a_hundred_different_payloads():
    assert len(set(XSS_CORPUS)) == len(XSS_CORPUS)
    assert len(XSS_CORPUS) >= 100


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_a_payload_renders_safely(payload):
    assert_safe(render_body(payload), payload)


def _in_quote(payload):
    return "\n".join(f"> {line}" for line in payload.split("\n"))


def _in_list_item(payload):
    return "- " + payload.replace("\n", "\n  ")


WRAPPERS = {
    "quote": _in_quote,
    "nested quote": lambda payload: _in_quote(_in_quote(payload)),
    "list item": _in_list_item,
    "numbered item in a quote": lambda payload: _in_quote("1. " + payload.replace("\n", "\n   ")),
    "emphasis": lambda payload: f"*{payload}*",
    "strong": lambda payload: f"**{payload}**",
    "link text": lambda payload: f"[{payload}](https://ok.example)",
}


@pytest.mark.parametrize("payload", XSS_CORPUS)
@pytest.mark.parametrize("wrap", WRAPPERS.values(), ids=WRAPPERS.keys())
def test_a_payload_inside_markdown_renders_safely(payload, wrap):
    body = wrap(payload)
    assert_safe(render_body(body), body)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_the_sanitizer_alone_makes_a_payload_safe(payload):
    assert_safe(sanitize_html(payload), payload)


def test_a_payload_clean_body_accepts_renders_safely():
    accepted = []
    for payload in XSS_CORPUS:
        try:
            accepted.append(clean_body(payload))
        except BodyError:
            continue
        assert_safe(render_body(accepted[-1]), payload)
    assert len(accepted) > 100


# --- clean_body ---------------------------------------------------------------------------


def test_it_normalises_newlines():
    assert clean_body("one\r\ntwo\rthree\n") == "one\ntwo\nthree"


def test_it_strips_trailing_whitespace_per_line_and_overall():
    assert clean_body("\n\n  first \t\nsecond\t\n\n\n") == "first\nsecond"


def test_it_keeps_a_two_space_hard_break_as_exactly_two_spaces():
    body = clean_body("line one     \r\nline two  ")
    assert body == "line one  \nline two"
    assert render_body(body) == "<p>line one<br>\nline two</p>\n"


def test_it_drops_trailing_spaces_before_a_blank_line():
    assert clean_body("one  \n\ntwo") == "one\n\ntwo"


@pytest.mark.parametrize("body", ["", " ", "\n\n", "\r\n\t \r\n"])
def test_it_refuses_an_empty_body(body):
    with pytest.raises(BodyError, match=r"^Write something before posting\.$"):
        clean_body(body)


@pytest.mark.parametrize(
    "body",
    [
        "<!-- -->",
        "<!---->",
        "**",
        "***",
        "- ",
        "> ",
        ">>>",
        "* * *",
        "```\n```",
        "``",
        "[](https://example.com)",
        "&nbsp;",
        "\u200b",
        "\u200b\u200d\ufeff",
        "\\",
    ],
)
def test_it_refuses_a_body_with_nothing_visible(body):
    with pytest.raises(BodyError, match=r"^Write something before posting\.$"):
        clean_body(body)


@pytest.mark.parametrize("body", ["+1", "ok", "\U0001f44d", "42", "\u00bfQu\u00e9?"])
def test_it_accepts_a_short_body_with_something_in_it(body):
    assert clean_body(body) == body


def test_it_accepts_a_body_of_5000_characters():
    body = "a" * MAX_BODY_LENGTH
    assert clean_body(body) == body


def test_it_refuses_a_body_of_5001_characters():
    with pytest.raises(
        BodyError, match=r"^Keep your comment to 5,000 characters \(it has 5,001\)\.$"
    ):
        clean_body("a" * 5001)


def test_it_counts_characters_after_cleaning():
    body = ("a\r\n" * 2500) + "   \r\n"
    assert len(clean_body(body)) == 4999


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"])
def test_it_refuses_control_characters(char):
    with pytest.raises(BodyError, match=r"^Remove the control characters from your comment"):
        clean_body(f"Hello{char}there")


def test_it_refuses_a_lone_surrogate():
    with pytest.raises(BodyError, match="control characters"):
        clean_body("Hello \ud800 there")


def test_it_keeps_tabs():
    assert clean_body("a\tb") == "a\tb"


def test_a_body_error_is_a_value_error():
    assert issubclass(BodyError, ValueError)


# --- plain_text ---------------------------------------------------------------------------


def test_plain_text_is_the_visible_text_whitespace_collapsed():
    html = render_body(
        "Hello *there*,   [the report](https://example.com)\n\n> quoted\n\n- one\n- two\n\n"
        "a\\\nb `x < y`"
    )
    assert plain_text(html) == "Hello there, the report quoted one two a b x < y"


def test_plain_text_unescapes_entities():
    assert plain_text(render_body("AT&T <b>bold</b> &amp; more")) == "AT&T <b>bold</b> & more"


def test_plain_text_separates_blocks():
    assert plain_text("<p>one</p><p>two</p><ul><li>three</li><li>four</li></ul>") == (
        "one two three four"
    )
