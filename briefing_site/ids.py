"""Ids in readers' and staff's input."""

import re

# ASCII only: str.isdigit() and int() also accept "²", "①", "1_000" and other
# scripts' digits, which the database refuses.
_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
_LARGEST_ID = 2**63 - 1  # a signed 64-bit primary key


def database_id(value) -> int | None:
    """The primary key `value` names, or None when it cannot be one."""
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return None
    number = int(value)
    return number if 0 < number <= _LARGEST_ID else None
