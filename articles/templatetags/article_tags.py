from django import template

register = template.Library()


@register.filter
def labelled_rows(table):
    """Each row's cells paired with their column header, for narrow screens."""
    header = table.get("header", [])
    return [
        [(header[index] if index < len(header) else "", cell) for index, cell in enumerate(row)]
        for row in table.get("rows", [])
    ]
