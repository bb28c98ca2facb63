"""The closing's computation as plain Python: allocations and totals per household, producer and group."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cabas.core.money import ZERO, line_amount
from cabas.ordering import closing
from cabas.ordering.allocation import ProductRules
from cabas.ordering.closing import AllocatedLine, OrderedLine, totals_by

D = Decimal

# Two groups: households 11, 12 in group 1; household 21 in group 2. Producers: 100 (farm), 200 (bakery).
MILK = dict(offer_id=1, producer_id=100, unit_price=D("1.30"), vat_rate=D("5.50"))
CARROTS = dict(offer_id=2, producer_id=100, unit_price=D("2.10"), vat_rate=D("5.50"))
BREAD = dict(offer_id=3, producer_id=200, unit_price=D("5.20"), vat_rate=D("5.50"))
BRIOCHE = dict(offer_id=4, producer_id=200, unit_price=D("6.00"), vat_rate=D("10.00"))


def loose(lines):
    """Every offer sold loose, to the gram: each line is served as ordered (the engine has its own tests)."""
    return [ProductRules(offer_id, pack_size=D("0.001"), step=D("0.001")) for offer_id in {l.offer_id for l in lines}]


def allocate_loose(lines):
    lines = list(lines)
    allocated, _offers, _expected = closing.allocate(lines, loose(lines))
    return allocated


def close_loose(lines):
    lines = list(lines)
    return closing.close(lines, loose(lines))


def line(household_id, group_id, offer, quantity):
    return OrderedLine(household_id=household_id, group_id=group_id, quantity=D(quantity), **offer)


LINES = [
    line(21, 2, BRIOCHE, "2"),  # 12.00
    line(11, 1, MILK, "2.5"),  # 3.25
    line(12, 1, CARROTS, "1.5"),  # 3.15
    line(11, 1, BREAD, "2"),  # 10.40
    line(21, 2, MILK, "6"),  # 7.80
    line(12, 1, BRIOCHE, "1"),  # 6.00
]


def test_allocate_serves_every_line_as_ordered_at_the_frozen_price():
    allocations = allocate_loose(LINES)
    assert len(allocations) == len(LINES)
    for ordered, allocated in zip(LINES, allocations):
        assert isinstance(allocated, AllocatedLine)
        assert allocated.quantity == allocated.quantity_ordered == ordered.quantity
        assert (allocated.household_id, allocated.group_id, allocated.offer_id, allocated.producer_id) == (
            ordered.household_id, ordered.group_id, ordered.offer_id, ordered.producer_id,
        )
        assert allocated.unit_price == ordered.unit_price
        assert allocated.vat_rate == ordered.vat_rate
        assert allocated.amount_incl_vat == line_amount(ordered.quantity, ordered.unit_price)
    assert [a.amount_incl_vat for a in allocations] == [D(x) for x in ("12.00", "3.25", "3.15", "10.40", "7.80", "6.00")]


def test_allocate_drops_lines_of_zero():
    allocations = allocate_loose([line(11, 1, MILK, "0"), line(11, 1, BREAD, "1")])
    assert [a.offer_id for a in allocations] == [BREAD["offer_id"]]


def test_close_sorts_allocations_by_group_household_offer():
    result = close_loose(LINES)
    assert [(a.group_id, a.household_id, a.offer_id) for a in result.allocations] == [
        (1, 11, 1), (1, 11, 3), (1, 12, 2), (1, 12, 4), (2, 21, 1), (2, 21, 4),
    ]


def test_close_totals_per_household():
    result = close_loose(LINES)
    assert [t.key for t in result.households] == [11, 12, 21]

    h11 = result.household(11)
    assert (h11.line_count, h11.member_count) == (2, 1)
    assert (h11.vat.amount_incl_vat, h11.vat.amount_excl_vat, h11.vat.vat) == (D("13.65"), D("12.94"), D("0.71"))

    h12 = result.household(12)
    assert h12.line_count == 2
    assert [r.rate for r in h12.vat.rows] == [D("5.5"), D("10")]
    assert [(r.amount_incl_vat, r.amount_excl_vat, r.vat) for r in h12.vat.rows] == [
        (D("3.15"), D("2.99"), D("0.16")),
        (D("6.00"), D("5.45"), D("0.55")),
    ]
    assert (h12.vat.amount_incl_vat, h12.vat.amount_excl_vat, h12.vat.vat) == (D("9.15"), D("8.44"), D("0.71"))

    h21 = result.household(21)
    assert (h21.vat.amount_incl_vat, h21.vat.amount_excl_vat, h21.vat.vat) == (D("19.80"), D("18.30"), D("1.50"))

    assert result.household(99) is None


def test_close_totals_per_producer():
    result = close_loose(LINES)
    farm, bakery = result.producers
    assert (farm.key, farm.line_count, farm.member_count) == (100, 3, 3)
    assert (farm.vat.amount_incl_vat, farm.vat.amount_excl_vat, farm.vat.vat) == (D("14.20"), D("13.46"), D("0.74"))
    assert (bakery.key, bakery.line_count, bakery.member_count) == (200, 3, 3)
    assert (bakery.vat.amount_incl_vat, bakery.vat.amount_excl_vat, bakery.vat.vat) == (D("28.40"), D("26.22"), D("2.18"))


def test_close_totals_per_group():
    result = close_loose(LINES)
    group_1, group_2 = result.groups
    assert (group_1.key, group_1.line_count, group_1.member_count, group_1.vat.amount_incl_vat) == (1, 4, 2, D("22.80"))
    assert (group_2.key, group_2.line_count, group_2.member_count, group_2.vat.amount_incl_vat) == (2, 2, 1, D("19.80"))


def test_close_of_nothing_is_empty():
    result = close_loose([])
    assert result.allocations == () and result.households == () and result.producers == () and result.groups == ()
    assert result.household(1) is None


def test_close_of_only_zero_lines_is_empty():
    result = close_loose([line(11, 1, MILK, "0"), line(12, 1, BREAD, "0")])
    assert result.allocations == () and result.households == () and result.producers == () and result.groups == ()


def test_close_accepts_a_generator():
    assert close_loose(iter(LINES)) == close_loose(LINES)


def test_totals_by_unknown_lines_is_empty():
    assert totals_by([], "producer_id") == ()


# --- properties -----------------------------------------------------------------------------------

OFFERS = {
    1: (100, D("1.30"), D("5.5")),
    2: (100, D("2.10"), D("5.50")),
    3: (200, D("5.20"), D("5.5")),
    4: (200, D("6.00"), D("10")),
    5: (300, D("0.99"), D("20")),
    6: (300, D("12.34"), D("0")),
}
HOUSEHOLD_GROUP = {h: h // 10 for h in (11, 12, 13, 21, 22, 31)}


@st.composite
def ordered_lines(draw):
    """Lines as the database holds them: at most one per (household, offer)."""
    keys = draw(
        st.lists(st.tuples(st.sampled_from(sorted(HOUSEHOLD_GROUP)), st.sampled_from(sorted(OFFERS))), unique=True, max_size=25)
    )
    result = []
    for household_id, offer_id in keys:
        producer_id, price, rate = OFFERS[offer_id]
        quantity = draw(st.decimals(min_value=D("0"), max_value=D("10000"), places=3))
        result.append(OrderedLine(household_id, HOUSEHOLD_GROUP[household_id], offer_id, producer_id, quantity, price, rate))
    return result


def priced_per_offer(lines):
    """What each offer comes to: its whole quantity × its price, rounded once to the cent."""
    quantity = defaultdict(lambda: Decimal(0))
    for l in lines:
        quantity[(l.offer_id, l.producer_id, l.unit_price)] += l.quantity
    return {key: line_amount(q, key[2]) for key, q in quantity.items()}


@given(ordered_lines())
def test_every_way_of_totalling_gives_the_same_total(lines):
    result = close_loose(lines)
    expected = sum(priced_per_offer(lines).values(), ZERO)

    def total(totals):
        return sum((t.vat.amount_incl_vat for t in totals), ZERO)

    assert total(result.households) == total(result.producers) == total(result.groups) == expected
    assert sum((a.amount_incl_vat for a in result.allocations), ZERO) == expected

    served = [l for l in lines if l.quantity > 0]
    assert len(result.allocations) == len(served)
    for totals in (result.households, result.producers, result.groups):
        assert sum(t.line_count for t in totals) == len(served)
        for t in totals:
            assert t.vat.amount_excl_vat + t.vat.vat == t.vat.amount_incl_vat
            assert ZERO <= t.vat.vat <= t.vat.amount_incl_vat


@given(ordered_lines())
def test_totals_match_a_direct_regrouping(lines):
    result = close_loose(lines)
    served = [l for l in lines if l.quantity > 0]
    amount_of = {(a.household_id, a.offer_id): a.amount_incl_vat for a in result.allocations}
    for totals, key in ((result.households, "household_id"), (result.producers, "producer_id"), (result.groups, "group_id")):
        expected_amount = defaultdict(lambda: ZERO)
        expected_lines = defaultdict(int)
        expected_households = defaultdict(set)
        for l in served:
            k = getattr(l, key)
            expected_amount[k] += amount_of[(l.household_id, l.offer_id)]
            expected_lines[k] += 1
            expected_households[k].add(l.household_id)
        assert [t.key for t in totals] == sorted(expected_amount)
        for t in totals:
            assert t.vat.amount_incl_vat == expected_amount[t.key]
            assert t.line_count == expected_lines[t.key]
            assert t.member_count == len(expected_households[t.key])
    for household in result.households:
        assert household.member_count == 1
    # a producer is owed what its offers come to, each priced once
    owed = defaultdict(lambda: ZERO)
    for (_offer, producer, _price), amount in priced_per_offer(served).items():
        owed[producer] += amount
    assert {t.key: t.vat.amount_incl_vat for t in result.producers} == owed


@given(ordered_lines(), st.randoms(use_true_random=False))
def test_the_order_of_the_lines_does_not_matter(lines, random):
    shuffled = list(lines)
    random.shuffle(shuffled)
    assert close_loose(shuffled) == close_loose(lines)


# --- cents: an offer is priced once, its households share its amount ------------------------------------

STEPS = [D("0.001"), D("0.01"), D("0.1"), D("0.25"), D("0.5"), D("1")]


@st.composite
def offers_shared_by_households(draw):
    """A few offers at prices with cents, each ordered by random households in whole steps of the offer."""
    lines = []
    for offer_id in range(1, draw(st.integers(1, 4)) + 1):
        price = D(draw(st.integers(0, 99_999))).scaleb(-2)
        step = draw(st.sampled_from(STEPS))
        households = draw(st.lists(st.integers(1, 60), min_size=1, max_size=12, unique=True))
        for household_id in households:
            quantity = draw(st.integers(1, 2_000)) * step
            lines.append(OrderedLine(household_id, household_id % 3, offer_id, offer_id % 2, quantity, price, D("5.5")))
    return lines


@given(offers_shared_by_households())
def test_the_households_amounts_of_an_offer_add_up_to_its_quantity_times_its_price(lines):
    result = close_loose(lines)
    assert len(result.allocations) == len(lines)
    per_offer = defaultdict(lambda: ZERO)
    for a in result.allocations:
        assert a.quantity == a.quantity_ordered  # sold loose: each served as ordered
        assert a.amount_incl_vat == a.amount_incl_vat.quantize(D("0.01"))
        assert abs(a.amount_incl_vat - a.quantity * a.unit_price) < D("0.01")
        per_offer[a.offer_id] += a.amount_incl_vat
    price = {l.offer_id: l.unit_price for l in lines}
    quantity = defaultdict(lambda: D(0))
    for l in lines:
        quantity[l.offer_id] += l.quantity
    assert per_offer == {offer: line_amount(quantity[offer], price[offer]) for offer in quantity}
    producers = defaultdict(lambda: ZERO)
    for offer, amount in per_offer.items():
        producers[offer % 2] += amount
    assert {t.key: t.vat.amount_incl_vat for t in result.producers} == producers
    assert sum((t.vat.amount_incl_vat for t in result.households), ZERO) == sum(producers.values(), ZERO)


def shared(quantities, price, offer=MILK):
    """One offer at ``price`` shared by households 1, 2… with ``quantities``; their amounts, in household order."""
    offer = {**offer, "unit_price": D(price)}
    result = close_loose([line(h, 1, offer, q) for h, q in enumerate(quantities, start=1)])
    return [a.amount_incl_vat for a in sorted(result.allocations, key=lambda a: a.household_id)]


def test_thirty_litres_at_1_35_come_to_40_50_however_they_are_shared():
    # rounded one by one, 7,75 l × 1,35 € = 10,4625 € and 6,75 l = 9,1125 € came to 40,49 € in all
    amounts = shared(["7.75", "7.75", "7.75", "6.75"], "1.35")
    assert sum(amounts) == D("40.50") == line_amount(D(30), D("1.35"))
    # 3 × 1046,25 c + 911,25 c: each rounded down drops a quarter of a cent; the cent left goes to household 1
    assert amounts == [D("10.47"), D("10.46"), D("10.46"), D("9.11")]


def test_ten_kilos_at_2_20_come_to_22_00_however_they_are_shared():
    # rounded one by one, 2,02 kg × 2,20 € = 4,444 € and 1,97 kg = 4,334 € came to 21,98 € in all
    amounts = shared(["2.02", "2.02", "2.02", "1.97", "1.97"], "2.20")
    assert sum(amounts) == D("22.00")
    assert amounts == [D("4.45"), D("4.45"), D("4.44"), D("4.33"), D("4.33")]


def test_equal_fractions_give_the_cents_left_to_the_lowest_household_ids():
    # 3 × 0,5 l × 1,35 € = 2,025 €, rounded half-up: 2,03 €; each household's 0,675 € is rounded down to 0,67 €
    # and the two cents left go to households 1 and 2; the same whatever the order of the lines
    assert shared(["0.5", "0.5", "0.5"], "1.35") == [D("0.68"), D("0.68"), D("0.67")]
    offer = {**MILK, "unit_price": D("1.35")}
    result = close_loose([line(h, 1, offer, "0.5") for h in (3, 1, 2)])
    assert {a.household_id: a.amount_incl_vat for a in result.allocations} == {1: D("0.68"), 2: D("0.68"), 3: D("0.67")}


def test_the_cents_left_go_to_the_largest_fractions_first():
    # 0,01 kg × 2,20 € = 2,2 c and 0,02 kg = 4,4 c: 0,03 kg come to 6,6 c, i.e. 7 c; the cent left goes to the 0,4 c
    assert shared(["0.01", "0.02"], "2.20") == [D("0.02"), D("0.05")]
    assert shared(["0.02", "0.01"], "2.20") == [D("0.05"), D("0.02")]


def test_a_line_priced_to_the_cent_keeps_its_amount():
    assert shared(["2", "3"], "1.35") == [D("2.70"), D("4.05")]
    assert shared(["0.001"], "0.01") == [D("0.00")]
    assert shared(["0.5"], "0.01") == [D("0.01")]  # 0,005 € rounded half-up: one household takes the cent
