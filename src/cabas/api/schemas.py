"""What the API reads and returns. Inputs are allow-lists: an unknown field is refused (422).

Amounts and quantities are decimals, sent as strings ("1.30") so that no precision is lost.
No schema here has a field for a solidarity tariff or a discount: they are confidential.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Annotated, Union

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, StrictStr

# A database id as people may send it: like cabas.core.ids, at most 18 digits.
MAX_ID = 10**18
Id = Annotated[StrictInt, Field(ge=1, lt=MAX_ID, description="A database id.")]

_DIGITS = re.compile(r"\A[0-9]{1,18}\Z")


def digits_only(value):
    """An id in a path is digits and nothing else: "1\n", " 1" or "+1" are not ids (pydantic alone reads them)."""
    if isinstance(value, str) and not _DIGITS.match(value):
        raise ValueError("not an id")
    return value


# A quantity as a member types it: "2", "2.5", "2,5" or a JSON number. It is read by the ordering
# service (the same rules and French messages as the web order page), not by the schema.
Quantity = Union[StrictStr, StrictInt, StrictFloat]


class Ref(Schema):
    id: int
    name: str


class Error(Schema):
    detail: str = Field(description="What went wrong, for the user (translated).")
    errors: dict[str, str] = Field(
        default_factory=dict, description="A message per field: offers.<offer id>.quantity, offers.<offer id>.tolerance…"
    )


# --- /me --------------------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str


class RoleOut(Schema):
    kind: str = Field(description="club_coordinator, group_coordinator, treasurer or solidarity")
    label: str
    club: Ref
    group: Ref | None


class MeOut(Schema):
    user: UserOut
    household: Ref | None
    group: Ref | None
    club: Ref | None
    roles: list[RoleOut]


# --- cycles and offers ------------------------------------------------------------------------------


class CycleOut(Schema):
    id: int
    name: str
    club: Ref
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    closed_at: datetime.datetime | None
    status: str = Field(description="scheduled, open, awaiting_closing or closed (derived from the dates)")
    status_label: str
    accepts_orders: bool


class ProgressOut(Schema):
    """Pooled over every household of the club while the cycle is open."""

    packs: int
    missing_for_next_pack: Decimal
    quantity: Decimal
    min_total: Decimal | None
    reaches_threshold: bool
    supply_left: Decimal | None


class OfferOut(Schema):
    id: int
    name: str
    description: str
    producer: Ref
    category: Ref
    unit: str
    unit_label: str
    unit_price: Decimal = Field(description="incl. VAT")
    vat_rate: Decimal = Field(description="percent")
    pack_size: Decimal | None
    order_step: Decimal
    min_total: Decimal | None = Field(description="viability threshold, pooled over the club")
    is_trial: bool
    progress: ProgressOut | None = Field(description="only for offers sold by the pack, with a threshold or a supply cap")


# --- a household's order ----------------------------------------------------------------------------


class OrderLineOut(Schema):
    offer: int
    name: str
    unit: str
    quantity: Decimal
    tolerance: Decimal
    committed: Decimal = Field(description="put in by a subscription: the order cannot go below it")
    allocated: Decimal | None = Field(description="what the closing allocated (closed cycles only)")


class OrderOut(Schema):
    cycle: int
    household: Ref
    status: str
    accepts_orders: bool
    updated_at: datetime.datetime | None
    lines: list[OrderLineOut]


# The inputs are plain pydantic models: ninja's Schema adds a validator that reads ORM objects, which a JSON body
# never is (it cost each line of a save at the deadline rush).
class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer: Id
    quantity: Quantity = Field(description='"2", "2.5", "2,5" or a number; 0 removes the line')
    tolerance: Quantity | None = Field(
        None, description="how many more the household accepts to complete a pack (0 when left out)"
    )


class OrderIn(BaseModel):
    """The whole order: an offer of the cycle not listed is not ordered (its line is removed)."""

    model_config = ConfigDict(extra="forbid")

    lines: list[OrderLineIn] = Field(max_length=2000)


# --- coordination -----------------------------------------------------------------------------------


class PickingLineOut(Schema):
    offer: int
    name: str
    producer: str
    unit: str
    quantity: Decimal


class HouseholdPickingOut(Schema):
    id: int
    name: str
    lines: list[PickingLineOut]


class PickingListOut(Schema):
    cycle: Ref
    group: Ref
    distribution_date: datetime.date
    households: list[HouseholdPickingOut]
    products: list[PickingLineOut] = Field(description="what the depot receives in all, per product")


class MemberOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str


class HouseholdOut(Schema):
    id: int
    name: str
    members: list[MemberOut]
