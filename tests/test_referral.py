"""A full group sends applicants to the club's groups with room, nearest depot first; the waitlist is
first come, first served (pure rules)."""

import datetime
from decimal import Decimal as D

from cabas.members.referral import GroupPlace, queue_position, referrals

RENNES = GroupPlace("rennes", "GAC de Rennes", D("48.1113"), D("-1.6800"), capacity=25, members=25)
CESSON = GroupPlace("cesson", "GAC de Cesson", D("48.1210"), D("-1.6030"), capacity=25, members=20)
VITRE = GroupPlace("vitre", "GAC de Vitré", D("48.1236"), D("-1.2094"), capacity=30, members=12)
MONTFORT = GroupPlace("montfort", "GAC de Montfort", D("48.1378"), D("-1.9553"), capacity=20, members=20)
BRUZ = GroupPlace("bruz", "GAC de Bruz", None, None, capacity=None, members=40)


def test_a_full_group_refers_to_groups_with_room_nearest_first():
    found = referrals(RENNES, [RENNES, CESSON, VITRE, MONTFORT, BRUZ])
    assert [r.group for r in found] == ["cesson", "vitre", "bruz"]  # Montfort is full; Bruz has no coordinates
    assert found[0].km < 7 and 30 < found[1].km < 36 and found[2].km is None
    assert (found[0].room, found[2].room) == (5, None)


def test_a_group_with_room_refers_nowhere_and_an_origin_changes_the_order():
    assert referrals(CESSON, [RENNES, VITRE]) == []
    near_vitre = referrals(RENNES, [CESSON, VITRE], origin=(D("48.12"), D("-1.21")))
    assert [r.group for r in near_vitre] == ["vitre", "cesson"]


def test_the_waitlist_is_first_come_first_served():
    day = datetime.datetime(2026, 11, 1, 10)
    queue = [("c", day + datetime.timedelta(days=2)), ("a", day), ("b", day + datetime.timedelta(hours=1))]
    assert [queue_position(queue, h) for h in ("a", "b", "c", "z")] == [1, 2, 3, None]
