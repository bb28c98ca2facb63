"""Query counts: every page and service costs the same number of queries whatever the size of the data.

Each test measures a small cycle (the World: 2 groups, 4 households, 4 products, 2 lines per order),
then enlarges the same world (4 groups, 40 households, 44 products from 5 producers, 20 lines per
order) and measures a cycle of that size. Both counts must be identical, and they are pinned to the
number measured when these tests were written, per database vendor, so that any change shows
(update EXPECTED deliberately when a page legitimately gains or loses a query).

A request's count includes the session and the user loaded by the middleware and the roles
loaded once by `access_for`.

SQLite refuses more than 999 parameters per statement, so Django splits a large bulk_create into
several INSERTs (999 // fields rows each): the closing of 800 lines writes its 800 allocations in
6 INSERTs there. That is the backend's batching, not a query per row: `statements()` counts
consecutive INSERTs into the same table once. PostgreSQL writes them in one INSERT and its raw
counts are compared as they are.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import Producer, Product, Unit
from cabas.members.models import Depot, Group, Household, User
from cabas.ordering.models import Offer, OrderCycle
from cabas.flows import close_cycle, open_cycle, save_order

D = Decimal
DAY = datetime.timedelta(days=1)

SMALL_LINES = 2
LARGE_LINES = 20
LARGE_HOUSEHOLDS = 40  # over 4 groups
LARGE_EXTRA_PRODUCTS = 40

# Pinned counts, measured with Django 5.2.19 on SQLite 3.40 and on PostgreSQL (psycopg 3.3); both vendors
# give the same numbers (both issue the savepoints of transaction.atomic inside the test's transaction;
# select_for_update is a plain SELECT on SQLite). "session, user" are the middleware's two queries;
# "roles" is access_for's one query, made by coordinator_required or by the menu of the base template.
_COUNTS = {
    # member pages
    "order-get": 9,  # session, user, cycle, household+group, offers+producer+category, order, its lines, roles + pooled totals per offer (live pack progress)
    "order-progress": 6,  # session, user, cycle, offers, pooled totals per offer, roles (context processor); polled by the order page
    "order-get-closed": 6,  # session, user, cycle, household, allocations+offer+producer, roles
    "order-detail": 5,  # session, user, roles, order+cycle+club+household+group, lines+offer+producer
    "order-detail-closed": 6,  # … allocations instead of lines, and the household's own part in the funds
    "home": 10,  # session, user, roles, household+group+club+depot (and its volunteering target), cycles, orders, summaries, news+producer+group, next shift, volunteering hours
    # saving an order (POST answered by a redirect): session, user, cycle, household+group, then save_order:
    # SAVEPOINT, cycle FOR UPDATE, offers, money settings (a prepaid club limits orders to the household's
    # balance), the order with all its lines (one statement), <writes>, RELEASE SAVEPOINT; every write path
    # INSERTs the lines' changes (LineChange, one statement). The lines added or changed are one INSERT … ON
    # CONFLICT UPDATE, and the save reads nothing back (it was 15, 14, 16 and 16 with the ORM's statements).
    "order-post-create": 13,  # writes: INSERT order (with its date), INSERT changes, INSERT lines
    "order-post-update": 13,  # writes: INSERT changes, upsert lines, UPDATE order
    "order-post-mixed": 14,  # writes: INSERT changes, DELETE lines, upsert lines, UPDATE order
    "order-post-remove-all": 13,  # writes: INSERT changes, DELETE lines, DELETE order (no line is left: known)
    # coordination pages: session, user, roles, cycle+club, then
    "cycle-detail": 8,  # distributions+group+depot+picking list, lines (values), COUNT offers, containers brought back
    "cycle-detail-closed": 9,  # distributions, summaries per group (aggregate), sheets+producer, COUNT offers, containers brought back
    "group-orders": 8,  # group+depot, households, orders, lines+offer+producer
    "group-orders-closed": 8,  # group+depot, households, orders, allocations+offer+producer+household
    "cycle-list": 5,  # cycles annotated with their order count, the clubs coordinated (links to contracts, proposals)
    # documents: session, user, roles, cycle+club, then
    "picking-list": 6,  # distribution+group+depot+cycle, allocations+household+offer+producer
    "picking-list-csv": 6,
    "producer-sheet": 9,  # sheet+producer, distributions+group+depot, totals (aggregate), offers+category, depots' claims
    "producer-sheet-csv": 8,
    # the evening at the depot: session, user, roles, cycle+club, distribution+group+depot+cycle, then
    "paper-orders": 8,  # group+depot, offers+producer+category, households, their lines
    "depot-reception": 8,  # what the depot's households were allocated per offer (aggregate), receptions, offers+producer
    # closing: SAVEPOINT, cycle FOR UPDATE, the depots' receptions, offers' rules, lines' history, lines (values), INSERT outcomes, INSERT allocations, INSERT summaries, distributions,
    # INSERT picking lists, INSERT producer sheets, UPDATE cycle, RELEASE SAVEPOINT
    "close-service": 36,  # + the offers' rules, the lines' history, the offers' outcomes; then the ledger posting (12):
    # club, INSERT … SELECT missing accounts of households and of producers, their accounts (2), the lines committed by
    # subscriptions (billed to their instalments; with some: + the instalments' account), entries posted so far, INSERT sequence (if missing), sequence FOR UPDATE, UPDATE sequence, INSERT transaction, INSERT entries;
    # then the funds (8): INSERT missing fund accounts, fund accounts FOR UPDATE, the fund before the cycle, money
    # settings, households' tariffs and pledges, funds posted so far, DELETE shares, upsert the cycle's funds
    # (with discounts or contributions: + INSERT shares and the posting's 5); then the containers' deposits (2): the
    # allocations that come in containers, deposits posted so far (with containers: + accounts, the deposits account
    # and the posting's 5)
    "close-view": 40,  # session, user, roles, cycle+club, then the 13 of the service (answered by a redirect)
}
# PostgreSQL takes one more statement where saves and the closing meet: the cycle's advisory lock
# (ordering.services.CYCLE_LOCK_SPACE), shared by the saves, alone by the closing.
_ADVISORY_LOCK = ("order-post-create", "order-post-update", "order-post-mixed", "order-post-remove-all",
                  "close-service", "close-view")
# And it writes a save's changes, lines removed, lines written and the order's date (or its deletion) in one
# statement (ordering.services, "write"): as many fewer as SQLite's separate writes, less one.
_WRITES_IN_ONE = {"order-post-create": 1, "order-post-update": 2, "order-post-mixed": 3, "order-post-remove-all": 2}
EXPECTED = {"sqlite": _COUNTS, "postgresql": {k: v + (k in _ADVISORY_LOCK) - _WRITES_IN_ONE.get(k, 0)
                                              for k, v in _COUNTS.items()}}


def expected(key):
    return EXPECTED[connection.vendor][key]


_INSERT = re.compile(r'^INSERT INTO\s+"?(\w+)"?\s*\(([^)]*)\)\s*VALUES', re.IGNORECASE)


def _full_batch(sql: str) -> bool:
    """Whether an INSERT holds as many rows as the backend allows in one statement (SQLite: 999 // columns)."""
    columns = _INSERT.match(sql).group(2).count(",") + 1
    rows = sql.count("), (") + 1
    return rows == connection.ops.bulk_batch_size([None] * columns, range(10**6))


def statements(ctx) -> list[str]:
    """The captured SQL, an INSERT that follows a full batch into the same table left out: a bulk_create
    split by SQLite's 999-parameter limit counts once (a query per row would not be full batches)."""
    result = []
    previous = None  # (table, sql) of the previous query when it was an INSERT
    for query in ctx.captured_queries:
        sql = query["sql"]
        match = _INSERT.match(sql)
        table = match.group(1) if match else None
        continues_batch = table is not None and previous is not None and previous[0] == table and _full_batch(previous[1])
        previous = (table, sql) if table is not None else None
        if not continues_batch:
            result.append(sql)
    return result


def measure(fn):
    """(number of statements, captured context, fn's result)."""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(statements(ctx)), ctx, result


def show(ctx) -> str:
    return "\n".join(q["sql"][:300] for q in ctx.captured_queries)


# --- building a small and a large cycle -------------------------------------------------------------


@dataclass
class Scenario:
    cycle: OrderCycle
    offers: list[Offer]
    households: list[Household]
    member: User  # a member of household a1, which orders in both sizes
    group: Group  # group A
    producer: Producer  # the farm
    lines_per_order: int


def quantity_for(offer: Offer, k: int) -> Decimal:
    if offer.countable:
        return D(1 + k % 3)
    return offer.order_step * 5 * (1 + k % 5)  # 5 … 25 steps: 0,5 … 2,5 kg, 5 … 25 l


def place_orders(cycle, households, offers, lines):
    for i, household in enumerate(households):
        chosen = [offers[(i + k) % len(offers)] for k in range(lines)]
        save_order(cycle=cycle, household=household, quantities={o.pk: quantity_for(o, k) for k, o in enumerate(chosen)})


def cycle_offers(cycle):
    return list(Offer.objects.filter(cycle=cycle).order_by("pk"))


def small_scenario(world, *, orders=True, closed=False) -> Scenario:
    cycle = world.open_cycle(name="Petit cycle")
    offers = cycle_offers(cycle)
    households = [world.household_a1, world.household_a2, world.household_b1, world.household_b2]
    if orders:
        place_orders(cycle, households, offers, SMALL_LINES)
    if closed:
        close_cycle(cycle.pk)
        cycle.refresh_from_db()
    return Scenario(cycle=cycle, offers=offers, households=households, member=world.member_a1,
                    group=world.group_a, producer=world.farm, lines_per_order=SMALL_LINES)


def enlarge(world, *, extra_products=LARGE_EXTRA_PRODUCTS, households=LARGE_HOUSEHOLDS):
    """Two more groups (with depots), three more producers, `extra_products` products, and households with a
    member each so that the club has `households` households spread evenly over its four groups."""
    groups = [world.group_a, world.group_b]
    for slug, weekday in (("fougeres", 4), ("redon", 5)):
        group = Group.objects.create(club=world.club, name=f"GAC de {slug.title()}", slug=slug)
        Depot.objects.create(group=group, name=f"Dépôt {slug}", address="3 place du Marché", latitude=D("48.0"),
                             longitude=D("-1.5"), distribution_weekday=weekday, slot_start=datetime.time(17),
                             slot_end=datetime.time(19))
        groups.append(group)
    producers = [world.farm, world.bakery] + Producer.objects.bulk_create(
        Producer(club=world.club, name=name) for name in ("Chèvrerie du Val", "Miellerie des Landes", "Verger de Saint-Aubin")
    )
    categories = [world.lait, world.pain, world.legumes]
    units = [Unit.KILOGRAM, Unit.PIECE, Unit.LITRE, Unit.BUNCH, Unit.GRAM, Unit.DOZEN]
    Product.objects.bulk_create(
        Product(producer=producers[i % len(producers)], category=categories[i % len(categories)], name=f"Produit {i:03d}",
                unit=units[i % len(units)], unit_price=D("0.95") + D(i) / 4, vat_rate=D("5.5") if i % 4 else D("20"),
                pack_size=D(1 + i % 3))
        for i in range(extra_products)
    )
    existing = list(Household.objects.filter(group__club=world.club))
    per_group = households // len(groups)
    new = []
    for group in groups:
        have = sum(1 for h in existing if h.group_id == group.pk)
        new += [Household(group=group, name=f"Foyer {group.slug} {n:02d}") for n in range(per_group - have)]
    new = Household.objects.bulk_create(new)
    User.objects.bulk_create(
        User(email=f"foyer{h.pk}@example.org", household=h, first_name=h.name, password="!") for h in new
    )
    return groups


def large_scenario(world, *, orders=True, closed=False) -> Scenario:
    groups = enlarge(world)
    now = timezone.now()
    closes_at = now + 3 * DAY
    cycle = open_cycle(
        club=world.club, name="Grand cycle", opens_at=now - DAY, closes_at=closes_at,
        distribution_dates={g.pk: timezone.localdate(closes_at) + 2 * DAY for g in groups},
        product_ids=Product.objects.filter(producer__club=world.club).values_list("pk", flat=True),
    )
    offers = cycle_offers(cycle)
    households = list(Household.objects.filter(group__club=world.club).order_by("pk"))
    assert len(households) == LARGE_HOUSEHOLDS and len(offers) == 4 + LARGE_EXTRA_PRODUCTS
    if orders:
        place_orders(cycle, households, offers, LARGE_LINES)
    if closed:
        close_cycle(cycle.pk)
        cycle.refresh_from_db()
    return Scenario(cycle=cycle, offers=offers, households=households, member=world.member_a1,
                    group=world.group_a, producer=world.farm, lines_per_order=LARGE_LINES)


def assert_same_and_pinned(key, small, large):
    """small and large are (count, ctx) pairs."""
    (n_small, ctx_small), (n_large, ctx_large) = small, large
    assert n_small == n_large, f"{key}: {n_small} queries for the small cycle, {n_large} for the large one\n" \
                               f"--- small ---\n{show(ctx_small)}\n--- large ---\n{show(ctx_large)}"
    assert n_small == expected(key), f"{key}: {n_small} queries, pinned {expected(key)}\n{show(ctx_small)}"
    if connection.vendor != "sqlite":
        assert len(ctx_large) == n_large  # no batching outside SQLite: the raw count is the same


# --- pages ------------------------------------------------------------------------------------------


def _order_detail_url(s):
    order = s.cycle.orders.get(household=s.member.household_id)
    return reverse("order-detail", args=[order.pk])


PAGES = {
    # key: (who, closed?, url)
    "order-get": ("member", False, lambda s: reverse("order", args=[s.cycle.pk])),
    "order-progress": ("member", False, lambda s: reverse("order-progress", args=[s.cycle.pk])),
    "order-get-closed": ("member", True, lambda s: reverse("order", args=[s.cycle.pk])),
    "order-detail": ("member", False, _order_detail_url),
    "order-detail-closed": ("member", True, _order_detail_url),
    "home": ("member", False, lambda s: reverse("home")),
    "cycle-detail": ("coordinator", False, lambda s: reverse("cycle-detail", args=[s.cycle.pk])),
    "cycle-detail-closed": ("coordinator", True, lambda s: reverse("cycle-detail", args=[s.cycle.pk])),
    "group-orders": ("coordinator", False, lambda s: reverse("group-orders", args=[s.cycle.pk, s.group.pk])),
    "group-orders-closed": ("coordinator", True, lambda s: reverse("group-orders", args=[s.cycle.pk, s.group.pk])),
    "cycle-list": ("coordinator", True, lambda s: reverse("cycle-list")),
    "picking-list": ("coordinator", True, lambda s: reverse("picking-list", args=[s.cycle.pk, s.group.pk])),
    "picking-list-csv": ("coordinator", True, lambda s: reverse("picking-list-file", args=[s.cycle.pk, s.group.pk, "csv"])),
    "producer-sheet": ("coordinator", True, lambda s: reverse("producer-sheet", args=[s.cycle.pk, s.producer.pk])),
    "producer-sheet-csv": ("coordinator", True, lambda s: reverse("producer-sheet-file", args=[s.cycle.pk, s.producer.pk, "csv"])),
    "paper-orders": ("coordinator", False, lambda s: reverse("paper-orders", args=[s.cycle.pk, s.group.pk])),
    "depot-reception": ("coordinator", True, lambda s: reverse("depot-reception", args=[s.cycle.pk, s.group.pk])),
}


@pytest.mark.parametrize("key", list(PAGES))
def test_page_queries_do_not_grow(world, client, key):
    who, closed, url_of = PAGES[key]
    user = world.member_a1 if who == "member" else world.coordinator
    client.force_login(user)

    def get(scenario):
        url = url_of(scenario)
        count, ctx, response = measure(lambda: client.get(url))
        assert response.status_code == 200, (url, response.status_code)
        return count, ctx, response

    small = small_scenario(world, closed=closed)
    n_small, ctx_small, r_small = get(small)
    large = large_scenario(world, closed=closed)
    n_large, ctx_large, r_large = get(large)
    # the large page really shows more
    assert len(r_large.content) > len(r_small.content)
    assert_same_and_pinned(key, (n_small, ctx_small), (n_large, ctx_large))


def test_the_large_documents_hold_the_large_data(world, client):
    """Guards the query-count tests: the large scenario's pages list what they should."""
    large = large_scenario(world, closed=True)
    client.force_login(world.coordinator)
    csv_text = client.get(reverse("picking-list-file", args=[large.cycle.pk, large.group.pk, "csv"])).content.decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1 + 10 * LARGE_LINES  # 10 households of group A × 20 lines
    response = client.get(reverse("cycle-detail", args=[large.cycle.pk]))
    assert response.context["household_count"] == LARGE_HOUSEHOLDS
    assert len(response.context["sheets"]) == 5
    response = client.get(reverse("group-orders", args=[large.cycle.pk, large.group.pk]))
    assert [len(e["lines"]) for e in response.context["entries"]] == [LARGE_LINES] * 10


# --- saving an order --------------------------------------------------------------------------------


def order_steps(scenario):
    """The POSTs of one member, as (key, data): create n lines, change all, mix, remove all."""
    n = scenario.lines_per_order
    first, rest = scenario.offers[:n], scenario.offers[n:]
    create = {f"q-{o.pk}": str(quantity_for(o, 0)).replace(".", ",") for o in first}
    update = {f"q-{o.pk}": str(quantity_for(o, 1)) for o in first}
    third = max(1, n // 3)
    mixed = {}
    mixed.update({f"q-{o.pk}": str(quantity_for(o, 2)) for o in first[:third]})  # changed
    mixed.update({f"q-{o.pk}": "0" for o in first[third:2 * third]})  # removed
    mixed.update({f"q-{o.pk}": "" for o in first[2 * third:]})  # left empty: removed as well
    mixed.update({f"q-{o.pk}": str(quantity_for(o, 0)) for o in rest[:third]})  # added
    remaining = first[:third] + rest[:third]
    remove_all = {f"q-{o.pk}": "0" for o in remaining}
    return [("order-post-create", create), ("order-post-update", update), ("order-post-mixed", mixed),
            ("order-post-remove-all", remove_all)]


def test_saving_an_order_costs_the_same_for_2_and_20_lines(world, client):
    client.force_login(world.member_a1)

    def run(scenario):
        counts = {}
        url = reverse("order", args=[scenario.cycle.pk])
        for key, data in order_steps(scenario):
            count, ctx, response = measure(lambda: client.post(url, data))
            assert response.status_code == 302, response.content.decode()[:2000]
            counts[key] = (count, ctx)
        assert not scenario.cycle.orders.filter(household=world.household_a1).exists()  # remove-all deleted the order
        return counts

    small = run(small_scenario(world, orders=False))
    large = run(large_scenario(world, orders=False))
    for key in small:
        assert_same_and_pinned(key, small[key], large[key])


def test_large_order_post_writes_every_line(world, client):
    large = large_scenario(world, orders=False)
    client.force_login(world.member_a1)
    _, data = order_steps(large)[0]
    assert client.post(reverse("order", args=[large.cycle.pk]), data).status_code == 302
    assert large.cycle.orders.get(household=world.household_a1).lines.count() == LARGE_LINES


# --- closing ----------------------------------------------------------------------------------------


def test_close_cycle_service_costs_the_same_for_4_and_40_households(world):
    small = small_scenario(world)
    n_small, ctx_small, outcome = measure(lambda: close_cycle(small.cycle.pk))
    assert outcome.closed_now and len(outcome.result.allocations) == 4 * SMALL_LINES
    large = large_scenario(world)
    n_large, ctx_large, outcome = measure(lambda: close_cycle(large.cycle.pk))
    assert outcome.closed_now and len(outcome.result.allocations) == LARGE_HOUSEHOLDS * LARGE_LINES
    assert_same_and_pinned("close-service", (n_small, ctx_small), (n_large, ctx_large))


def test_close_view_costs_the_same_for_4_and_40_households(world, client):
    client.force_login(world.coordinator)

    def close(scenario):
        count, ctx, response = measure(lambda: client.post(reverse("cycle-close", args=[scenario.cycle.pk])))
        assert response.status_code == 302
        scenario.cycle.refresh_from_db()
        assert scenario.cycle.closed_at is not None
        return count, ctx

    small = close(small_scenario(world))
    large = close(large_scenario(world))
    assert_same_and_pinned("close-view", small, large)
