"""A reader's Markdown never becomes HTML that runs: properties of comments/rendering.py."""

from hypothesis import example, given
from hypothesis import strategies as st

from comments.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    BodyError,
    clean_body,
    render_body,
    sanitize_html,
)
from tests.security import bounded
from tests.security.html_safety import dangers, elements, url_scheme

TAGS = st.sampled_from(
    [
        *("script", "SCRIPT", "ScRiPt", "iframe", "object", "embed", "style", "svg", "math"),
        *("img", "a", "body", "details", "video", "audio", "base", "form", "input", "p"),
        *("template", "noscript", "textarea", "title", "xmp", "frameset", "marquee", "animate"),
        *("scr<script>ipt", "x", "image", "use", "set", "isindex", "foreignObject"),
    ]
)
ATTRIBUTE_NAMES = st.sampled_from(
    [
        *("onerror", "onload", "ONCLICK", "onmouseover", "ontoggle", "onfocus", "onbegin"),
        *("href", "src", "xlink:href", "action", "formaction", "style", "srcdoc", "data"),
        *("hx-get", "hx-on:click", "title", "class", "open", "autofocus", "background"),
    ]
)
SCHEMES = st.sampled_from(
    [
        *("javascript:", "JaVaScRiPt:", "java\tscript:", "java\nscript:", " javascript:"),
        *("\x01javascript:", "jav&#x09;ascript:", "&#106;avascript:", "javascript&colon;"),
        *("&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;", "vbscript:"),
        *("data:text/html,", "data:text/html;base64,PHNjcmlwdD4=", "DATA:", "javascript%3A"),
        *("https://", "http://", "mailto:", "//", "/", "ftp://", "file:///", "jar:"),
        *("\u200bjavascript:", "javascript\u00a0:", "ｊａｖａｓｃｒｉｐｔ:"),
    ]
)
QUOTES = st.sampled_from(['"', "'", "`", "", '"/', "'>", '">', "\\u0022"])
ENTITIES = st.sampled_from(
    ["&lt;", "&gt;", "&#60;", "&#x3C;", "&amp;", "&quot;", "&#0;", "&#x0;", "&Tab;", "&NewLine;"]
)
MARKDOWN = st.sampled_from(
    [
        *("[", "](", ")", "![", "<", ">", "*", "**", "_", "`", "```", "\n", "\n\n", "> "),
        *("- ", "1. ", "[x]: ", '"title"', "\\", "    ", "#", "|", "~~", "<!--", "-->"),
        *("<![CDATA[", "]]>", "{{", "}}", "{%", "%}", "\x00", "\ud800", "\u202e", "\ufeff"),
    ]
)
CODE = st.sampled_from(["alert(1)", "alert`1`", "confirm(document.domain)", "x", "1"])


@st.composite
def tag(draw):
    name = draw(TAGS)
    attributes = "".join(
        f" {draw(ATTRIBUTE_NAMES)}={draw(QUOTES)}{draw(SCHEMES)}{draw(CODE)}{draw(QUOTES)}"
        for _ in range(draw(st.integers(0, 2)))
    )
    closing = draw(st.sampled_from([">", "/>", " >", "", "//>"]))
    return f"<{name}{attributes}{closing}{draw(CODE)}</{name}>"


@st.composite
def link(draw):
    kind = draw(st.sampled_from(["inline", "image", "autolink", "reference", "title"]))
    url = draw(SCHEMES) + draw(CODE)
    if kind == "inline":
        return f"[{draw(CODE)}]({url})"
    if kind == "image":
        return f"![{draw(CODE)}]({url})"
    if kind == "autolink":
        return f"<{url}>"
    if kind == "reference":
        return f"[x][r]\n\n[r]: {url}"
    return f'[x]({url} "{draw(QUOTES)}onmouseover=alert(1)")'


FRAGMENT = st.one_of(tag(), link(), MARKDOWN, ENTITIES, SCHEMES, QUOTES, CODE, st.text(max_size=12))
BODIES = st.lists(FRAGMENT, min_size=1, max_size=14).map("".join)


def storable(text: str) -> str:
    # render_body only ever sees what clean_body accepted, and that has no lone surrogates.
    return "".join(char for char in text if not 0xD800 <= ord(char) <= 0xDFFF)


def assert_inert(html: str) -> None:
    assert dangers(html, allowed_tags=ALLOWED_TAGS) == [], html
    for tag_name, attributes in elements(html):
        allowed = ALLOWED_ATTRIBUTES.get(tag_name, set()) | {"rel"}
        for name, value in attributes:
            assert name in allowed, (tag_name, name, html)
            if name == "href":
                assert url_scheme(value) in {"http", "https", "mailto"}, (value, html)


@bounded(800)
@given(BODIES)
@example("<scr<script>ipt>alert(1)</script>")
@example("[x](jav&#x09;ascript:alert(1))")
@example("[x](javascript&colon;alert(1))")
@example("<javascript:alert(1)>")
@example("[a][r]\n\n[r]: javascript:alert(1)")
@example('![x" onerror="alert(1)](https://x.example/a.png)')
@example("<svg/onload=alert(1)>")
def test_rendered_markdown_never_carries_script(body):
    assert_inert(render_body(storable(body)))


@bounded(300)
@given(BODIES)
def test_a_body_either_is_refused_with_a_reason_or_renders_inert(body):
    try:
        text = clean_body(body)
    except BodyError as error:
        refusal = str(error)
    else:
        assert_inert(render_body(text))
        return
    assert refusal.endswith(".")
    assert "\n" not in refusal


@bounded(500)
@given(st.lists(st.one_of(tag(), link(), MARKDOWN, ENTITIES, st.text(max_size=8))).map("".join))
def test_the_sanitizer_alone_makes_any_html_inert(html):
    assert_inert(sanitize_html(storable(html)))


def test_the_checker_itself_sees_script():
    # The properties above are only as good as their checker: show it catches each kind.
    assert dangers("<p><script>x</script></p>")
    assert dangers('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert dangers('<a href=" &#x6A;avascript:x">x</a>')
    assert dangers('<a href="DATA:text/html,x">x</a>')
    assert dangers('<p onclick="x">x</p>')
    assert dangers('<div style="background:url(javascript:x)">x</div>')
    assert dangers("<em>x</em>", allowed_tags={"p"})
    assert not dangers('<p><a href="https://example.org/?q=javascript:">x</a></p>')
