"""Decide a producer's cost sheet: agreed, its fair price becomes the product's price in the catalogue (for
the next cycles, recorded in the price history) and the agreed price of the product's running contracts."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from cabas.catalog import services as catalog
from cabas.catalog.models import CostSheet
from cabas.contracts.services import apply_agreed_price


@transaction.atomic
def decide_cost_sheet(*, sheet_id: int, agree: bool, by_user=None, now: datetime.datetime | None = None) -> CostSheet:
    now = now or timezone.now()
    sheet = catalog.decide_cost_sheet(sheet_id=sheet_id, agree=agree, by_user=by_user, now=now)
    if agree:
        apply_agreed_price(product_id=sheet.product_id, unit_price=sheet.unit_price, today=timezone.localdate(now))
    return sheet
