"""Contracts' guarantee progress; subscriptions put into each cycle's orders, their skipped dates and payment
schedules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Product
from cabas.catalog.steps import is_whole_steps
from cabas.catalog.units import format_quantity_with_unit, format_step
from cabas.core.errors import ActionError
from cabas.core.money import line_amount
from cabas.core.numbers import parse_decimal
from cabas.distribution.models import Distribution
from cabas.members.models import Club, Group, Household
from cabas.ordering.models import Allocation, LineChange, Offer, Order, OrderCycle, OrderLine

from . import agreed, guarantee, schedule
from .models import (
    Contract, ContractProduct, GuaranteeKind, PaymentSchedule, Subscription, SubscriptionLine, SubscriptionOffer,
    SubscriptionOfferLine, SubscriptionSkip,
)


@dataclass(frozen=True)
class ContractProgress:
    contract: Contract
    periods: list[guarantee.PeriodProgress]
    current: guarantee.PeriodProgress | None

    @property
    def shortfall(self) -> Decimal:
        return sum((p.shortfall for p in self.periods), Decimal(0))


def contracts_progress(contracts: list[Contract], *, today: datetime.date | None = None) -> list[ContractProgress]:
    """Each contract's periods against what the club bought of its products in closed cycles, dated by
    the cycle's closing day (one query for all the contracts, whatever their number)."""
    today = today or timezone.localdate()
    product_ids = {cp.product_id for c in contracts for cp in c.products.all()}
    purchases: dict[tuple[int, int], list[tuple[datetime.date, Decimal, Decimal, str]]] = defaultdict(list)
    if product_ids:
        rows = (
            Allocation.objects.filter(offer__product_id__in=product_ids, cycle__closed_at__isnull=False,
                                      cycle__club_id__in={c.club_id for c in contracts})
            .values("cycle__club_id", "cycle__closes_at", "offer__product_id", "offer__unit")
            .annotate(value=Sum("amount_incl_vat"), volume=Sum("quantity"))
            .order_by()
        )
        for row in rows:
            purchases[(row["cycle__club_id"], row["offer__product_id"])].append(
                (timezone.localdate(row["cycle__closes_at"]), row["value"] or Decimal(0), row["volume"] or Decimal(0), row["offer__unit"])
            )
    result = []
    for contract in contracts:
        dated = []
        for cp in contract.products.all():
            for day, value, volume, unit in purchases.get((contract.club_id, cp.product_id), ()):
                if contract.guarantee_kind == GuaranteeKind.VALUE:
                    dated.append((day, value))
                elif unit == contract.guarantee_unit:
                    dated.append((day, volume))
        rows = guarantee.progress(start=contract.starts_on, end=contract.ends_on, frequency=contract.frequency,
                                  guarantee=contract.guarantee_amount, purchases=dated, today=today)
        result.append(ContractProgress(contract=contract, periods=rows, current=guarantee.current(rows, today)))
    return result


def put_in_subscriptions(cycle: OrderCycle, distribution_dates: Mapping[int, datetime.date]) -> int:
    """Put the baskets of the subscriptions due at each group's distribution into the households' orders,
    as committed quantities (a constant number of queries). Returns the number of lines written.

    A basket line whose product is not on offer in this cycle is left out: the coordinator chose the offers."""
    if not distribution_dates:
        return 0
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    subscriptions = (
        Subscription.objects.filter(
            household__group__club_id=cycle.club_id, starts_on__lte=max(distribution_dates.values()),
            ends_on__gte=min(distribution_dates.values()),
        )
        .select_related("household")
        .prefetch_related("lines", "skips")
    )
    subscriptions = list(subscriptions)
    # A basket is put in once per distribution day: a cycle opened for a day on which another cycle of the group
    # already holds the household's basket line (two cycles distributing the same day) leaves it there.
    taken = set()
    group_of = {s.household_id: s.household.group_id for s in subscriptions}
    for household_id, product_id, day, group_id in (
        OrderLine.objects.filter(order__household_id__in={s.household_id for s in subscriptions}, committed__gt=0,
                                 order__cycle__distributions__date__in=set(distribution_dates.values()))
        .exclude(order__cycle=cycle)
        .values_list("order__household_id", "offer__product_id", "order__cycle__distributions__date",
                     "order__cycle__distributions__group_id")
    ) if subscriptions else ():
        if group_id == group_of[household_id] and distribution_dates.get(group_id) == day:
            taken.add((household_id, product_id))
    wanted: dict[tuple[int, int], Decimal] = {}
    for subscription in subscriptions:
        day = distribution_dates.get(subscription.household.group_id)
        skipped = {skip.date for skip in subscription.skips.all()}
        if day is None or not schedule.basket_due(day=day, starts_on=subscription.starts_on, ends_on=subscription.ends_on, skipped=skipped):
            continue
        for line in subscription.lines.all():
            if line.product_id in offers and (subscription.household_id, line.product_id) not in taken:
                key = (subscription.household_id, offers[line.product_id].pk)
                wanted[key] = wanted.get(key, Decimal(0)) + line.quantity
    # A basket line written before its product's step (or off it) goes in as the whole steps it holds, never
    # more: every order line is a quantity a volunteer can hand out.
    steps = {o.pk: o.order_step for o in offers.values()}
    wanted = {key: q - q % steps[key[1]] for key, q in wanted.items() if q - q % steps[key[1]] > 0}
    if not wanted:
        return 0
    households = sorted({h for h, _ in wanted})
    orders = {o.household_id: o for o in Order.objects.bulk_create(
        Order(cycle=cycle, household_id=h, updated_at=cycle.opens_at) for h in households
    )}
    if any(o.pk is None for o in orders.values()):  # backends that do not return ids from a bulk insert
        orders = {o.household_id: o for o in Order.objects.filter(cycle=cycle)}
    OrderLine.objects.bulk_create(
        OrderLine(order=orders[h], offer_id=offer_id, quantity=q, committed=q) for (h, offer_id), q in sorted(wanted.items())
    )
    LineChange.objects.bulk_create(
        LineChange(cycle=cycle, household_id=h, offer_id=offer_id, quantity=q, at=cycle.opens_at)
        for (h, offer_id), q in sorted(wanted.items())
    )
    return len(wanted)


SKIP_MESSAGES = {
    "outside": lambda s: _("This date is outside the season of the subscription."),
    "not_a_distribution": lambda s: _("Your group has no basket distribution on this date."),
    "already": lambda s: _("This date is already skipped."),
    "notice": lambda s: _("A date must be skipped at least %(days)s days ahead.") % {"days": s.notice_days},
    "too_many": lambda s: _("This subscription allows %(count)s skipped dates, all used.") % {"count": s.max_skips},
}


@transaction.atomic
def skip_date(*, subscription_id: int, household_id: int, day: datetime.date, today: datetime.date | None = None) -> SubscriptionSkip:
    """Skip one distribution of a household's own subscription. If that distribution's cycle is already
    open, the basket's committed quantities come out of the order at once."""
    today = today or timezone.localdate()
    subscription = (
        Subscription.objects.select_for_update().filter(pk=subscription_id, household_id=household_id).first()
    )
    if subscription is None:
        raise ActionError(_("This subscription is not yours."))
    skipped = set(subscription.skips.values_list("date", flat=True))
    planned = (Subscription.objects.filter(pk=subscription.pk).select_related("household__group__depot")
               .prefetch_related("lines__product", "skips").get())
    try:
        schedule.check_skip(day=day, starts_on=subscription.starts_on, ends_on=subscription.ends_on, skipped=skipped,
                            max_skips=subscription.max_skips, notice_days=subscription.notice_days, today=today,
                            days=set(subscription_plans([planned])[planned.pk].all_days))
    except schedule.SkipRefused as refused:
        raise ActionError(SKIP_MESSAGES[refused.code](subscription)) from None
    skip = SubscriptionSkip.objects.create(subscription=subscription, date=day)
    basket = dict(subscription.lines.values_list("product_id", "quantity"))
    lines = list(
        OrderLine.objects.select_for_update()
        .filter(order__household_id=household_id, order__cycle__closed_at__isnull=True,
                order__cycle__distributions__date=day, order__cycle__distributions__group_id=subscription.household.group_id,
                offer__product_id__in=basket, committed__gt=0)
        .select_related("offer", "order")
    )
    now = timezone.now()
    changes = []
    for line in lines:
        take = min(basket[line.offer.product_id], line.committed)
        line.committed -= take
        line.quantity -= take
        if line.quantity <= 0:
            line.delete()
        else:
            line.save(update_fields=["committed", "quantity"])
        changes.append(LineChange(cycle_id=line.order.cycle_id, household_id=household_id, offer_id=line.offer_id,
                                  quantity=max(line.quantity, Decimal(0)), tolerance=line.tolerance, at=now))
    LineChange.objects.bulk_create(changes)
    return skip


# --- the season's real distribution days, and what its baskets come to ----------------------------------------

@dataclass(frozen=True)
class SubscriptionPlan:
    """A subscription's season as it stands: its basket days (the group's distributions of the cycles already
    opened, then the days its rhythm plans after the last of them), each day's basket at that day's prices (the
    opened cycle's offers; later, the agreed price of a contract or the catalogue's), the total and the
    instalments that pay it."""

    subscription: Subscription
    all_days: list[datetime.date]  # skipped ones included
    days: list[datetime.date]  # the baskets due: skipped days left out
    baskets: dict[datetime.date, Decimal]
    opened: frozenset[datetime.date]  # days whose cycle is opened (the others come from the group's rhythm)
    total: Decimal
    instalments: list[schedule.Instalment]

    def upcoming(self, today: datetime.date) -> list[datetime.date]:
        return [d for d in self.days if d >= today]


def _whole_steps(quantity: Decimal, step: Decimal | None) -> Decimal:
    """A basket line goes into an order as the whole order steps it holds (``put_in_subscriptions``)."""
    return quantity - quantity % step if step else quantity


def _terms(club_ids: Iterable[int], product_ids: Iterable[int]) -> dict[int, list[agreed.Term]]:
    """The contract lines of these products, per club (one query)."""
    terms: dict[int, list[agreed.Term]] = defaultdict(list)
    rows = (ContractProduct.objects.filter(contract__club_id__in=set(club_ids), product_id__in=set(product_ids))
            .values_list("contract__club_id", "contract_id", "product_id", "contract__starts_on", "contract__ends_on",
                         "agreed_price"))
    for club_id, *term in rows:
        terms[club_id].append(agreed.Term(*term))
    return terms


def agreed_prices_for(club_id: int, product_ids: Iterable[int], days: Iterable[datetime.date]) -> dict[int, Decimal]:
    """Product id -> the agreed price of the club's contract running on every one of ``days`` (``agreed``), for the
    offers of a cycle distributing on those days (one query; none when there is no product or no day)."""
    product_ids, days = set(product_ids), list(days)
    if not product_ids or not days:
        return {}
    return agreed.agreed_prices(_terms([club_id], product_ids).get(club_id, []), days)


def subscription_plans(subscriptions: list[Subscription]) -> dict[int, SubscriptionPlan]:
    """Each subscription's plan (``SubscriptionPlan``), in three queries whatever their number. The subscriptions
    come with ``household__group__depot`` and their ``lines__product`` and ``skips``."""
    if not subscriptions:
        return {}
    group_ids = {s.household.group_id for s in subscriptions}
    product_ids = {line.product_id for s in subscriptions for line in s.lines.all()}
    distributions: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for group_id, day, cycle_id in (Distribution.objects.filter(group_id__in=group_ids,
                                                                date__gte=min(s.starts_on for s in subscriptions))
                                    .values_list("group_id", "date", "cycle_id").order_by("date", "cycle_id")):
        distributions[group_id].append((day, cycle_id))
    cycle_ids = {cycle_id for rows in distributions.values() for _day, cycle_id in rows}
    offers: dict[int, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    if cycle_ids and product_ids:
        for cycle_id, product_id, price, step in (Offer.objects.filter(cycle_id__in=cycle_ids, product_id__in=product_ids)
                                                  .values_list("cycle_id", "product_id", "unit_price", "order_step")):
            offers[cycle_id][product_id] = (price, step)
    terms = _terms({s.household.group.club_id for s in subscriptions}, product_ids) if product_ids else {}
    plans = {}
    for subscription in subscriptions:
        group = subscription.household.group
        lines = list(subscription.lines.all())
        baskets: dict[datetime.date, Decimal] = {}
        opened = set()
        rows = distributions.get(group.pk, [])
        for day in sorted({day for day, _cycle in rows if subscription.starts_on <= day <= subscription.ends_on}):
            opened.add(day)
            cycles = [cycle_id for d, cycle_id in rows if d == day]  # two cycles on one day: the first takes the basket
            value, offered = Decimal("0.00"), False
            for line in lines:
                found = next((offers[c][line.product_id] for c in cycles if line.product_id in offers.get(c, {})), None)
                if found is not None:
                    offered = True
                    value += line_amount(_whole_steps(line.quantity, found[1]), found[0])
            if offered:  # a cycle that offers none of the basket's products brings no basket
                baskets[day] = value
        last = max((day for day, _cycle in rows), default=None)
        rhythm_from = subscription.starts_on if last is None else max(subscription.starts_on, last + datetime.timedelta(days=1))
        club_terms = terms.get(group.club_id, [])
        for day in group.distribution_days(rhythm_from, subscription.ends_on):
            prices = agreed.agreed_prices(club_terms, [day])
            baskets[day] = sum((line_amount(_whole_steps(line.quantity, line.product.effective_order_step),
                                            prices.get(line.product_id, line.product.unit_price)) for line in lines),
                               Decimal("0.00"))
        skipped = {skip.date for skip in subscription.skips.all()}
        all_days = sorted(baskets)
        days = [d for d in all_days if d not in skipped]
        total = schedule.season_total(days, baskets)
        plans[subscription.pk] = SubscriptionPlan(
            subscription=subscription, all_days=all_days, days=days, baskets=baskets, opened=frozenset(opened),
            total=total, instalments=schedule.instalments(total, schedule=subscription.payment_schedule,
                                                           starts_on=subscription.starts_on,
                                                           ends_on=subscription.ends_on))
    return plans


def subscription_schedule(subscription: Subscription) -> tuple[list[datetime.date], Decimal, list[schedule.Instalment]]:
    """The season's basket days (skips left out), what they come to, and the instalments to pay it."""
    plan = subscription_plans([subscription])[subscription.pk]
    return plan.days, plan.total, plan.instalments


# --- subscription offers: the club offers, the members subscribe ------------------------------------------------

def offer_open_to(offer: SubscriptionOffer, group_id: int) -> bool:
    """Whether the offer is open to a group (no group chosen: every group of the club). ``groups`` prefetched."""
    groups = [g.pk for g in offer.groups.all()]
    return not groups or group_id in groups


def offers_for_household(household: Household, today: datetime.date) -> list[SubscriptionOffer]:
    """The offers the household's group may subscribe to today, with their producer (one query)."""
    return list(
        SubscriptionOffer.objects.filter(club_id=household.group.club_id, signup_opens_on__lte=today,
                                         signup_closes_on__gte=today, ends_on__gte=today)
        .filter(Q(groups__isnull=True) | Q(groups=household.group_id)).distinct()
        .select_related("producer").order_by("starts_on", "pk")
    )


def first_basket_on(offer: SubscriptionOffer, group_id: int, today: datetime.date) -> datetime.date:
    """A household subscribing today gets its first basket at a cycle not opened yet: the season's first day, or
    the day after the group's last distribution already planned (one query)."""
    last = Distribution.objects.filter(group_id=group_id).aggregate(last=Max("date"))["last"]
    start = max(offer.starts_on, today)
    return max(start, last + datetime.timedelta(days=1)) if last else start


def _quantity_error(line: SubscriptionOfferLine, quantity: Decimal | None) -> str | None:
    product = line.product
    if quantity is None:
        return _("Enter a number, e.g. 2,5.")
    if quantity < line.min_quantity or quantity > line.max_quantity:
        return _("Between %(low)s and %(high)s.") % {"low": format_quantity_with_unit(line.min_quantity, product.unit),
                                                     "high": format_quantity_with_unit(line.max_quantity, product.unit)}
    step = product.effective_order_step
    if quantity and step and not is_whole_steps(quantity, step):
        return _("%(product)s is ordered in steps of %(step)s.") % {"product": product.name,
                                                                    "step": format_step(step, product.unit)}
    return None


@transaction.atomic
def subscribe(*, offer_id: int, household: Household, quantities: Mapping[int, object], payment_schedule: str,
              today: datetime.date | None = None) -> Subscription:
    """A household subscribes itself to an offer: a quantity per basket line (``quantities``: offer line id -> the
    number typed; empty: 0) within the line's limits, and one of the payment schedules offered. ActionError before
    anything is written when an answer is wrong."""
    today = today or timezone.localdate()
    offer = (SubscriptionOffer.objects.filter(pk=offer_id, club_id=household.group.club_id)
             .select_related("producer").prefetch_related("groups", "lines__product").first())
    if offer is None or not offer_open_to(offer, household.group_id):
        raise ActionError(_("This subscription offer is not open to your group."))
    if not offer.signup_open(today):
        raise ActionError(_("Sign-up for this subscription is closed."))
    if Subscription.objects.filter(offer=offer, household=household).exists():
        raise ActionError(_("Your household has already subscribed to this offer."))
    errors, chosen = {}, {}
    for line in offer.lines.all():
        raw = quantities.get(line.pk, "")
        quantity = Decimal(0) if str(raw if raw is not None else "").strip() == "" else parse_decimal(raw)
        problem = _quantity_error(line, quantity)
        if problem:
            errors[f"line-{line.pk}"] = problem
        elif quantity:
            chosen[line.product_id] = quantity
    if payment_schedule not in offer.schedules:
        errors["payment_schedule"] = _("Choose one of the payment schedules offered.")
    if errors:
        raise ActionError(_("Your subscription was not saved."), field_errors=errors)
    if not chosen:
        raise ActionError(_("Choose a quantity of at least one product."))
    starts_on = first_basket_on(offer, household.group_id, today)
    if starts_on > offer.ends_on:
        raise ActionError(_("The season's last distributions are already planned: it is too late to subscribe."))
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                household=household, producer=offer.producer, season=offer.season, starts_on=starts_on,
                ends_on=offer.ends_on, max_skips=offer.max_skips, notice_days=offer.notice_days,
                payment_schedule=payment_schedule, offer=offer)
    except IntegrityError:  # the same household subscribed a moment ago (another tab, another member)
        raise ActionError(_("Your household has already subscribed to this offer.")) from None
    SubscriptionLine.objects.bulk_create(SubscriptionLine(subscription=subscription, product_id=product_id, quantity=q)
                                         for product_id, q in chosen.items())
    return subscription


@dataclass(frozen=True)
class OfferLineInput:
    product_id: int
    quantity: Decimal
    min_quantity: Decimal
    max_quantity: Decimal


@transaction.atomic
def save_subscription_offer(*, club: Club, offer: SubscriptionOffer | None, values: Mapping[str, object],
                            schedules: Iterable[str], group_ids: Iterable[int], lines: Iterable[OfferLineInput],
                            ) -> SubscriptionOffer:
    """Create or change a club's subscription offer. ``values``: producer (a Producer), season, description, starts_on,
    ends_on, max_skips, notice_days, signup_opens_on, signup_closes_on (as the form cleaned them). A household's
    subscription copies the offer's terms when it subscribes: changes apply to the next subscriptions."""
    producer = values["producer"]
    lines = list(lines)
    errors: dict[str, str] = {}
    messages = []
    if producer.club_id != club.pk:
        errors["producer"] = _("Choose a producer of this club.")
    if offer is not None and offer.producer_id != producer.pk and offer.subscriptions.exists():
        errors["producer"] = _("Households have subscribed to this offer: its producer stays.")
    if values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = _("The last day comes after the first.")
    if values["signup_closes_on"] < values["signup_opens_on"]:
        errors["signup_closes_on"] = _("Sign-up closes after it opens.")
    elif values["signup_closes_on"] > values["ends_on"]:
        errors["signup_closes_on"] = _("Sign-up closes before the season ends.")
    schedules = [value for value in PaymentSchedule.values if value in set(schedules)]
    if not schedules:
        errors["payment_schedules"] = _("Offer at least one payment schedule.")
    group_ids = set(group_ids)
    groups = list(Group.objects.filter(club=club, pk__in=group_ids))
    if len(groups) != len(group_ids):
        errors["groups"] = _("Choose groups of this club.")
    products = {p.pk: p for p in Product.objects.filter(producer=producer, pk__in=[line.product_id for line in lines])}
    for line in lines:
        product = products.get(line.product_id)
        field = f"line-{line.product_id}"
        if product is None:
            messages.append(_("A basket line names a product of another producer."))
        elif not line.min_quantity <= line.quantity <= line.max_quantity:
            errors[field] = _("%(product)s: the quantity proposed lies between the lowest and the highest.") % {
                "product": product.name}
        elif (step := product.effective_order_step) and not all(is_whole_steps(q, step) for q in (
                line.quantity, line.min_quantity, line.max_quantity)):
            errors[field] = _("%(product)s is ordered in steps of %(step)s.") % {
                "product": product.name, "step": format_step(step, product.unit)}
    if not lines:
        messages.append(_("Put at least one product in the basket."))
    if errors or messages:
        raise ActionError(*(messages or [_("The offer was not saved.")]), field_errors=errors)
    offer = offer or SubscriptionOffer(club=club)
    for name in ("producer", "season", "description", "starts_on", "ends_on", "max_skips", "notice_days",
                 "signup_opens_on", "signup_closes_on"):
        setattr(offer, name, values[name])
    offer.season = str(offer.season).strip()
    offer.payment_schedules = ",".join(schedules)
    offer.save()
    offer.groups.set(groups)
    offer.lines.exclude(product_id__in=[line.product_id for line in lines]).delete()
    for line in lines:
        SubscriptionOfferLine.objects.update_or_create(offer=offer, product_id=line.product_id, defaults={
            "quantity": line.quantity, "min_quantity": line.min_quantity, "max_quantity": line.max_quantity})
    return offer


def delete_subscription_offer(offer: SubscriptionOffer) -> None:
    if offer.subscriptions.exists():
        raise ActionError(_("Households have subscribed to this offer: it stays. Close its sign-up instead."))
    offer.delete()


# --- solidarity contracts: the club's coordinators write them -------------------------------------------------

CONTRACT_FIELDS = ("producer", "title", "frequency", "guarantee_kind", "guarantee_amount", "guarantee_unit", "starts_on",
                   "ends_on", "tacit_renewal", "signed_by_club_on", "signed_by_producer_on", "notes")


@transaction.atomic
def save_contract(*, club: Club, contract: Contract | None, values: Mapping[str, object],
                  prices: Mapping[int, Decimal]) -> Contract:
    """Create or change a solidarity contract and its products with their agreed prices (product id -> price incl.
    VAT; a product left out is no longer under the contract). ``values`` as the form cleaned them (CONTRACT_FIELDS).
    Offers already opened keep their price; the next cycles take the agreed prices."""
    producer = values["producer"]
    errors: dict[str, str] = {}
    if producer.club_id != club.pk:
        errors["producer"] = _("Choose a producer of this club.")
    if values["ends_on"] <= values["starts_on"]:
        errors["ends_on"] = _("The contract ends after it starts.")
    unit = values.get("guarantee_unit") or ""
    if values["guarantee_kind"] == GuaranteeKind.VOLUME and not unit:
        errors["guarantee_unit"] = _("Say in which unit the volume is guaranteed.")
    products = dict(Product.objects.filter(producer=producer, pk__in=list(prices)).values_list("pk", "name"))
    if set(prices) - set(products):
        errors["products"] = _("Only the producer's own products can be under its contract.")
    for product_id, price in prices.items():
        if price is None or price < 0:
            errors[f"price-{product_id}"] = _("Enter a price, e.g. 2,50.")
    if errors:
        raise ActionError(_("The contract was not saved."), field_errors=errors)
    contract = contract or Contract(club=club)
    for name in CONTRACT_FIELDS:
        setattr(contract, name, values.get(name))  # a signature date left empty is cleared
    contract.guarantee_unit = unit if values["guarantee_kind"] == GuaranteeKind.VOLUME else ""
    contract.tacit_renewal = bool(values.get("tacit_renewal"))
    contract.title, contract.notes = str(contract.title or "").strip(), str(contract.notes or "").strip()
    contract.save()
    contract.products.exclude(product_id__in=list(prices)).delete()
    for product_id, price in prices.items():
        ContractProduct.objects.update_or_create(contract=contract, product_id=product_id,
                                                 defaults={"agreed_price": price})
    return contract


def delete_contract(contract: Contract, *, today: datetime.date | None = None) -> None:
    """Only a contract that has not started yet is deleted; one that ran stays, with its guarantee's record."""
    today = today or timezone.localdate()
    if contract.starts_on <= today:
        raise ActionError(_("This contract has started: it stays on record. Change its end date to end it early."))
    contract.delete()

def apply_agreed_price(*, product_id: int, unit_price: Decimal, today: datetime.date) -> int:
    """A price agreed for a product (its cost sheet) becomes the agreed price of the contracts of the product
    that have not ended (one statement). Returns the number of contract lines changed."""
    return ContractProduct.objects.filter(product_id=product_id, contract__ends_on__gt=today).update(agreed_price=unit_price)
