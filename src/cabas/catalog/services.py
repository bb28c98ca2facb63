"""State changes of the catalogue: spec sheet versions, cost sheets and the fair price. Each is one
function in one transaction, called by views and commands alike."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.core.numbers import parse_decimal

from . import importing, pricing, steps
from .models import COUNTABLE_UNITS, Category, CostSheet, PriceChange, Producer, Product, ProposalStatus, SpecSheet

SPEC_FIELDS = ("variety", "production_method", "inputs_allowed", "packaging", "returnable_container", "freshness", "size",
               "change_note")
COST_FIELDS = ("inputs", "labour_hours", "hourly_rate", "packaging", "transport", "overheads", "depreciation", "income",
               "expected_volume")


def current_spec_sheets(product_ids) -> dict[int, SpecSheet]:
    """The approved version in force for each product (one query)."""
    current: dict[int, SpecSheet] = {}
    for sheet in SpecSheet.objects.filter(product_id__in=product_ids, status=ProposalStatus.APPROVED).order_by("product_id", "version"):
        current[sheet.product_id] = sheet  # the highest approved version wins
    return current


@transaction.atomic
def propose_spec_sheet(*, product: Product, values: Mapping[str, object], by_user=None, now=None) -> SpecSheet:
    """A new version of the product's spec sheet, to be approved by the club. Only SPEC_FIELDS are read."""
    fields = {name: values[name] for name in SPEC_FIELDS if name in values}
    if not any(str(fields.get(name) or "").strip() for name in SPEC_FIELDS if name not in ("returnable_container", "change_note")):
        raise ActionError(_("Describe at least one characteristic of the product."))
    Product.objects.select_for_update().filter(pk=product.pk).first()  # versions are numbered one at a time
    last = SpecSheet.objects.filter(product=product).aggregate(last=Max("version"))["last"] or 0
    return SpecSheet.objects.create(product=product, version=last + 1, proposed_by=by_user,
                                    proposed_at=now or timezone.now(), **fields)


def _decide(sheet, approve: bool, by_user, now, already: str):
    """Decide a proposal (locked by the caller), once."""
    if sheet.status != ProposalStatus.PROPOSED:
        raise ActionError(already)
    sheet.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    sheet.decided_by, sheet.decided_at = by_user, now
    sheet.save(update_fields=["status", "decided_by", "decided_at"])
    return sheet


@transaction.atomic
def decide_spec_sheet(*, sheet_id: int, approve: bool, by_user=None, now=None) -> SpecSheet:
    sheet = SpecSheet.objects.select_for_update().get(pk=sheet_id)
    return _decide(sheet, approve, by_user, now or timezone.now(), _("This version has already been decided."))


def parse_costs(values: Mapping[str, object], vat_rate: Decimal) -> pricing.SeasonCosts:
    """A cost sheet's figures as typed (decimal comma accepted); every field is checked, errors per field."""
    parsed, errors = {}, {}
    for name in COST_FIELDS:
        value = Decimal(0) if str(values.get(name) or "").strip() == "" else parse_decimal(values.get(name), grouped=True)
        if value is None:
            errors[name] = _("Enter a number, e.g. 1250,50.")
            continue
        if value < 0:
            errors[name] = _("This amount cannot be negative.")
        elif value > Decimal("1000000000"):
            errors[name] = _("This amount is too large.")
        parsed[name] = value
    if "expected_volume" not in errors and parsed.get("expected_volume", Decimal(0)) <= 0:
        errors["expected_volume"] = _("Give the volume the producer expects to sell this season.")
    if errors:
        raise ActionError(_("The cost sheet has errors."), field_errors=errors)
    return pricing.SeasonCosts(vat_rate=vat_rate, **parsed)


@transaction.atomic
def propose_cost_sheet(*, product: Product, season: str, values: Mapping[str, object], by_user=None, now=None) -> CostSheet:
    season = (season or "").strip()[:60]
    if not season:
        raise ActionError(_("Name the season this cost sheet covers."), field_errors={"season": _("Required.")})
    costs = parse_costs(values, product.vat_rate)
    price = pricing.fair_price(costs)
    return CostSheet.objects.create(
        product=product, season=season, vat_rate=product.vat_rate, unit_price=price.unit_price, proposed_by=by_user,
        proposed_at=now or timezone.now(), **{name: getattr(costs, name) for name in COST_FIELDS},
    )


@transaction.atomic
def decide_cost_sheet(*, sheet_id: int, agree: bool, by_user=None, now=None) -> CostSheet:
    """Agreeing a cost sheet sets its price in the catalogue (next cycles; a cycle already opened keeps
    its price) and records it in the history. The flow ``flows.cost_sheets`` also sets it in the contracts."""
    now = now or timezone.now()
    sheet = CostSheet.objects.select_for_update().select_related("product").get(pk=sheet_id)
    _decide(sheet, agree, by_user, now, _("This cost sheet has already been decided."))
    if agree:
        Product.objects.filter(pk=sheet.product_id).update(unit_price=sheet.unit_price)
        PriceChange.objects.create(product_id=sheet.product_id, unit_price=sheet.unit_price, since=now, cost_sheet=sheet)
    return sheet


def price_history(product: Product) -> list[tuple[datetime.datetime, Decimal, CostSheet | None]]:
    """Each price the product had, oldest first (one query)."""
    return [(c.since, c.unit_price, c.cost_sheet) for c in PriceChange.objects.filter(product=product).select_related("cost_sheet")]


# --- catalogue import ---------------------------------------------------------------------------------


def existing_catalogue(producer) -> dict[str, dict]:
    """The producer's products that have a reference, as the import compares them (two queries)."""
    return {
        p.reference: {
            "pk": p.pk, "name": p.name, "category": p.category.name, "unit": p.unit, "unit_price": p.unit_price,
            "vat_rate": p.vat_rate, "pack_size": p.pack_size, "order_step": p.order_step, "min_total": p.min_total,
            "description": p.description, "available": p.is_active,
        }
        for p in Product.objects.filter(producer=producer).exclude(reference="").select_related("category")
    }


@dataclass(frozen=True)
class ImportPreview:
    parsed: importing.ParsedCatalogue
    diff: importing.CatalogueDiff | None
    new_categories: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.parsed.ok


def preview_import(producer, data: bytes, filename: str, *, format: str | None = None) -> ImportPreview:
    """What importing this file would do, and every error in it; writes nothing."""
    parsed = importing.parse_catalogue(data, filename, format=format)
    errors = list(parsed.errors)
    for row in parsed.rows:  # what Cabas adds to the formats' own rules
        if row.unit in COUNTABLE_UNITS:
            for name in ("pack_size", "order_step", "min_total"):
                value = getattr(row, name)
                if value is not None and value != value.to_integral_value():
                    errors.append(importing.RowError(row.line, name, f"{name} : un produit vendu à l'unité se compte en nombres entiers."))
        if row.producer_name and row.producer_name.casefold() != producer.name.casefold():
            errors.append(importing.RowError(row.line, "producer", f"Producer : « {row.producer_name} » n'est pas {producer.name}."))
    if errors != list(parsed.errors):
        errors.sort(key=lambda e: e.line)
        parsed = importing.ParsedCatalogue(parsed.format, parsed.rows, tuple(errors), parsed.warnings)
    if not parsed.ok:
        return ImportPreview(parsed, None, ())
    existing = existing_catalogue(producer)
    parsed = _with_order_steps(parsed, existing)
    if not parsed.ok:
        return ImportPreview(parsed, None, ())
    known = set(Category.objects.values_list("name", flat=True))
    new_categories = tuple(sorted({row.category for row in parsed.rows} - known))
    return ImportPreview(parsed, importing.diff_catalogue(parsed.rows, existing), new_categories)


def _with_order_steps(parsed: importing.ParsedCatalogue, existing: dict[str, dict]) -> importing.ParsedCatalogue:
    """Every row with an order step people can hand out: a row without one keeps the product's step when it still
    fits, else takes its unit's (``steps.default_order_step``); a step finer than 10 g or 1 cl is an error."""
    rows, errors = [], []
    for row in parsed.rows:
        step = row.order_step
        if step is None:
            current = existing.get(row.reference) or {}
            kept = current.get("order_step")
            if kept is not None and current.get("unit") == row.unit and steps.step_problem(row.unit, kept, row.pack_size) is None:
                step = kept
            else:
                step = steps.default_order_step(row.unit, row.pack_size)
            if step is None:
                errors.append(importing.RowError(row.line, "order_step", "Pas de commande : aucun pas habituel (1, 0,5, "
                                                 "0,25, 0,1…) ne divise la taille du colis ; donnez-le."))
                continue
        elif steps.step_problem(row.unit, step, row.pack_size) == steps.TOO_FINE:
            errors.append(importing.RowError(row.line, "order_step", "Pas de commande : au moins 10 g (0,01 kg) ou 1 cl, "
                                             "ce qu'on peut peser ou verser à une distribution."))
            continue
        rows.append(replace(row, order_step=step))
    if errors:
        return importing.ParsedCatalogue(parsed.format, parsed.rows, tuple(sorted(errors, key=lambda e: e.line)), parsed.warnings)
    return importing.ParsedCatalogue(parsed.format, tuple(rows), parsed.errors, parsed.warnings)


@transaction.atomic
def apply_import(producer, data: bytes, filename: str, *, format: str | None = None, now=None) -> ImportPreview:
    """Import the whole file or nothing: new products created, changed ones updated (a new price goes into
    the history; cycles already opened keep theirs), products absent from the file withdrawn."""
    now = now or timezone.now()
    Producer.objects.select_for_update().filter(pk=producer.pk).first()
    preview = preview_import(producer, data, filename, format=format)
    if not preview.ok:
        raise ActionError(*(f"Ligne {e.line} — {e.message}" if e.line else e.message for e in preview.parsed.errors[:50]))
    diff = preview.diff
    categories = {c.name: c for c in Category.objects.all()}
    position = max((c.position for c in categories.values()), default=0)
    for name in preview.new_categories:
        position += 1
        categories[name] = Category.objects.create(name=name, position=position)
    fields = lambda row: {  # noqa: E731
        "name": row.name, "category": categories[row.category], "unit": row.unit, "unit_price": row.unit_price,
        "vat_rate": row.vat_rate, "pack_size": row.pack_size, "order_step": row.order_step, "min_total": row.min_total,
        "description": row.description, "is_active": row.available,
    }
    created = Product.objects.bulk_create(Product(producer=producer, reference=row.reference, **fields(row)) for row in diff.new)
    existing = {p.reference: p for p in Product.objects.filter(producer=producer, reference__in=[r.reference for r, _ in diff.changed])}
    updated, price_changes = [], []
    for row, differences in diff.changed:
        product = existing[row.reference]
        for name, value in fields(row).items():
            setattr(product, name, value)
        updated.append(product)
        if "unit_price" in differences:
            price_changes.append(PriceChange(product=product, unit_price=row.unit_price, since=now))
    if updated:
        Product.objects.bulk_update(updated, ["name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step",
                                              "min_total", "description", "is_active"])
    price_changes += [PriceChange(product=p, unit_price=p.unit_price, since=now) for p in created]
    PriceChange.objects.bulk_create(price_changes)
    Product.objects.filter(producer=producer, reference__in=diff.withdrawn).update(is_active=False)
    return preview
