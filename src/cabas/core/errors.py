"""The error a service raises when a user's action cannot be carried out.

Views catch it and show its messages on the page; nothing has been written when it is raised.
"""

from __future__ import annotations


class ActionError(Exception):
    """`messages` are for the user (already translated); `field_errors` maps a form field to its message."""

    def __init__(self, *messages: str, field_errors: dict[str, str] | None = None):
        self.messages = [str(m) for m in messages]
        self.field_errors = {k: str(v) for k, v in (field_errors or {}).items()}
        super().__init__("; ".join(self.messages + list(self.field_errors.values())))

    @property
    def all_messages(self) -> list[str]:
        return self.messages + list(self.field_errors.values())
