"""Logging filters for Cabas' LOGGING setting (see cabas/settings.py)."""

from __future__ import annotations

import logging


class PermissionDeniedWithoutTraceback(logging.Filter):
    """A 403 is someone trying a page that is not theirs: a warning, never a traceback.

    Django logs it through ``django.request`` with the exception attached (a traceback per refusal)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
