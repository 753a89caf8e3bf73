"""{% stored_line entries %}…{% endstored_line %}: inside a loop over a discussion's
`entries`, the line of the current `entry` from the cache, or drawn and stored
(comments/fragments.py says what a line's key holds)."""

from contextlib import nullcontext

from django import template
from django.core.cache import cache

from briefing_site.cache import csrf_stand_in
from comments import fragments

register = template.Library()

# Read from the page, as the template reads them: the same reader, the same answers.
_READER = [
    template.Variable(name)
    for name in (
        "user.is_authenticated",
        "perms.comments.change_comment",
        "voice.barred",
        "article.comments_closed",
        "focus_entry",
        "reported",
        "oob",
    )
]


def _reader(context) -> tuple:
    values = []
    for variable in _READER:
        try:
            value = variable.resolve(context)
        except template.VariableDoesNotExist:
            value = None
        values.append(bool(value))
    return tuple(values)


class StoredLineNode(template.Node):
    def __init__(self, nodelist, entries, digest):
        self.nodelist = nodelist
        self.entries = entries
        self.digest = digest

    def render(self, context):
        lines = context.render_context.get(self)
        entry = context["entry"]
        if lines is None or id(entry) not in lines["keys"]:
            lines = context.render_context[self] = self._look_up(context)
        key = lines["keys"][id(entry)]
        token, stand_in = lines["token"], lines["stand_in"]
        html = lines["found"].get(key)
        if html is None:
            with context.push(csrf_token=stand_in) if token else nullcontext():
                html = lines["found"][key] = lines["drawn"][key] = self.nodelist.render(context)
        if lines["drawn"] and entry is lines["entries"][-1]:
            # The loop's last line: what it drew is stored in one call.
            cache.set_many(lines["drawn"], fragments.FRAGMENT_SECONDS)
            lines["drawn"] = {}
        return html.replace(stand_in, token) if token else html

    def _look_up(self, context):
        """Every line of the loop's entries in one call to the cache."""
        token = context.get("csrf_token")
        # Django's csrf_token tag writes no field for a missing or "NOTPROVIDED" token.
        token = str(token) if token and token != "NOTPROVIDED" else ""  # noqa: S105
        reader = _reader(context)
        page = (self.digest, fragments.page_fields(), reader, bool(token))
        # The template's test for "mine": a signed-in reader's id against the author's.
        reader_id = context["user"].pk if reader[0] else None
        entries = list(self.entries.resolve(context))
        keys = {id(entry): fragments.line_key(entry, page, reader_id) for entry in entries}
        return {
            "entries": entries,  # held while their ids are the keys' keys
            "keys": keys,
            "found": cache.get_many(list(keys.values())),
            "drawn": {},
            "token": token,
            "stand_in": csrf_stand_in(),
        }


@register.filter
def age(value):
    return fragments.age(value)


@register.tag
def stored_line(parser, token):
    try:
        _, entries = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("Use {% stored_line entries %}.") from None
    nodelist = parser.parse(("endstored_line",))
    parser.delete_first_token()
    return StoredLineNode(nodelist, parser.compile_filter(entries), _digest_of(parser.origin))


def _digest_of(origin) -> str:
    """The template's own text is part of every key: changing it sets aside what was stored."""
    loader = getattr(origin, "loader", None)
    source = loader.get_contents(origin) if loader is not None else origin.name
    return fragments.template_digest(source.encode())
