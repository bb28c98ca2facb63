"""Reading a date from people and files (no Django import), within the range Cabas accepts.

A date typed by hand or read from a file may be absurd ("0001-01-01", "9999-12-31"): stored, it breaks
every page that shows or computes with it (PostgreSQL even keeps year 1 as 1 BC). Every parser of a
date or a date-time — web forms and views, the API, bank statements, scenarios — checks it here.
"""

from __future__ import annotations

import datetime

from cabas.core.errors import CodedError, translatable as _

# The one range of dates Cabas accepts from input, both ends included.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

OUT_OF_RANGE = _("Give a date between %(earliest)s and %(latest)s.")


class DateOutOfRange(CodedError):
    """A readable date outside EARLIEST_DATE..LATEST_DATE; ``message % params`` says which range."""

    def __init__(self):
        super().__init__("date_out_of_range", OUT_OF_RANGE, earliest=EARLIEST_DATE.strftime("%d/%m/%Y"),
                         latest=LATEST_DATE.strftime("%d/%m/%Y"))


def in_range(value: datetime.date | datetime.datetime) -> bool:
    """Whether a date or a date-time falls within the accepted range (a date-time by its own calendar day)."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def check_range(value):
    """``value`` (a date or a date-time) when it is within the accepted range; DateOutOfRange otherwise."""
    if not in_range(value):
        raise DateOutOfRange()
    return value


def parse_iso_date(raw: object) -> datetime.date | None:
    """The date in an ISO field ("2026-11-23", as <input type="date"> sends it), or None when it is
    empty or not a date. A date outside the accepted range raises DateOutOfRange."""
    try:
        day = datetime.date.fromisoformat(str(raw or "").strip()[:10])
    except ValueError:
        return None
    return check_range(day)
