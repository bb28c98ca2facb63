"""A group's rhythm of distributions (members.rhythm, pure)."""

import datetime

import pytest
from hypothesis import given, settings, strategies as st

from cabas.members.rhythm import distribution_days

D = datetime.date


def test_a_fortnightly_group_distributes_every_other_thursday_from_its_first_day():
    days = distribution_days(weekday=3, every_weeks=2, counted_from=D(2027, 1, 7), start=D(2027, 1, 1), end=D(2027, 2, 28))
    assert days == [D(2027, 1, 7), D(2027, 1, 21), D(2027, 2, 4), D(2027, 2, 18)]
    # counted backwards too: the rhythm runs before its first day
    assert distribution_days(weekday=3, every_weeks=2, counted_from=D(2027, 1, 21), start=D(2027, 1, 1),
                             end=D(2027, 1, 31)) == [D(2027, 1, 7), D(2027, 1, 21)]


def test_without_a_first_day_every_week_s_distribution_day_counts():
    assert distribution_days(weekday=0, every_weeks=4, counted_from=None, start=D(2027, 3, 3), end=D(2027, 3, 20)) == \
        [D(2027, 3, 8), D(2027, 3, 15)]
    with pytest.raises(ValueError):
        distribution_days(weekday=7, every_weeks=1, counted_from=None, start=D(2027, 1, 1), end=D(2027, 2, 1))
    with pytest.raises(ValueError):
        distribution_days(weekday=1, every_weeks=0, counted_from=None, start=D(2027, 1, 1), end=D(2027, 2, 1))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=26), st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)),
       st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)), st.integers(min_value=0, max_value=400))
def test_the_days_are_the_first_day_plus_whole_periods_and_none_is_missed(every, anchor, start, length):
    end = start + datetime.timedelta(days=length)
    days = distribution_days(weekday=anchor.weekday(), every_weeks=every, counted_from=anchor, start=start, end=end)
    step = 7 * every
    assert all(start <= d <= end and (d - anchor).days % step == 0 for d in days)
    assert all((b - a).days == step for a, b in zip(days, days[1:]))
    # none missed at either end
    if days:
        assert days[0] - datetime.timedelta(days=step) < start and days[-1] + datetime.timedelta(days=step) > end
    else:
        assert length < step
