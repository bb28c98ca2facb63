"""State changes of the catalogue: spec sheet versions, cost sheets and the fair price; what the catalogue pages
change (producers, products and their prices, categories, labels, the charter, containers, producers' logins).
Each is one function in one transaction, called by views and commands alike."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.core.numbers import parse_decimal
from cabas.core.tasks import enqueue_on_commit
from cabas.members.models import Club, User

from . import dfc, importing, pricing, rules, steps
from .models import (
    COUNTABLE_UNITS, Category, CharterPoint, Container, CostSheet, Label, PriceChange, Producer, ProducerAccount, Product,
    ProposalStatus, SpecSheet, VisitCheck,
)
from .tasks import send_producer_invitation

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


def is_dfc(filename: str, format: str | None) -> bool:
    """A DFC catalogue (JSON-LD) rather than a table: told by the format, else by the file's extension."""
    return format == dfc.FORMAT or (format is None and (filename or "").lower().strip().endswith((".jsonld", ".json")))


def dfc_catalogue(producer, url: str) -> dict:
    """The producer's catalogue as DFC JSON-LD (one query): every product, the withdrawn ones as out of stock."""
    products = Product.objects.filter(producer=producer).order_by("name", "pk")
    return dfc.catalogue_document(url, producer.name, (
        dfc.CatalogueProduct(str(p.pk), p.reference or f"CABAS-{p.pk}", p.name, p.description, p.unit, p.unit_price,
                             p.vat_rate, p.is_active)
        for p in products))


def preview_import(producer, data: bytes, filename: str, *, format: str | None = None) -> ImportPreview:
    """What importing this file would do, and every error in it; writes nothing."""
    if is_dfc(filename, format):
        parsed = dfc.parse_catalogue(data)
    else:
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
    known = set(Category.objects.of_club(producer.club_id).values_list("name", flat=True))
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
    # the club's own categories win over the installation's of the same name
    categories = {c.name: c for c in sorted(Category.objects.of_club(producer.club_id), key=lambda c: c.club_id is not None)}
    position = max((c.position for c in categories.values()), default=0)
    for name in preview.new_categories:
        position = rules.next_position([position])
        categories[name] = Category.objects.create(club_id=producer.club_id, name=name, position=position)
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


# --- the catalogue pages: producers, products, prices, categories, labels, charter, producers' logins ----------
# Each function is one action in one transaction; the view has checked who may act and parsed the form (its fields
# are the allow-list); these check what belongs to the club and the model's own rules, and raise ActionError
# (field errors named as the form's fields) before writing anything.

PRODUCER_FIELDS = ("name", "description", "address", "latitude", "longitude", "contact_name", "email", "phone", "kind",
                   "production_methods", "charter_signed_on", "distributes_itself")
PRODUCT_FIELDS = ("category", "name", "description", "unit", "vat_rate", "pack_size", "order_step", "min_total",
                  "is_active", "reference", "is_trial", "unit_weight_kg", "crates_per_unit", "container",
                  "containers_per_step")
# A foreign key chosen on a page arrives as an id (``category`` -> ``category_id``).
ID_FIELDS = {"category", "container"}


def _model_errors(error: ValidationError) -> ActionError:
    fields = {("__all__" if name == NON_FIELD_ERRORS else name): " ".join(messages) for name, messages in
              error.message_dict.items()}
    general = fields.pop("__all__", None)
    return ActionError(*([general] if general else []), field_errors=fields)


def _checked(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise _model_errors(error) from error


def _name(value, *, field: str = "name", limit: int = 100) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ActionError(field_errors={field: _("Give a name.")})
    if len(name) > limit:
        raise ActionError(field_errors={field: _("At most %(count)s characters.") % {"count": limit}})
    return name


def club_members(club_id: int):
    """The people of the club's households still in a group: whom a producer's referent is chosen among."""
    return User.objects.filter(household__group__club_id=club_id, household__left_on__isnull=True, is_active=True)


@transaction.atomic
def save_producer(*, club: Club, producer_id: int | None = None, values: Mapping[str, object],
                  label_ids=None) -> Producer:
    """Add a producer to the club (``producer_id`` None) or change one: PRODUCER_FIELDS, ``referent`` (a member's
    id, or None) when given, and its labels (the club's or the installation's) when ``label_ids`` is given."""
    if producer_id is None:
        producer = Producer(club=club)
    else:
        producer = Producer.objects.select_for_update().filter(pk=producer_id, club=club).first()
        if producer is None:
            raise ActionError(_("This producer is not in this club."))
    for name in PRODUCER_FIELDS:
        if name in values:
            setattr(producer, name, values[name])
    producer.name = _name(producer.name, limit=200)
    if "referent" in values:
        referent_id = values["referent"]
        if referent_id is not None and referent_id != producer.referent_id and \
                not club_members(club.pk).filter(pk=referent_id).exists():
            raise ActionError(field_errors={"referent": _("Choose a member of the club.")})
        producer.referent_id = referent_id
    if Producer.objects.filter(club=club, name__iexact=producer.name).exclude(pk=producer.pk).exists():
        raise ActionError(field_errors={"name": _("The club has a producer of this name already.")})
    labels = None
    if label_ids is not None:
        label_ids = set(label_ids)
        labels = list(Label.objects.of_club(club.pk).filter(pk__in=label_ids))
        if len(labels) != len(label_ids):
            raise ActionError(field_errors={"labels": _("Choose among the club's labels.")})
    _checked(producer, exclude=["labels", "referent"])
    producer.save()
    if labels is not None:
        producer.labels.set(labels)
    return producer


def _product_values(product: Product, values: Mapping[str, object]) -> None:
    for name in PRODUCT_FIELDS:
        if name in values:
            setattr(product, f"{name}_id" if name in ID_FIELDS else name, values[name])
    product.name = _name(product.name, limit=200)
    product.reference = str(product.reference or "").strip()


def _category_and_container(product: Product, club_id: int) -> None:
    """The choices of another club are refused (the model checks them again, by their rows)."""
    if product.category_id is None or not Category.objects.of_club(club_id).filter(pk=product.category_id).exists():
        raise ActionError(field_errors={"category": _("Choose a category of the club.")})
    if product.container_id is not None and not Container.objects.filter(pk=product.container_id, club_id=club_id).exists():
        raise ActionError(field_errors={"container": _("Choose a container of the producer's club.")})


def _price_problem(error) -> ActionError:
    """A rule of ``rules.price_change_problem`` broken, said on the field it is about."""
    params = {name: formats.date_format(timezone.localtime(value), "j F Y H:i") for name, value in error.params.items()}
    field = "since" if error.code in ("future", "before_last") else "unit_price"
    return ActionError(field_errors={field: _(error.message) % params})


@transaction.atomic
def create_product(*, producer: Producer, values: Mapping[str, object], unit_price: Decimal, now=None) -> Product:
    """A new product of the producer, its first price written in the history."""
    now = now or timezone.now()
    product = Product(producer=producer)
    _product_values(product, values)
    _category_and_container(product, producer.club_id)
    problem = rules.price_change_problem(price=unit_price, current=None, since=now, now=now, last_since=None)
    if problem is not None:
        raise _price_problem(problem)
    product.unit_price = unit_price
    _checked(product)
    product.save()
    PriceChange.objects.create(product=product, unit_price=unit_price, since=now)
    return product


@transaction.atomic
def save_product(*, producer: Producer, product_id: int, values: Mapping[str, object]) -> Product:
    """Change a product's PRODUCT_FIELDS; never its price (``change_price``). Cycles already opened keep the terms
    their offers froze."""
    product = Product.objects.select_for_update().filter(pk=product_id, producer=producer).first()
    if product is None:
        raise ActionError(_("This product is not this producer's."))
    values = {name: value for name, value in values.items() if name != "unit_price"}
    _product_values(product, values)
    _category_and_container(product, producer.club_id)
    _checked(product)
    product.save()
    return product


@transaction.atomic
def change_price(*, product_id: int, unit_price: Decimal, since: datetime.datetime | None = None,
                 now: datetime.datetime | None = None) -> PriceChange:
    """A new catalogue price from ``since`` (now when empty): written in the price history and on the product,
    together. Cycles opened from then on take it; a cycle already opened keeps the price its offers froze."""
    now = now or timezone.now()
    since = since or now
    product = Product.objects.select_for_update().get(pk=product_id)
    last = PriceChange.objects.filter(product=product).order_by("-since").values_list("since", flat=True).first()
    problem = rules.price_change_problem(price=unit_price, current=product.unit_price, since=since, now=now,
                                         last_since=last)
    if problem is not None:
        raise _price_problem(problem)
    Product.objects.filter(pk=product.pk).update(unit_price=unit_price)
    return PriceChange.objects.create(product=product, unit_price=unit_price, since=since)


def club_categories(club_id: int) -> list[Category]:
    """The categories a club's products may take: its own and the installation's, in their order (one query)."""
    return list(Category.objects.of_club(club_id).order_by("position", "name"))


def _unused_name(model, club: Club, name: str, exclude_pk=None, message=None) -> None:
    if model.objects.of_club(club.pk).filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ActionError(field_errors={"name": message or _("This name is taken already.")})


def _own(model, club: Club, pk: int, *, lock: bool = True):
    queryset = model.objects.filter(pk=pk, club=club)
    row = (queryset.select_for_update() if lock else queryset).first()
    if row is None:
        raise ActionError(_("This is not the club's to change."))
    return row


@transaction.atomic
def save_category(*, club: Club, name: str, category_id: int | None = None) -> Category:
    """Add a category to the club (last in its order) or rename one of its own."""
    name = _name(name)
    Club.objects.select_for_update().filter(pk=club.pk).first()  # one name at a time per club
    if category_id is None:
        _unused_name(Category, club, name, message=_("The club has a category of this name already."))
        position = rules.next_position(Category.objects.of_club(club.pk).values_list("position", flat=True))
        return Category.objects.create(club=club, name=name, position=position)
    category = _own(Category, club, category_id)
    _unused_name(Category, club, name, exclude_pk=category.pk, message=_("The club has a category of this name already."))
    Category.objects.filter(pk=category.pk).update(name=name)
    category.name = name
    return category


@transaction.atomic
def move_category(*, club: Club, category_id: int, offset: int) -> None:
    """Move one of the club's categories up (-1) or down (1) among its own (the order members see)."""
    _own(Category, club, category_id)
    rows = list(Category.objects.select_for_update().filter(club=club).order_by("position", "name")
                .values_list("pk", "position"))
    for pk, position in rules.new_positions(rows, category_id, offset).items():
        Category.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def delete_category(*, club: Club, category_id: int) -> None:
    """Remove a category of the club no product (nor past offer) is in."""
    category = _own(Category, club, category_id)
    if category.products.exists() or category.offers.exists():
        raise ActionError(_("Products are in this category: move them to another first."))
    category.delete()


def club_labels(club_id: int) -> list[Label]:
    return list(Label.objects.of_club(club_id).order_by("name"))


@transaction.atomic
def save_label(*, club: Club, name: str, label_id: int | None = None) -> Label:
    name = _name(name)
    Club.objects.select_for_update().filter(pk=club.pk).first()
    message = _("The club has a label of this name already.")
    if label_id is None:
        _unused_name(Label, club, name, message=message)
        return Label.objects.create(club=club, name=name)
    label = _own(Label, club, label_id)
    _unused_name(Label, club, name, exclude_pk=label.pk, message=message)
    Label.objects.filter(pk=label.pk).update(name=name)
    label.name = name
    return label


@transaction.atomic
def delete_label(*, club: Club, label_id: int) -> None:
    label = _own(Label, club, label_id)
    if label.producers.exists():
        raise ActionError(_("Producers hold this label: take it off their page first."))
    label.delete()


@transaction.atomic
def save_charter_point(*, club: Club, text: str, point_id: int | None = None) -> CharterPoint:
    """Add a commitment to the club's charter (last) or reword one. A farm visit already recorded keeps its
    checks against it."""
    text = _name(text, field="text", limit=300)
    if CharterPoint.objects.filter(club=club, text__iexact=text).exclude(pk=point_id).exists():
        raise ActionError(field_errors={"text": _("The charter has this commitment already.")})
    if point_id is None:
        position = rules.next_position(CharterPoint.objects.filter(club=club).values_list("position", flat=True))
        return CharterPoint.objects.create(club=club, text=text, position=position)
    point = _own(CharterPoint, club, point_id)
    CharterPoint.objects.filter(pk=point.pk).update(text=text)
    point.text = text
    return point


@transaction.atomic
def move_charter_point(*, club: Club, point_id: int, offset: int) -> None:
    _own(CharterPoint, club, point_id)
    rows = list(CharterPoint.objects.select_for_update().filter(club=club).order_by("position", "pk")
                .values_list("pk", "position"))
    for pk, position in rules.new_positions(rows, point_id, offset).items():
        CharterPoint.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def delete_charter_point(*, club: Club, point_id: int) -> None:
    """Remove a commitment no farm visit has checked yet (one that was checked stays with its visits)."""
    point = _own(CharterPoint, club, point_id)
    if VisitCheck.objects.filter(point=point).exists():
        raise ActionError(_("Farm visits have checked this commitment: it stays in their reports. Reword it instead."))
    point.delete()


@transaction.atomic
def save_container(*, club: Club, values: Mapping[str, object], container_id: int | None = None) -> Container:
    """Add a returnable container to the club or change one (its name, deposit, the producer who takes it back).
    A new deposit applies to the cycles opened afterwards (offers freeze it)."""
    container = Container(club=club) if container_id is None else _own(Container, club, container_id)
    container.name = _name(values.get("name"))
    container.deposit = values.get("deposit")
    producer_id = values.get("producer")
    if producer_id is not None and not Producer.objects.filter(pk=producer_id, club=club).exists():
        raise ActionError(field_errors={"producer": _("Choose a producer of the club.")})
    container.producer_id = producer_id
    if Container.objects.filter(club=club, name__iexact=container.name).exclude(pk=container.pk).exists():
        raise ActionError(field_errors={"name": _("The club has a container of this name already.")})
    _checked(container)
    container.save()
    return container


# --- producers' logins --------------------------------------------------------------------------------------


def _may_reuse(user: User, club_id: int) -> bool:
    """An existing account may become a producer's login when it is of the same club (a member of one of its
    groups, or a role in it), or a former producer's login no one uses any more (inactive, nothing else)."""
    if hasattr(user, "producer_account"):
        return False
    if user.is_superuser or user.is_staff:
        return False
    if user.household_id is not None:
        return user.household.group.club_id == club_id and user.household.left_on is None and user.is_active
    roles = {role.club_id for role in user.roles.all()}
    if roles:
        return roles == {club_id} and user.is_active
    return not user.is_active and not user.has_usable_password()


@transaction.atomic
def invite_producer_login(*, producer: Producer, email: str, first_name: str = "", last_name: str = "") -> ProducerAccount:
    """A login that acts for the producer: a new account (the person chooses a password from the e-mail), or a
    person of the club who logs in already. An address already used elsewhere is refused."""
    email = User.objects.normalize_email(str(email or "").strip()).lower()
    try:
        validate_email(email)
        if email.endswith(".invalid"):  # an erased account's address (RFC 2606: it receives no mail)
            raise ValidationError("invalid")
    except ValidationError as error:
        raise ActionError(field_errors={"email": _("Enter a valid e-mail address.")}) from error
    Producer.objects.select_for_update().filter(pk=producer.pk).first()
    user = User.objects.filter(email__iexact=email).select_related("household__group").prefetch_related("roles").first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=_name(first_name, field="first_name", limit=150)
                                        if first_name.strip() else "", last_name=last_name.strip()[:150])
    elif not _may_reuse(user, producer.club_id):
        if ProducerAccount.objects.filter(user=user, producer=producer).exists():
            raise ActionError(field_errors={"email": _("This person logs in for this producer already.")})
        raise ActionError(field_errors={"email": _("An account with this e-mail address exists already and cannot act "
                                                   "for this producer. Ask the installation's operators.")})
    elif not user.is_active:
        user.is_active = True
        user.first_name = user.first_name or first_name.strip()[:150]
        user.save(update_fields=["is_active", "first_name"])
    account = ProducerAccount.objects.create(user=user, producer=producer)
    enqueue_on_commit(send_producer_invitation, user.pk, producer.pk)
    return account


def resend_producer_invitation(*, producer: Producer, account_id: int) -> ProducerAccount:
    """The invitation again, for a login whose person has not chosen a password yet (the link lasts three days)."""
    account = ProducerAccount.objects.filter(pk=account_id, producer=producer).select_related("user").first()
    if account is None:
        raise ActionError(_("This login is not this producer's."))
    if account.user.has_usable_password():
        raise ActionError(_("This person has chosen a password already: they can ask for a new one on the login "
                            "page."))
    enqueue_on_commit(send_producer_invitation, account.user_id, producer.pk)
    return account


@transaction.atomic
def remove_producer_login(*, producer: Producer, account_id: int) -> None:
    """The login no longer acts for the producer. An account that was only that (no household, no role) is closed:
    it cannot log in any more; what it proposed stays, signed with its name."""
    account = ProducerAccount.objects.select_for_update().filter(pk=account_id, producer=producer).first()
    if account is None:
        raise ActionError(_("This login is not this producer's."))
    user = User.objects.select_for_update().get(pk=account.user_id)
    account.delete()
    if user.household_id is None and not user.is_staff and not user.is_superuser and not user.roles.exists():
        user.is_active = False
        user.set_unusable_password()  # also ends its sessions
        user.save(update_fields=["is_active", "password"])
