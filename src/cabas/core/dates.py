"""Reading a date from a form (no Django import)."""

from __future__ import annotations

import datetime


def parse_iso_date(raw: object) -> datetime.date | None:
    """The date in an ISO field ("2026-11-23", as <input type="date"> sends it), or None when it is
    empty or not a date."""
    try:
        return datetime.date.fromisoformat(str(raw or "").strip()[:10])
    except ValueError:
        return None
