"""The depot's till as plain Python: takings by where the money went, what a household owes, the cash difference,
reading a cash count."""

from decimal import Decimal as D

from cabas.finance import till


def test_takings_split_by_where_the_money_went():
    result = till.takings([
        till.Taking("cash", D("10.40")), till.Taking("cash", D("5.00")), till.Taking("cheque", D("20.00")),
        till.Taking("card", D("7.50")), till.Taking("cheque", D("6.00"), to_producer=True),
        till.Taking("cash", D("2.60"), to_producer=True),
    ])
    assert (result.cash, result.cheques, result.cards, result.to_producers) == (D("15.40"), D("20.00"), D("7.50"), D("8.60"))
    assert result.total == D("51.50")
    assert till.takings([]).total == 0


def test_what_a_household_owes_and_the_cash_difference():
    assert till.owed_for_cycle(D("20.80"), D("-10.40")) == D("10.40")  # a solidarity discount
    assert till.owed_for_cycle(D("20.80"), D("0.42")) == D("21.22")  # a contribution
    assert till.cash_difference(D("10.00"), D("10.40")) == D("-0.40")
    assert till.cash_difference(D("12.00"), D("10.40")) == D("1.60")


def test_reading_a_cash_count():
    assert till.read_counted("182,50") == D("182.50")
    assert till.read_counted("1 250,5") == D("1250.50")
    assert till.read_counted("0") == D("0.00")
    for bad in ("-1", "abc", "", "1,234", "100000", "1e3", None, "nan"):
        assert till.read_counted(bad) is None, bad
