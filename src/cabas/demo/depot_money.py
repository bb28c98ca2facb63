"""Money at a demo depot, once the cycles are closed and their money handled (`seed_money`): the dairy (the demo's
producer login) distributes itself, and at one depot of the most recent closed cycle its coordinator took a few
payments — cash, a card, a cheque made out to a producer, a payment to the dairy — and counted the cash, 50 cents
short. Everything goes through the depot's services, so `cabas ledger-check` passes."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from cabas.catalog.models import Producer, ProducerAccount
from cabas.distribution.models import Distribution, ProducerSheet
from cabas.finance import depot
from cabas.members.models import Club, RoleKind, User
from cabas.ordering.models import OrderCycle

from .partnerships import PRODUCER_EMAIL

DEPOT_SLUG = "rennes"


def seed_depot_money(*, club: Club, cycle: OrderCycle, coordinator: User, rng: random.Random, today: datetime.date) -> None:
    account = ProducerAccount.objects.filter(user__email=PRODUCER_EMAIL, producer__club=club).select_related("producer").first()
    if account is not None:
        Producer.objects.filter(pk=account.producer_id).update(distributes_itself=True)
    distribution = (Distribution.objects.filter(cycle=cycle, group__slug=DEPOT_SLUG).select_related("cycle__club", "group").first()
                    or Distribution.objects.filter(cycle=cycle).select_related("cycle__club", "group").order_by("group__name").first())
    if distribution is None:
        return
    volunteer = (User.objects.filter(roles__kind=RoleKind.GROUP_COORDINATOR, roles__group=distribution.group).first()
                 or coordinator)
    day = min(distribution.date, today)
    till = depot.depot_till(distribution)
    owing = [row for row in till.households if row.owed and row.balance > 0]
    rng.shuffle(owing)
    # the producer the club owes most for the cycle takes the cheques made out to a producer
    sheet = (ProducerSheet.objects.filter(cycle=cycle, producer__distributes_itself=False)
             .select_related("producer").order_by("-amount_incl_vat").first())
    for index, row in enumerate(owing[:6]):
        due = min(row.owed, row.balance)
        for producer, amount in row.direct:  # what the dairy hands out, paid to it there
            if amount <= due:
                depot.record_depot_payment(distribution=distribution, household_id=row.household.pk, amount=amount,
                                           method=rng.choice(["cash", "cheque"]), payee_id=producer.pk,
                                           cheque_number=str(rng.randint(1000000, 9999999)), by_user=volunteer, date=day)
                due -= amount
        if due <= 0:
            continue
        if index % 3 == 2 and sheet is not None and due <= sheet.amount_incl_vat:  # the AMAP habit
            depot.record_depot_payment(distribution=distribution, household_id=row.household.pk, amount=due, method="cheque",
                                       payee_id=sheet.producer_id, cheque_number=str(rng.randint(1000000, 9999999)),
                                       by_user=volunteer, date=day)
        else:
            depot.record_depot_payment(distribution=distribution, household_id=row.household.pk, amount=due,
                                       method="card" if index % 3 == 1 else "cash", by_user=volunteer, date=day)
    expected = depot.expected_cash(distribution)
    depot.record_cash_count(distribution=distribution, counted=max(expected - Decimal("0.50"), Decimal("0.00")),
                            note="Une pièce de 50 centimes introuvable", by_user=volunteer)
