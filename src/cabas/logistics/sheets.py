"""What a driver needs at each stop of a round, for the driver's sheet (PDF) and the round's page (phones): the
stop's number, the place's name and full address, who to ask for and their phone, the time window (the plan's
arrival and departure, the site's opening hours), what to load or unload, and links to open the place in a map
application (``geo:`` URI) or on OpenStreetMap.

A plan copies each stop's name and coordinates (a frozen record); the address, contact and phone are read when
the sheet is made, from the stop's site, else its producer, else its group's depot (and the group's coordinators
as the contact): a phone that changed since the planning is the new one. Read in a constant number of queries."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal


from cabas.catalog.models import Producer
from cabas.members.models import Depot, Role, RoleKind

from .models import Round, RoundStop, SiteKind


@dataclass
class StopSheet:
    number: int
    stop: RoundStop
    name: str
    kind: str
    action: str
    address: str = ""
    contact: str = ""
    phone: str = ""
    access_notes: str = ""
    opens_at: datetime.time | None = None
    closes_at: datetime.time | None = None
    lines: list = field(default_factory=list)

    @property
    def arrival(self) -> datetime.time:
        return self.stop.arrival

    @property
    def departure(self) -> datetime.time:
        return self.stop.departure

    @property
    def tel_uri(self) -> str:
        return tel_uri(self.phone)

    @property
    def geo_uri(self) -> str:
        return geo_uri(self.stop.latitude, self.stop.longitude)

    @property
    def osm_url(self) -> str:
        return osm_url(self.stop.latitude, self.stop.longitude)

    @property
    def waits(self) -> bool:
        """The vehicle stays longer than a quick call (loading, waiting for the window, reloading at a hub)."""
        return self.stop.departure != self.stop.arrival


def _coordinate(value) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.000001')).normalize():f}"


def geo_uri(latitude, longitude) -> str:
    """RFC 5870: phones open it in their map or navigation application."""
    return f"geo:{_coordinate(latitude)},{_coordinate(longitude)}"


def osm_url(latitude, longitude, zoom: int = 16) -> str:
    lat, lon = _coordinate(latitude), _coordinate(longitude)
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={zoom}/{lat}/{lon}"


def tel_uri(phone: str) -> str:
    """``tel:`` with the digits (and a leading +) only: « 02 99 12 34 56 » → tel:0299123456; empty if no digit."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return ""
    return f"tel:{'+' if phone.startswith('+') else ''}{digits}"


def _single(lines, action: str, key: str):
    ids = {line.get(key) for line in lines if line.get("action") == action and line.get(key) is not None}
    return ids.pop() if len(ids) == 1 else None


def stop_sheets(round_: Round) -> list[StopSheet]:
    """Each stop of ``round_`` in order with what the driver needs there (one query, and one for the groups'
    coordinators when a depot has no contact of its own, whatever the stops)."""
    stops = list(
        RoundStop.objects.filter(round=round_).order_by("sequence")
        .select_related("site__producer", "site__group__depot", "producer", "group__depot")
    )
    return sheets_of(stops)


def sheets_of(stops: list[RoundStop]) -> list[StopSheet]:
    """The stops' sheets; ``stops`` read with their site (its producer, its group's depot), producer and group's
    depot. One query more: the coordinators of the groups called at without a contact of their own."""
    resolved = []
    groups_needing_contact = set()
    for stop in stops:
        site = stop.site
        producer = stop.producer or (site.producer if site is not None else None)
        group = stop.group or (site.group if site is not None else None)
        producer_id = producer.pk if producer is not None else (
            _single(stop.lines, "load", "producer") if stop.kind == SiteKind.PRODUCER else None)
        group_id = group.pk if group is not None else (
            _single(stop.lines, "unload", "group") if stop.kind == SiteKind.DEPOT else None)
        resolved.append((stop, site, producer, group, producer_id, group_id))
        if stop.kind == SiteKind.DEPOT and group_id is not None and not (site and site.contact_name):
            groups_needing_contact.add(group_id)
    fallback_producers = {pid for _s, _site, producer, _g, pid, _gid in resolved if producer is None and pid is not None}
    fallback_groups = {gid for _s, _site, _p, group, _pid, gid in resolved if group is None and gid is not None}
    producers, depots = _fallbacks(fallback_producers, fallback_groups)
    coordinators = _coordinators(groups_needing_contact)

    sheets = []
    for stop, site, producer, group, producer_id, group_id in resolved:
        producer = producer or producers.get(producer_id)
        depot = getattr(group, "depot", None) if group is not None else depots.get(group_id)
        address = (site.address if site else "") or (producer.address if producer else "") or (depot.address if depot else "")
        contact = (site.contact_name if site else "") or (producer.contact_name if producer else "") \
            or (", ".join(coordinators.get(group_id, [])) if stop.kind == SiteKind.DEPOT else "")
        phone = (site.phone if site else "") or (producer.phone if producer else "")
        sheets.append(StopSheet(
            number=stop.sequence, stop=stop, name=stop.name, kind=stop.kind, action=stop.action, address=address,
            contact=contact, phone=phone, access_notes=site.access_notes if site else "",
            opens_at=site.opens_at if site else None, closes_at=site.closes_at if site else None,
            lines=stop.lines or [],
        ))
    return sheets


def _fallbacks(producer_ids: set, group_ids: set) -> tuple[dict[int, Producer], dict[int, Depot]]:
    """Stops of plans made before stops named their producer or group, and without a site: found by their lines
    (a query each, only when there are such stops)."""
    producers = {p.pk: p for p in Producer.objects.filter(pk__in=producer_ids)} if producer_ids else {}
    depots = {d.group_id: d for d in Depot.objects.filter(group_id__in=group_ids)} if group_ids else {}
    return producers, depots


def _coordinators(group_ids: set) -> dict[int, list[str]]:
    if not group_ids:
        return {}
    names: dict[int, list[str]] = {}
    for role in Role.objects.filter(kind=RoleKind.GROUP_COORDINATOR, group_id__in=group_ids).select_related("user") \
            .order_by("user__last_name", "user__first_name", "user__email"):
        names.setdefault(role.group_id, []).append(role.user.get_full_name() or role.user.email)
    return names
