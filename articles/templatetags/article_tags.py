from django import template

from articles import topics

register = template.Library()


@register.filter
def labelled_rows(table):
    """Each row's cells paired with their column header, for narrow screens."""
    header = table.get("header", [])
    return [
        [(header[index] if index < len(header) else "", cell) for index, cell in enumerate(row)]
        for row in table.get("rows", [])
    ]


@register.filter
def topic_url(keyword):
    """The address of a keyword's topic page ("" when it can have none)."""
    return topics.topic_url(keyword)
