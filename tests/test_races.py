"""Races on PostgreSQL: saves at the deadline, closings, the prepaid credit, and a closing killed half-way.

Each test starts real threads (each with its own database connection, closed when it ends) together on a
barrier, in a transactional test (what one thread commits, the others see), then checks an invariant that
holds only if the locks of ``ordering.services.lock_open_cycle`` (saves: the cycle's row FOR SHARE, the
household's FOR NO KEY UPDATE) and ``lock_cycle_to_close`` (the closing: the cycle's row FOR UPDATE) do their
work. SQLite lets one transaction write at a time, so these tests run on PostgreSQL only (``DATABASE_URL``).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from cabas.catalog.models import Product, Unit
from cabas.core.errors import ActionError
from cabas.distribution.models import PickingList, ProducerSheet
from cabas.finance.checks import check_ledger
from cabas.finance.models import CycleFunds, FinanceSettings, FundShare, LedgerTransaction
from cabas.finance.services import open_orders_total, record_payment
from cabas.flows import close_cycle, save_order
from cabas.members.models import Household
from cabas.ordering.models import (
    Allocation, LineChange, Offer, OfferOutcome, Order, OrderCycle, OrderLine, OrderSummary, Rationing,
)
from cabas.ordering.services import lock_open_cycle

from .conftest import World

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="races need PostgreSQL's row locks and concurrent writers: set DATABASE_URL=postgres://…"),
    pytest.mark.django_db(transaction=True),
]

D = Decimal
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
JOIN_TIMEOUT = 20  # seconds: a thread still running by then is a deadlock, reported as a failure


@pytest.fixture
def world(transactional_db):
    """The club of conftest, committed: every thread sees it."""
    return World()


def run_together(*tasks, timeout=JOIN_TIMEOUT):
    """Run each callable in its own thread, all released at once by a barrier; return what each returned or
    raised, as ("ok", value) or ("error", exception), in the order given. Each thread closes its connection."""
    barrier = threading.Barrier(len(tasks))
    outcomes: list = [None] * len(tasks)

    def run(index, task):
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = ("ok", task())
        except BaseException as error:  # noqa: BLE001 - reported to the test
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t), daemon=True) for i, t in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting: deadlock?"
    return outcomes


def unexpected(outcomes, allowed=(ActionError,)):
    """The exceptions the threads raised other than the refusals the test allows."""
    return [value for kind, value in outcomes if kind == "error" and not isinstance(value, allowed)]


def households(world, count):
    """``count`` households of the club: the world's four, then new ones in its two groups."""
    result = [world.household_a1, world.household_a2, world.household_b1, world.household_b2]
    for i in range(len(result), count):
        result.append(Household.objects.create(group=world.group_a if i % 2 else world.group_b, name=f"Foyer {i}"))
    return result[:count]


def bread_offer(cycle, world):
    return Offer.objects.get(cycle=cycle, product=world.bread)


# --- 1. a product whose supply is capped --------------------------------------------------------------


def test_a_capped_product_never_hands_out_more_than_its_supply(world):
    """Twenty households save 1 or 2 loaves at once (six of them from two tabs at once, with different
    quantities) of an offer capped at 10: every save is acknowledged, each household ends with one order and
    one line holding one of the quantities it sent, and the closing sees every line and hands out at most 10
    loaves (its outcome, allocations and summaries agree) — under each rationing strategy. Without the
    household's lock, two tabs would both create the household's order (one fails on the unique constraint)."""
    members = households(world, 20)
    for rationing in Rationing.values:
        cycle = world.open_cycle(products=[world.bread], name=rationing)
        OrderCycle.objects.filter(pk=cycle.pk).update(rationing=rationing)
        bread = bread_offer(cycle, world)
        Offer.objects.filter(pk=bread.pk).update(supply_cap=D(10))
        sent = defaultdict(set)
        tasks = []
        for i, household in enumerate(members):
            tabs = (1 + i % 2, 2 - i % 2) if i < 6 else (1 + i % 2,)
            for quantity in tabs:
                sent[household.pk].add(D(quantity))
                tasks.append(lambda h=household, q=quantity, c=cycle, o=bread.pk: save_order(
                    cycle=c, household=h, quantities={o: str(q)}))

        outcomes = run_together(*tasks)

        assert unexpected(outcomes, allowed=()) == [], rationing
        lines = dict(OrderLine.objects.filter(order__cycle=cycle).values_list("order__household_id", "quantity"))
        assert Counter(Order.objects.filter(cycle=cycle).values_list("household_id", flat=True)) == Counter(set(sent))
        assert set(lines) == set(sent) and all(lines[h] in sent[h] for h in sent)

        assert close_cycle(cycle.pk, now=cycle.closes_at + HOUR).closed_now

        allocations = list(Allocation.objects.filter(cycle=cycle))
        assert {(a.household_id, a.quantity_ordered) for a in allocations} == set(lines.items())  # every line seen
        assert all(D(0) <= a.quantity <= a.quantity_ordered for a in allocations)
        handed_out = sum(a.quantity for a in allocations)
        assert D(0) < handed_out <= D(10) < sum(lines.values()), rationing
        assert OfferOutcome.objects.get(offer=bread).allocated == handed_out
        per_household = defaultdict(D)
        for a in allocations:
            per_household[a.household_id] += a.amount_incl_vat
        summaries = dict(OrderSummary.objects.filter(cycle=cycle).values_list("household_id", "amount_incl_vat"))
        assert summaries == {h: amount for h, amount in per_household.items() if amount}


# --- 2. saves racing the closing ----------------------------------------------------------------------


def test_a_save_racing_the_closing_is_either_seen_by_it_or_refused(world):
    """Six households save again and again (1, 2, 3… loaves) while the cycle is closed: every save that was
    acknowledged is in the closing's allocations (the household's last acknowledged quantity is what the
    closing allocated from), every save that started once the closing had committed is refused with
    ActionError, and no order line or line change is written after the closing. Without the cycle's lock
    (shared by the saves, alone by the closing), a save under way when the closing reads the lines commits
    after it: acknowledged, yet missing from the allocations."""
    closes_at = timezone.now() + HOUR  # the saves pass the real time (before the deadline), the closing a later one
    cycle = world.open_cycle(products=[world.bread], closes_at=closes_at)
    bread = bread_offer(cycle, world)
    members = households(world, 6)
    log = defaultdict(list)  # household -> [(started, ended, quantity, acknowledged)]
    closed = {}

    def keep_saving(household):
        """Save 1, 2, 3… without a break until a save that started once the closing had committed has come
        back (the closing is not starved by overlapping saves: see the next test)."""
        entries = log[household.pk]
        rest = random.Random(household.pk)
        for quantity in range(1, 100_000):
            started = time.monotonic()
            try:
                save_order(cycle=cycle, household=household, quantities={bread.pk: str(quantity)}, now=timezone.now())
                acknowledged = True
            except ActionError:
                acknowledged = False
            entries.append((started, time.monotonic(), D(quantity), acknowledged))
            if "at" in closed and started > closed["at"]:
                return
            time.sleep(rest.uniform(0, 0.003))

    def close():
        time.sleep(0.2)  # let the saves get going
        outcome = close_cycle(cycle.pk, now=closes_at + datetime.timedelta(minutes=1))
        closed["at"] = time.monotonic()  # close_cycle has returned: its transaction is committed
        closed["changes"] = set(LineChange.objects.filter(cycle=cycle).values_list("pk", flat=True))
        closed["lines"] = set(OrderLine.objects.filter(order__cycle=cycle).values_list("pk", "quantity"))
        return outcome

    outcomes = run_together(close, *[lambda h=h: keep_saving(h) for h in members])

    assert unexpected(outcomes, allowed=()) == []
    assert outcomes[0][1].closed_now
    allocated = dict(Allocation.objects.filter(cycle=cycle, offer=bread).values_list("household_id", "quantity_ordered"))
    for household in members:
        entries = log[household.pk]
        acknowledged = [quantity for _, _, quantity, ok in entries if ok]
        assert acknowledged, "every household saved at least once before the closing"
        assert allocated.get(household.pk) == acknowledged[-1], f"an acknowledged save of {household} was missed"
        assert not any(ok for started, _, _, ok in entries if started > closed["at"]), "a save after the closing was accepted"
        assert sum(1 for started, *_ in entries if started > closed["at"]) >= 1  # the race did reach past the closing
    assert set(LineChange.objects.filter(cycle=cycle).values_list("pk", flat=True)) == closed["changes"]
    assert set(OrderLine.objects.filter(order__cycle=cycle).values_list("pk", "quantity")) == closed["lines"]


def waiting_for_a_lock(timeout=5, count=1):
    """Wait until ``count`` other backends of the test database wait for a lock (the closing, blocked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0] >= count:
                return True
        time.sleep(0.01)
    return False


def test_a_save_that_starts_while_the_closing_waits_waits_for_it(world):
    """A save under way holds the cycle's row (FOR SHARE); the closing then waits for it (FOR UPDATE); a save
    that starts now waits for the closing and finds the cycle closed (ActionError), as ``lock_open_cycle``
    says — otherwise a stream of overlapping saves would keep postponing the closing (the cycle's row lock
    FOR SHARE let a new save join the share lock at once: hence the advisory lock)."""
    closes_at = timezone.now() + HOUR
    cycle = world.open_cycle(products=[world.bread], closes_at=closes_at)
    bread = bread_offer(cycle, world)
    first, second = world.household_a1, world.household_b1
    held, release = threading.Event(), threading.Event()

    def save_under_way():  # a save's own lock, held until the test releases it: a save that takes its time
        try:
            with transaction.atomic():
                lock_open_cycle(cycle, first, timezone.now())
                held.set()
                release.wait(JOIN_TIMEOUT)
        finally:
            connection.close()

    def closing():
        return close_cycle(cycle.pk, now=closes_at + HOUR)

    def release_once_both_wait():  # the closing and the later save both blocked: the save under way ends
        try:
            waiting_for_a_lock(timeout=JOIN_TIMEOUT / 2, count=2)
        finally:
            release.set()
            connection.close()

    def later_save():
        assert waiting_for_a_lock(), "the closing never waited for the save under way"
        threading.Thread(target=release_once_both_wait, daemon=True).start()
        try:
            return save_order(cycle=cycle, household=second, quantities={bread.pk: "1"}, now=timezone.now())
        finally:
            release.set()

    holder = threading.Thread(target=save_under_way, daemon=True)
    holder.start()
    assert held.wait(JOIN_TIMEOUT)
    outcomes = run_together(closing, later_save)
    release.set()
    holder.join(JOIN_TIMEOUT)

    assert unexpected(outcomes) == []
    assert outcomes[0][1].closed_now
    assert outcomes[1][0] == "error", "the later save was accepted before the closing that was waiting"


# --- 3. closings racing one another -------------------------------------------------------------------


def test_five_closings_at_once_close_the_cycle_once(world):
    """Five closings of the same cycle at once: exactly one closes it (``closed_now``), the others find it
    closed and write nothing; the ledger holds one closing transaction for the cycle and the allocations,
    summaries and documents are written once. Without the closing's FOR UPDATE, two closings would both
    allocate (one fails on a unique constraint, or the ledger gets an adjustment)."""
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", guarantee_percent=D("1"))
    for round_ in range(3):
        cycle = world.open_cycle(name=f"Semaine {round_}")
        offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
        for i, household in enumerate(households(world, 4)):
            save_order(cycle=cycle, household=household,
                       quantities={offers[world.bread.pk]: str(i + 1), offers[world.milk.pk]: "2"})

        outcomes = run_together(*[lambda: close_cycle(cycle.pk, now=cycle.closes_at + HOUR)] * 5)

        assert unexpected(outcomes, allowed=()) == []
        assert sorted(value.closed_now for _, value in outcomes) == [False] * 4 + [True]
        assert list(LedgerTransaction.objects.filter(piece=f"C{cycle.pk}").values_list("key", flat=True).order_by("key")) == [
            f"cycle:{cycle.pk}", f"funds:{cycle.pk}"]  # the closing and the funds (guarantee), no adjustment
        assert Allocation.objects.filter(cycle=cycle).count() == 8
        assert OrderSummary.objects.filter(cycle=cycle).count() == 4
        assert PickingList.objects.filter(distribution__cycle=cycle).count() == 2
        assert ProducerSheet.objects.filter(cycle=cycle).count() == 2
        assert FundShare.objects.filter(cycle=cycle).count() == 4
        assert OfferOutcome.objects.filter(offer__cycle=cycle).count() == 4  # every offer, ordered or not
    assert check_ledger() == []


# --- 4. the prepaid credit ----------------------------------------------------------------------------


def test_two_saves_of_one_household_never_spend_its_credit_twice(world):
    """A prepaid household with 50 € of credit saves a 34.50 € basket in two open cycles at once, ten times
    over: each time exactly one save is accepted and the other refused with ActionError, and its open orders
    never exceed its credit. Without the household's lock (FOR NO KEY UPDATE), each save checks the credit
    against totals that miss the other's uncommitted line: both are accepted (69 €)."""
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", payment_mode="prepaid", minimum_balance=D("0"))
    basket = Product.objects.create(producer=world.farm, category=world.legumes, name="Panier", unit=Unit.PIECE,
                                    unit_price=D("34.50"), vat_rate=D("5.5"))
    household = world.household_a1
    record_payment(club=world.club, household=household, amount="50", method="transfer", date=timezone.localdate())
    cycles = [world.open_cycle(products=[basket], name=f"Semaine {n}") for n in (47, 48)]
    offers = [Offer.objects.get(cycle=c) for c in cycles]
    for round_ in range(10):
        outcomes = run_together(*[
            lambda c=c, o=o: save_order(cycle=c, household=household, quantities={o.pk: "1"}) for c, o in zip(cycles, offers)
        ])

        assert unexpected(outcomes) == []
        kinds = [kind for kind, _ in outcomes]
        assert sorted(kinds) == ["error", "ok"], f"round {round_}: {kinds}"
        assert open_orders_total(world.club.pk, household.pk) == D("34.50") <= D(50)
        LineChange.objects.filter(cycle__in=cycles).delete()
        Order.objects.filter(cycle__in=cycles).delete()  # and their lines: the next round starts afresh


# --- 5. a closing killed half-way ---------------------------------------------------------------------


def database_url() -> str:
    """The test database (not the one DATABASE_URL names), for the child process."""
    s = connection.settings_dict
    user = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    return f"postgres://{user}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{quote(s['NAME'])}"


def read_line(process, timeout):
    """The child's first line on stdout, or None if it printed none within ``timeout`` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return None
        return process.stdout.readline()


KILL_POINTS = ("allocations", "documents", "ledger")  # see tests/closing_child.py


def test_a_closing_killed_half_way_leaves_nothing_behind(world):
    """A closing process killed (SIGKILL) in the middle of its transaction — after the allocations, after the
    documents, half-way through the ledger posting (one process per point, one cycle each, at once) — leaves
    no allocation, summary, offer outcome, document, fund share or ledger row for its cycle, and the cycle
    still open; normal closings afterwards close the cycles and the ledger checks out (its numbers follow the
    payment posted before without a gap)."""
    record_payment(club=world.club, household=world.household_b1, amount="20", method="cash", date=timezone.localdate())
    cycles = {}
    for point in KILL_POINTS:
        cycle = cycles[point] = world.open_cycle(name=point)
        offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
        for i, household in enumerate(households(world, 4)):
            save_order(cycle=cycle, household=household,
                       quantities={offers[world.bread.pk]: str(i + 1), offers[world.milk.pk]: "1"})
    now = timezone.now() + 4 * DAY  # after every deadline
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "cabas.settings",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "races-test-key"), "PYTHONUNBUFFERED": "1"}
    children = {
        point: subprocess.Popen([sys.executable, str(Path(__file__).with_name("closing_child.py")), str(cycle.pk), point,
                                 now.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        for point, cycle in cycles.items()
    }
    written = {}
    try:
        for point, child in children.items():
            line = read_line(child, timeout=30)
            assert line and line.startswith("ready "), (
                f"the child did not reach {point}: {line!r} {child.stderr.read() if child.poll() is not None else ''}")
            written[point] = json.loads(line.split(" ", 1)[1])
    finally:
        for child in children.values():
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
    assert all(child.returncode == -signal.SIGKILL for child in children.values())
    # each child had written, in its transaction, what the closing writes up to its point
    expected = {
        "allocations": {"allocations": 8, "summaries": 4, "picking_lists": 0, "producer_sheets": 0, "ledger": 0, "closed": 0},
        "documents": {"allocations": 8, "summaries": 4, "picking_lists": 2, "producer_sheets": 2, "ledger": 0, "closed": 0},
        "ledger": {"allocations": 8, "summaries": 4, "picking_lists": 2, "producer_sheets": 2, "ledger": 1, "closed": 0},
    }
    assert written == {point: expected[point] for point in KILL_POINTS}

    for point, cycle in cycles.items():
        cycle.refresh_from_db()
        assert cycle.closed_at is None, point
        assert not Allocation.objects.filter(cycle=cycle).exists(), point
        assert not OrderSummary.objects.filter(cycle=cycle).exists(), point
        assert not OfferOutcome.objects.filter(offer__cycle=cycle).exists(), point
        assert not PickingList.objects.filter(distribution__cycle=cycle).exists(), point
        assert not ProducerSheet.objects.filter(cycle=cycle).exists(), point
        assert not FundShare.objects.filter(cycle=cycle).exists() and not CycleFunds.objects.filter(cycle=cycle).exists()
        assert not LedgerTransaction.objects.filter(piece=f"C{cycle.pk}").exists(), point
    assert LedgerTransaction.objects.count() == 1  # the payment

    for point, cycle in cycles.items():
        assert close_cycle(cycle.pk, now=now).closed_now, point
        assert Allocation.objects.filter(cycle=cycle).count() == 8
        assert OrderSummary.objects.filter(cycle=cycle).aggregate(t=Sum("amount_incl_vat"))["t"] == D("57.20")  # 10 loaves, 4 l
        assert LedgerTransaction.objects.filter(piece=f"C{cycle.pk}", key=f"cycle:{cycle.pk}").count() == 1
    assert check_ledger() == []
