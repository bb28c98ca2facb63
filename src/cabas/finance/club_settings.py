"""A club's money settings and tariffs, changed by its treasurers and solidarity referents on Cabas' pages (the
admin is the operators'). Each change is one transaction; a refused one writes nothing and says why."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.members.models import Club

from .accounts import settings_for
from .models import FinanceSettings, TariffCategory

# What a treasurer sets (an allow-list: the club itself is never one of them).
SETTINGS_FIELDS = ("legal_name", "address", "siren", "legal_mentions", "iban", "bic", "reference_scheme", "payment_mode",
                   "minimum_balance", "suggested_contribution", "guarantee_percent", "guarantee_per_cycle")


@transaction.atomic
def save_settings(club: Club, values: dict) -> FinanceSettings:
    """The club's money settings from a form's cleaned values (``SETTINGS_FIELDS`` only). Invoices already issued
    keep what they say; the next closings and invoices follow."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a money setting: {', '.join(sorted(unknown))}")
    found = FinanceSettings.objects.select_for_update().filter(club=club).first() or settings_for(club)
    for name, value in values.items():
        setattr(found, name, value)
    found.save()
    return found


@transaction.atomic
def save_tariff(club: Club, *, tariff_id: int | None, name: str, discount_rate: Decimal) -> TariffCategory:
    """Add a tariff or change one's name or discount (the closings to come apply it; those done keep theirs)."""
    name = " ".join(str(name or "").split())[:100]
    errors = {}
    if not name:
        errors["name"] = _("Give the tariff a name.")
    if not Decimal("0") <= discount_rate < Decimal("100"):
        errors["discount_rate"] = _("A discount is from 0 to less than 100 %.")
    if errors:
        raise ActionError(field_errors=errors)
    if tariff_id is None:
        tariff = TariffCategory(club=club)
    else:
        tariff = TariffCategory.objects.select_for_update().filter(pk=tariff_id, club=club).first()
        if tariff is None:
            raise ActionError(_("This tariff is not the club's."))
    tariff.name, tariff.discount_rate = name, discount_rate
    try:
        with transaction.atomic():
            tariff.save()
    except IntegrityError:
        raise ActionError(field_errors={"name": _("The club already has a tariff of this name.")}) from None
    return tariff
