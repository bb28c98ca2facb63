"""Database ids as they arrive from people: at most 18 digits, so an absurd number never reaches the database."""

from __future__ import annotations

import re

ID_PATTERN = "[0-9]{1,18}"
_ID = re.compile(rf"\A{ID_PATTERN}\Z")


def parse_id(value) -> int | None:
    """The id written in ``value``, or None when it is not one (empty, not digits, too long)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**18 else None
    if isinstance(value, str) and _ID.match(value.strip()):
        return int(value.strip())
    return None
