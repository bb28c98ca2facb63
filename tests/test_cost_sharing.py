"""Sharing a transport plan's cost (pure): by a key, by the Shapley value (exact and sampled), the core check
and the savings against going alone."""

from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.core.money import to_cents
from cabas.logistics import cost_sharing as cs
from cabas.logistics.cost_sharing import CoalitionCosts, CostSharingError, in_core, proportional, savings, shapley

CENT = D("0.01")


def airport(costs):
    """The airport game: a coalition pays for the longest runway any of its members needs."""
    return lambda coalition: max(costs[p] for p in coalition)


def airport_shapley(costs):
    """Littlechild & Owen's closed form: the runway's segments, each shared equally by those who use it."""
    ordered = sorted(costs, key=costs.get)
    value, previous, result = Fraction(0), Fraction(0), {}
    for k, p in enumerate(ordered):
        value += (Fraction(costs[p]) - previous) / (len(ordered) - k)
        previous = Fraction(costs[p])
        result[p] = value
    return result


def empty_core_game(coalition):
    """Three participants: 10 alone, 10 for any pair, 18 together. Any pair paying two thirds of 18 = 12 > 10."""
    return {1: D(10), 2: D(10), 3: D(18)}[len(coalition)]


cents = st.integers(min_value=0, max_value=10**8).map(lambda c: D(c).scaleb(-2))
amounts = st.decimals(min_value=0, max_value=10000, places=3)


# --- by a key -------------------------------------------------------------------------------------


def test_proportional_by_weight_rounds_to_the_cent_by_largest_remainder():
    sharing = proportional(D("100.00"), {"rennes": D(1), "vitre": D(1), "fougeres": D(1)})
    assert sharing.shares == {"rennes": D("33.34"), "vitre": D("33.33"), "fougeres": D("33.33")}
    assert sharing.method == cs.PROPORTIONAL and sharing.reason is None and sharing.uncertainty is None
    sharing = proportional(D("10.00"), {"a": D("120.5"), "b": D("300"), "c": D("79.5"), "d": 0})
    # exact: 2.41, 6.00, 1.59, 0
    assert sharing.shares == {"a": D("2.41"), "b": D("6.00"), "c": D("1.59"), "d": D("0.00")}
    sharing = proportional(D("1.00"), {"a": D(2), "b": D(1), "c": D(1), "d": D(2)})
    # exact: 0.3333, 0.1666, 0.1666, 0.3333: the two cents left go to the largest remainders (b, c)
    assert sharing.shares == {"a": D("0.33"), "b": D("0.17"), "c": D("0.17"), "d": D("0.33")}


def test_proportional_by_ton_km_and_by_stand_alone_cost():
    key = cs.ton_km({"ferme-a": D("500"), "ferme-b": D("250")}, {"ferme-a": D("30"), "ferme-b": D("120")})
    assert key == {"ferme-a": D("15"), "ferme-b": D("30")}  # tonne-kilometres
    assert proportional(D("90.00"), key).shares == {"ferme-a": D("30.00"), "ferme-b": D("60.00")}
    alone = cs.stand_alone_costs(airport({"a": D("10"), "b": D("30")}), ["a", "b"])
    assert alone == {"a": D(10), "b": D(30)}
    assert proportional(D("32.00"), alone).shares == {"a": D("8.00"), "b": D("24.00")}


def test_a_zero_total_weight_is_split_equally_and_says_why():
    sharing = proportional(D("10.00"), {"a": D(0), "b": D(0), "c": D(0)})
    assert sharing.shares == {"a": D("3.34"), "b": D("3.33"), "c": D("3.33")}
    assert sharing.method == cs.EQUAL and sharing.reason == cs.ZERO_TOTAL_WEIGHT


@given(cents, st.lists(amounts, min_size=1, max_size=15))
def test_proportional_shares_add_up_exactly_and_follow_the_key(total, weights):
    key = {f"p{i}": w for i, w in enumerate(weights)}
    shares = proportional(total, key).shares
    assert sum(shares.values()) == total
    assert list(shares) == list(key)
    if sum(weights):
        for p, share in shares.items():
            assert abs(Fraction(share) - Fraction(total) * Fraction(key[p]) / Fraction(sum(weights))) < Fraction(1, 100)
            if key[p] == 0:
                assert share == 0
        for p in key:
            for q in key:
                if key[p] > key[q]:
                    assert shares[p] >= shares[q]


@pytest.mark.parametrize(
    "total, weights, code",
    [(D("10.00"), {}, cs.NO_PARTICIPANTS), (D("-1.00"), {"a": D(1)}, cs.NEGATIVE), (D("10.005"), {"a": D(1)}, cs.NOT_CENTS),
     (D("10.00"), {"a": D(1), "b": D(-1)}, cs.NEGATIVE)],
)
def test_proportional_refuses_bad_input(total, weights, code):
    with pytest.raises(CostSharingError) as error:
        proportional(total, weights)
    assert error.value.code == code


def test_floats_are_refused_where_money_is_expected():
    with pytest.raises(TypeError):
        proportional(10.0, {"a": D(1)})
    with pytest.raises(TypeError):
        proportional(D("10.00"), {"a": 1.5})
    with pytest.raises(TypeError):
        shapley(lambda coalition: 10.0, ["a", "b"])


def test_ton_km_needs_a_distance_for_every_weight():
    with pytest.raises(CostSharingError) as error:
        cs.ton_km({"a": D(1), "b": D(2)}, {"a": D(3)})
    assert error.value.code == cs.MISMATCH


# --- Shapley value --------------------------------------------------------------------------------


def test_shapley_of_the_airport_game_is_the_closed_form():
    costs = {"a": D(12), "b": D(24), "c": D(36)}
    sharing = shapley(airport(costs), ["a", "b", "c"])
    # segment 0–12 shared by 3, 12–24 by 2, 24–36 by 1
    assert sharing.shares == {"a": D("4.00"), "b": D("10.00"), "c": D("22.00")}
    assert sharing.total == D("36.00") and sharing.method == cs.SHAPLEY_EXACT and sharing.uncertainty is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=5000, places=2), min_size=1, max_size=8))
def test_shapley_matches_the_airport_closed_form_and_lies_in_its_core(runways):
    costs = {f"g{i}": c for i, c in enumerate(runways)}
    sharing = shapley(airport(costs), list(costs))
    expected = airport_shapley(costs)
    assert all(abs(Fraction(sharing.shares[p]) - expected[p]) < Fraction(1, 100) for p in costs)
    assert sum(sharing.shares.values()) == max(runways)
    assert in_core(sharing.shares, airport(costs), list(costs)).in_core is True


def random_game(data):
    """An arbitrary cost game: each coalition's cost drawn once, when first asked for."""
    drawn = {}

    def cost(coalition):
        if coalition not in drawn:
            drawn[coalition] = data.draw(st.decimals(min_value=0, max_value=1000, places=3), label=str(sorted(coalition)))
        return drawn[coalition]

    return cost


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(min_value=1, max_value=6))
def test_shapley_is_efficient(data, n):
    participants = list(range(n))
    cost = random_game(data)
    sharing = shapley(cost, participants)
    assert sum(sharing.shares.values()) == sharing.total == to_cents(cost(frozenset(participants)))


@settings(max_examples=60, deadline=None)
@given(st.data(), st.lists(st.integers(min_value=0, max_value=2), min_size=2, max_size=7))
def test_identical_participants_get_the_same_share_up_to_a_cent(data, kinds):
    """Participants of the same kind are interchangeable: a coalition's cost depends only on its kinds."""
    participants = list(range(len(kinds)))
    by_kinds = random_game(data)

    def cost(coalition):
        return by_kinds(tuple(sorted(kinds[p] for p in coalition)))

    shares = shapley(cost, participants).shares
    for p in participants:
        for q in participants:
            if kinds[p] == kinds[q]:
                assert abs(shares[p] - shares[q]) <= CENT


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(min_value=1, max_value=5), st.booleans())
def test_a_participant_adding_no_cost_pays_nothing(data, n, sampled):
    base = random_game(data)

    def cost(coalition):
        others = coalition - {"free rider"}
        return base(others) if others else D(0)

    participants = ["free rider", *range(n)]  # first in the order: it would win the ties for leftover cents
    sharing = shapley(cost, participants, max_exact=0 if sampled else 10, samples=20)
    assert sharing.shares["free rider"] == 0
    assert sum(sharing.shares.values()) == sharing.total
    if sampled:
        assert sharing.uncertainty.standard_error["free rider"] == 0


def test_a_free_rider_pays_nothing_even_when_the_total_rounds_up():
    def cost(coalition):  # 5.009 € for x or y alone, the sum for both; nothing more with the free rider
        return D("5.009") * len(coalition - {"free rider"})

    sharing = shapley(cost, ["free rider", "x", "y"])
    assert sharing.total == D("10.02")  # 10.018 rounded: both cents left over go to x and y
    assert sharing.shares == {"free rider": D("0.00"), "x": D("5.01"), "y": D("5.01")}


def test_exact_shapley_costs_each_coalition_once_and_shares_the_memo():
    calls = []

    def cost(coalition):
        calls.append(coalition)
        return D(len(coalition)) ** 2

    costs = CoalitionCosts(cost)
    participants = list("abcdefgh")
    sharing = shapley(costs, participants)
    assert len(calls) == len(set(calls)) == costs.calls == 2**8 - 1
    in_core(sharing.shares, costs, participants)
    savings(sharing.shares, costs)
    assert len(calls) == 2**8 - 1


def line_game(positions):
    """Rounds from a depot at 0 to sites along a road (km): there and back to the farthest on each side,
    at 0.85 € per km, plus 4.10 € per stop."""
    def cost(coalition):
        east = max((positions[p] for p in coalition if positions[p] > 0), default=0)
        west = -min((positions[p] for p in coalition if positions[p] < 0), default=0)
        return D("0.85") * 2 * (east + west) + D("4.10") * len(coalition)
    return cost


POSITIONS = {
    "rennes": 3, "vitre": 35, "chateaugiron": 17, "fougeres": 48, "montfort": -22, "redon": -65, "bain": -30, "janze": 25,
}


def test_sampled_shapley_is_close_to_the_exact_one_within_its_stated_error():
    game, participants = line_game(POSITIONS), list(POSITIONS)
    exact = shapley(game, participants)
    sampled = shapley(game, participants, max_exact=0, samples=2000, seed=7)
    assert sampled.method == cs.SHAPLEY_SAMPLED and exact.method == cs.SHAPLEY_EXACT
    assert sum(sampled.shares.values()) == sampled.total == exact.total
    error = sampled.uncertainty
    assert error.samples == 2000 and error.seed == 7
    for p in participants:
        assert error.half_width_95[p] >= D("1.96") * error.standard_error[p] - CENT
        assert abs(sampled.shares[p] - exact.shares[p]) <= 3 * error.standard_error[p] + CENT
    assert sampled == shapley(game, participants, max_exact=0, samples=2000, seed=7)  # deterministic for a seed


def test_the_95_percent_half_width_covers_the_exact_value_about_95_percent_of_the_time():
    game, participants = line_game(POSITIONS), list(POSITIONS)
    exact = shapley(game, participants).shares
    costs = CoalitionCosts(game)
    covered = trials = 0
    for seed in range(30):
        sampled = shapley(costs, participants, max_exact=0, samples=200, seed=seed)
        for p in participants:
            trials += 1
            covered += abs(sampled.shares[p] - exact[p]) <= sampled.uncertainty.half_width_95[p] + CENT
    assert covered / trials >= 0.85


def test_more_samples_give_a_smaller_error():
    game, participants = line_game(POSITIONS), list(POSITIONS)
    few = shapley(game, participants, max_exact=0, samples=100).uncertainty.standard_error
    many = shapley(game, participants, max_exact=0, samples=1600).uncertainty.standard_error
    assert all(many[p] < few[p] for p in participants if few[p] > CENT)


def test_beyond_ten_participants_shapley_is_sampled_by_default():
    costs = {f"g{i}": D(10 * (i + 1)) for i in range(11)}
    sharing = shapley(airport(costs), list(costs), samples=300)
    assert sharing.method == cs.SHAPLEY_SAMPLED and sharing.uncertainty.samples == 300
    assert sum(sharing.shares.values()) == D("110.00")
    expected = airport_shapley(costs)
    for p in costs:
        error = Fraction(sharing.uncertainty.standard_error[p])
        assert abs(Fraction(sharing.shares[p]) - expected[p]) <= 4 * error + Fraction(1, 100)


@pytest.mark.parametrize(
    "participants, cost, options, code",
    [([], lambda c: D(1), {}, cs.NO_PARTICIPANTS), (["a", "a"], lambda c: D(1), {}, cs.DUPLICATE_PARTICIPANT),
     (["a", "b"], lambda c: D(-1) if len(c) == 1 else D(3), {}, cs.NEGATIVE),
     (["a", "b"], lambda c: D(1), {"max_exact": 0, "samples": 1}, cs.BAD_SETTING),
     (["a", "b"], lambda c: D(1), {"max_exact": -1}, cs.BAD_SETTING)],
)
def test_shapley_refuses_bad_input(participants, cost, options, code):
    with pytest.raises(CostSharingError) as error:
        shapley(cost, participants, **options)
    assert error.value.code == code


def test_a_negative_coalition_cost_names_the_coalition():
    with pytest.raises(CostSharingError) as error:
        shapley(lambda c: D(-2) if c == {"vitre", "rennes"} else D(5), ["vitre", "rennes", "redon"])
    assert str(error.value) == "The cost of rennes, vitre cannot be negative (-2)."


# --- core and savings -----------------------------------------------------------------------------


def test_a_sharing_in_the_core_is_said_so_after_an_exhaustive_check():
    game = airport({"a": D(12), "b": D(24), "c": D(36)})
    check = in_core({"a": D("4.00"), "b": D("10.00"), "c": D("22.00")}, game, ["a", "b", "c"])
    assert check.in_core is True and check.exhaustive and check.coalitions_checked == 7
    assert check.worst_coalition is None and check.excess == 0


def test_a_game_with_an_empty_core_has_a_blocking_coalition():
    participants = ["a", "b", "c"]
    sharing = shapley(empty_core_game, participants)
    assert sharing.shares == {"a": D("6.00"), "b": D("6.00"), "c": D("6.00")}
    check = in_core(sharing.shares, empty_core_game, participants)
    assert check.in_core is False
    assert check.worst_coalition == frozenset({"a", "b"}) and check.excess == D("2.00")  # 12 paid, 10 alone


def test_an_unfair_split_of_a_game_with_a_core_is_blocked_by_the_one_overcharged():
    game = airport({"petit": D(10), "grand": D(100)})
    check = in_core(proportional(D("110.00"), {"petit": 1, "grand": 1}).shares, game, ["petit", "grand"])
    assert check.worst_coalition == frozenset({"petit"}) and check.excess == D("45.00")


def test_a_tolerance_forgives_the_rounding_cents():
    def game(coalition):  # a third of 10 € each, exactly on the edge of the core
        return {1: D("3.333"), 2: D("6.667"), 3: D("10.00")}[len(coalition)]

    shares = shapley(game, ["a", "b", "c"]).shares
    assert shares == {"a": D("3.34"), "b": D("3.33"), "c": D("3.33")}  # a gets the leftover cent
    check = in_core(shares, game, ["a", "b", "c"])
    assert check.in_core is False and check.worst_coalition == {"a"} and check.excess == D("0.007")
    assert in_core(shares, game, ["a", "b", "c"], tolerance=CENT).in_core is True


def test_beyond_twelve_participants_the_core_check_is_partial_and_says_so():
    costs = {f"g{i}": D((i + 1) ** 2) for i in range(14)}  # runways of 1, 4, 9 … 196
    participants, game = list(costs), airport(costs)
    fair = shapley(game, participants, samples=200).shares
    check = in_core(fair, game, participants, samples=500)
    assert check.exhaustive is False and check.in_core is None  # nothing found, nothing proven
    assert 2 * 14 + 1 < check.coalitions_checked <= 2 * 14 + 1 + 500
    equal = proportional(D("196.00"), dict.fromkeys(participants, 1)).shares  # 14 € each
    check = in_core(equal, game, participants, samples=0)
    assert check.in_core is False and check.coalitions_checked == 2 * 14 + 1
    # g0 pays 14 € for a runway of 1 €; the worst coalition, g0 … g6 (98 € for 49 €), was not among those checked
    assert check.worst_coalition == frozenset({"g0"}) and check.excess == D("13.00")
    assert in_core(equal, game, participants, max_exhaustive=14).worst_coalition == frozenset(f"g{i}" for i in range(7))


def test_the_core_check_needs_a_share_for_each_participant():
    with pytest.raises(CostSharingError) as error:
        in_core({"a": D(1)}, empty_core_game, ["a", "b"])
    assert error.value.code == cs.MISMATCH


def test_savings_against_going_alone():
    game = airport({"a": D(12), "b": D(24), "c": D("36.004")})
    sharing = shapley(game, ["a", "b", "c"])
    assert sharing.total == D("36.00")
    assert sharing.shares == {"a": D("4.00"), "b": D("10.00"), "c": D("22.00")}
    assert savings(sharing.shares, game) == {"a": D("8.00"), "b": D("14.00"), "c": D("14.00")}  # 36.004 → 36.00 alone
    assert savings({"a": D("6.00"), "b": D("6.00"), "c": D("6.00")}, empty_core_game) == dict.fromkeys("abc", D("4.00"))
    assert savings({"a": D("12.00"), "b": D("0"), "c": D("0")}, empty_core_game)["a"] == D("-2.00")
