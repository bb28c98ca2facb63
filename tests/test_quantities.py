"""Reading a quantity typed by a member: French or English decimals, refused with a precise error code."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from cabas.ordering.quantities import QuantityError, parse_quantity

D = Decimal
MAX = D(10000)


def parse(raw, *, countable=False, maximum=MAX):
    return parse_quantity(raw, countable=countable, maximum=maximum)


def error_code(raw, **kwargs) -> str:
    with pytest.raises(QuantityError) as info:
        parse(raw, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.raw == str(raw)
    return info.value.code


def test_the_setting_is_the_maximum_the_services_use():
    assert settings.CABAS_MAX_LINE_QUANTITY == 10_000


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2", "2"),
        ("2,5", "2.5"),  # French decimal comma
        ("2.5", "2.5"),
        (" 3 ", "3"),
        ("\t4\n", "4"),
        ("0,125", "0.125"),  # a gram / a millilitre is the finest allowed
        ("1 000", "1000"),  # thousands separated by a space…
        ("1\u00a0000,5", "1000.5"),  # …or by a no-break space, as French formatting writes them
        ("0", "0"),
        ("10000", "10000"),  # the maximum itself is allowed
        ("10000,000", "10000"),
        (D("1.5"), "1.5"),
        (7, "7"),
    ],
)
def test_accepted_quantities(raw, expected):
    value = parse(raw)
    assert value == D(expected)
    assert value.as_tuple().exponent == -3  # always returned with three decimals


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_an_empty_field_means_zero(raw):
    assert parse(raw) == 0
    assert parse(raw, countable=True) == 0


@pytest.mark.parametrize("raw", ["abc", "2,5 kg", "1,2,3", "1.000,5", "NaN", "Infinity", "-inf", "½", "0x10", "1" * 40])
def test_not_a_number(raw):
    assert error_code(raw) == "not_a_number"


@pytest.mark.parametrize("raw", [1.5, True, object()])
def test_other_python_types_are_not_numbers(raw):
    assert error_code(raw) == "not_a_number"


@pytest.mark.parametrize("raw", ["-1", "-0,5", " -3 ", D("-2"), -4])
def test_negative(raw):
    assert error_code(raw) == "negative"


@pytest.mark.parametrize("raw", ["10001", "10000,001", "1e9", D("99999")])
def test_too_large_above_the_default_setting(raw):
    with pytest.raises(QuantityError) as info:
        parse(raw, maximum=D(settings.CABAS_MAX_LINE_QUANTITY))
    assert info.value.code == "too_large"
    assert info.value.limit == D(10000)


def test_the_maximum_is_the_argument():
    assert parse("50", maximum=D(50)) == 50
    with pytest.raises(QuantityError) as info:
        parse("51", maximum=D(50))
    assert (info.value.code, info.value.limit) == ("too_large", D(50))
    assert parse("20000", maximum=D(100000)) == 20000


@pytest.mark.parametrize("raw", ["1,2345", "0,0001", "2.5001", D("0.0005")])
def test_too_precise(raw):
    assert error_code(raw) == "too_precise"


def test_trailing_zeros_are_not_extra_precision():
    assert parse("1,50000") == D("1.5")


@pytest.mark.parametrize("raw", ["1,5", "0.5", "2.001", D("3.25")])
def test_fractions_refused_for_countable_units(raw):
    assert error_code(raw, countable=True) == "not_whole"


@pytest.mark.parametrize("raw", ["1,5", "0.5", "2.001"])
def test_fractions_accepted_for_measured_units(raw):
    assert parse(raw, countable=False) == D(raw.replace(",", "."))


@pytest.mark.parametrize("raw", ["2", "2,0", "2.000", "10000"])
def test_whole_numbers_accepted_for_countable_units(raw):
    assert parse(raw, countable=True) == D(int(float(raw.replace(",", "."))))


def test_errors_are_checked_in_order_sign_before_size_before_precision():
    assert error_code("-10001") == "negative"
    assert error_code("10000,0001") == "too_large"
    assert error_code("1,5555", countable=True) == "too_precise"


# --- properties -----------------------------------------------------------------------------------

valid = st.decimals(min_value=D(0), max_value=MAX, places=3, allow_nan=False, allow_infinity=False)


@given(valid)
def test_french_and_english_spellings_read_the_same(value):
    english = format(value, "f")
    french = english.replace(".", ",")
    assert parse(english) == parse(french) == parse(f"  {french} ") == value


@given(valid, st.booleans())
def test_a_valid_quantity_either_parses_to_itself_or_is_refused_as_not_whole(value, countable):
    text = format(value, "f").replace(".", ",")
    if countable and value != value.to_integral_value():
        with pytest.raises(QuantityError) as info:
            parse(text, countable=True)
        assert info.value.code == "not_whole"
    else:
        result = parse(text, countable=countable)
        assert result == value
        assert 0 <= result <= MAX


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_quantity_error(text):
    try:
        result = parse(text)
    except QuantityError as error:
        assert error.code in {"not_a_number", "negative", "too_large", "too_precise", "not_whole"}
    else:
        assert 0 <= result <= MAX
        assert result == result.quantize(D("0.001"))
