"""Login throttling, with django-axes: an (account, address) pair is refused after ``AXES_FAILURE_LIMIT``
failures within ``AXES_COOLOFF_TIME``, and an address alone after ``CABAS_LOGIN_ADDRESS_LIMIT`` failures
(higher: a family or a depot's wifi shares one address). Refused attempts answer 429 with a French page; a
successful login resets the pair's count."""

from django.conf import settings
from django.db.models import Sum

from axes.handlers.database import AxesDatabaseHandler


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' database handler with one limit per lockout parameter: AXES_LOCKOUT_PARAMETERS lists the
    (account, address) pair first, then the address; the address's failures count against its own, higher
    limit, scaled to axes' single one."""

    def get_failures(self, request, credentials=None) -> int:
        counts = [attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
                  for attempts in self.get_user_attempts(request, credentials)]
        if len(counts) < 2:
            return max(counts, default=0)
        pair, address = counts[0], counts[1]
        limit, address_limit = settings.AXES_FAILURE_LIMIT, settings.CABAS_LOGIN_ADDRESS_LIMIT
        return max(pair, address * limit // address_limit)


def login_name(request, credentials) -> str | None:
    """The account an attempt is for, as the login reads it (an e-mail address, whatever its case and spaces):
    an attacker cannot reset the count by changing the case."""
    if credentials:
        name = credentials.get("username") or credentials.get("email")
    else:
        name = getattr(request, "POST", {}).get("username")
    return name.strip().lower() if isinstance(name, str) else None
