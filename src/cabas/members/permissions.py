"""Who may see and do what: object-level checks that deny unless a role grants.

`access_for(user)` loads a user's roles once (one query) and answers every question of a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import CharField, Value

from .models import PRODUCER_REFERENT, RoleKind


@dataclass
class Access:
    user_id: int | None
    household_id: int | None
    is_superuser: bool = False
    coordinated_club_ids: frozenset[int] = field(default_factory=frozenset)
    coordinated_group_ids: frozenset[int] = field(default_factory=frozenset)
    # club ids through a group coordinator role, to list the club's cycles
    group_role_club_ids: frozenset[int] = field(default_factory=frozenset)
    treasurer_club_ids: frozenset[int] = field(default_factory=frozenset)
    solidarity_club_ids: frozenset[int] = field(default_factory=frozenset)
    # producers whose referent member this user is (catalog.Producer.referent)
    referent_producer_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_coordinator(self) -> bool:
        return self.is_superuser or bool(self.coordinated_club_ids or self.coordinated_group_ids)

    @property
    def is_treasurer(self) -> bool:
        return self.is_superuser or bool(self.treasurer_club_ids or self.coordinated_club_ids)

    def coordinates_club(self, club_id: int) -> bool:
        return self.is_superuser or club_id in self.coordinated_club_ids

    def coordinates_group(self, group_id: int, club_id: int) -> bool:
        """A group's coordinator, or a coordinator of the club the group belongs to."""
        return self.coordinates_club(club_id) or group_id in self.coordinated_group_ids

    def handles_money(self, club_id: int) -> bool:
        """The club's treasurers and coordinators record payments, issue invoices, import statements."""
        return self.coordinates_club(club_id) or club_id in self.treasurer_club_ids

    def assigns_tariffs(self, club_id: int) -> bool:
        """Solidarity tariffs are confidential: only the club's designated solidarity referents assign and
        see them (not every coordinator)."""
        return self.is_superuser or club_id in self.solidarity_club_ids

    def sees_fund_lines(self, club_id: int) -> bool:
        """What the funds give or take per household (an invoice's solidarity discount, the ledger's household
        entries of the funds, so the journal and the FEC) tells who is on a solidarity tariff: the club's
        treasurers, who reconcile payments, and its solidarity referents see it; a coordinator who is neither
        does not."""
        return self.is_superuser or club_id in self.treasurer_club_ids or club_id in self.solidarity_club_ids

    def refers_producer(self, producer_id: int) -> bool:
        """The producer's referent member follows its orders with the club (its order sheets)."""
        return producer_id in self.referent_producer_ids

    def sees_club(self, club_id: int) -> bool:
        return self.coordinates_club(club_id) or club_id in self.group_role_club_ids

    def owns_household(self, household_id: int) -> bool:
        return self.household_id is not None and household_id == self.household_id


ANONYMOUS = Access(user_id=None, household_id=None)


def access_for(user) -> Access:
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_cabas_access", None)
    if cached is not None:
        return cached
    clubs: set[int] = set()
    groups: set[int] = set()
    group_clubs: set[int] = set()
    treasurer_clubs: set[int] = set()
    solidarity_clubs: set[int] = set()
    referent_producers: set[int] = set()
    # The producers this person is the referent of come through the reverse relation of catalog's
    # Producer.referent (``referent_for``): members imports nothing of the layers above it.
    rows = user.roles.order_by().values_list("kind", "club_id", "group_id").union(
        user.referent_for.order_by().values_list(
            Value(PRODUCER_REFERENT, output_field=CharField()), "club_id", "pk"),
        all=True,
    )
    for kind, club_id, group_id in rows:  # one query: the roles and the producers referred
        if kind == RoleKind.CLUB_COORDINATOR:
            clubs.add(club_id)
        elif kind == RoleKind.GROUP_COORDINATOR and group_id is not None:
            groups.add(group_id)
            group_clubs.add(club_id)
        elif kind == RoleKind.TREASURER:
            treasurer_clubs.add(club_id)
        elif kind == RoleKind.SOLIDARITY:
            solidarity_clubs.add(club_id)
        elif kind == PRODUCER_REFERENT:
            referent_producers.add(group_id)  # the producer's id, in the third column
    access = Access(
        user_id=user.pk,
        household_id=user.household_id,
        is_superuser=user.is_superuser,
        coordinated_club_ids=frozenset(clubs),
        coordinated_group_ids=frozenset(groups),
        group_role_club_ids=frozenset(group_clubs),
        treasurer_club_ids=frozenset(treasurer_clubs),
        solidarity_club_ids=frozenset(solidarity_clubs),
        referent_producer_ids=frozenset(referent_producers),
    )
    user._cabas_access = access
    return access
