"""The date range of ``cabas.core.dates`` for Django: a form field validator, and a reader for views
that raises ``ActionError`` with the message in the user's language."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cabas.core.dates import DateOutOfRange, in_range, parse_iso_date
from cabas.core.errors import ActionError


def out_of_range_message(error: DateOutOfRange | None = None) -> str:
    """"Give a date between 01/01/2000 and 31/12/2100.", translated."""
    error = error or DateOutOfRange()
    return _(error.message) % error.params


def validate_date_range(value) -> None:
    """For a form's DateField or DateTimeField: refuses a date outside the accepted range."""
    if isinstance(value, datetime.date) and not in_range(value):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")


def read_iso_date(raw: object, *, field: str | None = None) -> datetime.date | None:
    """The date in an ISO field, None when it is empty or unreadable; ActionError (on ``field`` when
    given) when it is outside the accepted range."""
    try:
        return parse_iso_date(raw)
    except DateOutOfRange as error:
        message = out_of_range_message(error)
        raise (ActionError(field_errors={field: message}) if field else ActionError(message)) from None
