"""Producers and what they offer the club."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.members.models import Club

from . import steps
from .pricing import SeasonCosts


class Unit(models.TextChoices):
    """The unit a product is counted and priced in; every quantity carries one."""

    KILOGRAM = "kg", _("kg")
    GRAM = "g", _("g")
    LITRE = "l", _("l")
    PIECE = "piece", _("piece")
    BUNCH = "bunch", _("bunch")
    DOZEN = "dozen", _("dozen")


COUNTABLE_UNITS = frozenset({Unit.PIECE, Unit.BUNCH, Unit.DOZEN})
# The finest order step of each unit (``steps.MINIMUM_STEPS``), as people read it.
MINIMUM_STEP_LABELS = {Unit.KILOGRAM: "10\u00a0g", Unit.GRAM: "10\u00a0g", Unit.LITRE: "1\u00a0cl", Unit.PIECE: "1",
                       Unit.BUNCH: "1", Unit.DOZEN: "1"}


class ProducerKind(models.TextChoices):
    FARM = "farm", _("farm")
    WORKSHOP = "workshop", _("processing workshop")


class Producer(models.Model):
    """A farm or small processor in partnership with a club."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="producers", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ProducerKind.choices, default=ProducerKind.FARM)
    production_methods = models.TextField(_("production methods"), blank=True)
    labels = models.ManyToManyField("Label", blank=True, related_name="producers", verbose_name=_("labels"))
    charter_signed_on = models.DateField(_("charter signed on"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="referent_for",
        verbose_name=_("referent member"), help_text=_("The member who coordinates this producer with the club."),
    )
    distributes_itself = models.BooleanField(
        _("distributes its products itself"), default=False,
        help_text=_("The producer comes to the depots, hands out its products and is paid there directly by the "
                    "households (each depot gets its list of what to hand out to whom)."),
    )

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfClubQuerySet(models.QuerySet):
    def of_club(self, club_id: int):
        """A club's own rows and the installation's (``club`` empty), which every club uses and only the
        installation's operators change."""
        return self.filter(Q(club_id=club_id) | Q(club__isnull=True))


class Category(models.Model):
    """A staple chain or shelf of a club's catalogue: lait, fromage, pain, légumes… Each club has its own; one
    without a club belongs to the whole installation (its operators edit it, every club may use it)."""

    objects = OfClubQuerySet.as_manager()

    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, null=True, blank=True, related_name="categories", verbose_name=_("club"),
        help_text=_("Empty: a category of the whole installation, changed only by its operators."),
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["club", "name"], name="category_unique_name_in_club"),
            models.UniqueConstraint(fields=["name"], condition=Q(club__isnull=True), name="category_unique_name_shared"),
        ]

    def __str__(self) -> str:
        return self.name


class Container(models.Model):
    """A returnable container a club's products come in, with the deposit a household pays for it and gets back
    when it brings it back to its depot: « Pot de yaourt 0,50 € », « Bouteille de lait 1 l 1,00 € »."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="containers", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=100)
    deposit = models.DecimalField(
        _("deposit (€)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("What a household pays for each container with the product and gets back when it returns it. A "
                    "change applies to the cycles opened afterwards."),
    )
    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, null=True, blank=True, related_name="containers",
        verbose_name=_("taken back by"), help_text=_("The producer who collects the returned containers from the depots."),
    )

    class Meta:
        verbose_name = _("returnable container")
        verbose_name_plural = _("returnable containers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["club", "name"], name="container_unique_name"),
            models.CheckConstraint(condition=Q(deposit__gt=0), name="container_deposit_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As ``save``, a product without an order step gets its unit's (a bulk insert calls no ``save``)."""
        objs = list(objs)
        for product in objs:
            if product.order_step is None:
                product.order_step = product.default_order_step()
        return super().bulk_create(objs, *args, **kwargs)


class Product(models.Model):
    """What a producer offers. Editing a product never changes a cycle already opened (see Offer)."""

    objects = ProductQuerySet.as_manager()

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products", verbose_name=_("producer"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    unit_price = models.DecimalField(
        _("unit price incl. VAT"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=4, decimal_places=2, default=Decimal("5.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    pack_size = models.DecimalField(
        _("pack size"), max_digits=10, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("How many units the producer sells together (a case of 6, a 10 kg bag). Empty: sold loose."),
    )
    order_step = models.DecimalField(
        _("order step"), max_digits=10, decimal_places=3, blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The smallest quantity a household can order and a volunteer can hand out (1 piece, 1 bottle, "
                    "0.1 kg); at least 10 g or 1 cl, and it must divide the pack size. Empty: the unit's step, 1 for "
                    "what is counted and for litres, 0.1 kg (100 g) for what is weighed."),
    )
    min_total = models.DecimalField(
        _("viability threshold"), max_digits=12, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The minimum total, in units, below which the producer does not deliver this product in a cycle."),
    )
    is_active = models.BooleanField(_("available"), default=True)
    reference = models.CharField(
        _("producer's reference"), max_length=60, blank=True,
        help_text=_("The producer's own code for this product; imports match products by it."),
    )
    is_trial = models.BooleanField(_("trial"), default=False, help_text=_("Offered for a trial after a survey."))
    unit_weight_kg = models.DecimalField(
        _("weight per unit (kg)"), max_digits=8, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("What one unit weighs, packaging included, to load the transport rounds (a litre of milk "
                    "about 1.03 kg, a loaf 0.5 to 1 kg). Empty: worked out from the unit: 1 kg per kg or litre, "
                    "0.001 kg per gram, 0.5 kg per piece or bunch, 0.7 kg per dozen."),
    )
    crates_per_unit = models.DecimalField(
        _("crates per unit"), max_digits=8, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The part of a standard crate one unit takes (0.1: ten units to a crate), to load the transport "
                    "rounds. Empty: one crate per 10 kg of the unit's weight."),
    )
    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, null=True, blank=True, related_name="products",
        verbose_name=_("returnable container"),
        help_text=_("The container each order step comes in (a jar, a bottle), with its deposit. Empty: none."),
    )
    containers_per_step = models.PositiveSmallIntegerField(
        _("containers per order step"), default=1, validators=[MinValueValidator(1)],
        help_text=_("How many containers one order step takes (a pack of 4 yoghurts sold by the pack: 4)."),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_price_not_negative"),
            models.UniqueConstraint(
                fields=["producer", "reference"], condition=~Q(reference=""), name="product_unique_reference"
            ),
            models.CheckConstraint(
                condition=Q(pack_size__isnull=True) | Q(pack_size__gt=0), name="product_pack_size_positive"
            ),
            models.CheckConstraint(condition=Q(order_step__gte=Decimal("0.01")), name="product_order_step_sellable"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="product_vat_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.producer})"

    @property
    def countable(self) -> bool:
        """Counted in whole units (pieces, bunches, dozens), not weighed or measured."""
        return self.unit in COUNTABLE_UNITS

    @property
    def effective_order_step(self) -> Decimal | None:
        """The step, or the unit's default while none is set (None: no usual step divides the pack size)."""
        return self.order_step or steps.default_order_step(self.unit, self.pack_size)

    def clean(self):
        super().clean()
        if not self.unit:
            return
        if self.order_step is None:
            self.order_step = steps.default_order_step(self.unit, self.pack_size)
            if self.order_step is None:
                raise ValidationError({"order_step": _("Give the order step: none of the usual steps divides the "
                                                       "pack size.")})
        if self.container_id is not None and self.producer_id is not None and \
                self.container.club_id != self.producer.club_id:
            raise ValidationError({"container": _("Choose a container of the producer's club.")})
        if self.category_id is not None and self.producer_id is not None and \
                self.category.club_id not in (None, self.producer.club_id):
            raise ValidationError({"category": _("Choose a category of the producer's club.")})
        problem = steps.step_problem(self.unit, self.order_step, self.pack_size)
        if problem == steps.NOT_WHOLE:
            raise ValidationError({"order_step": _("What is counted is ordered whole: the order step must be a whole "
                                                   "number.")})
        if problem == steps.TOO_FINE:
            raise ValidationError({"order_step": _("The order step must be at least %(minimum)s: no one hands out "
                                                   "less at a distribution.") % {"minimum": MINIMUM_STEP_LABELS[self.unit]}})
        if problem == steps.NOT_A_DIVISOR:
            raise ValidationError({"order_step": _("The order step must divide the pack size.")})

    def default_order_step(self) -> Decimal | None:
        """The unit's step; a pack no usual step divides (1.005 kg) is handed out whole (``clean`` asks for a step
        instead; ``save`` and ``bulk_create`` take this, as the migration of the steps did)."""
        return steps.default_order_step(self.unit, self.pack_size) or self.pack_size

    def save(self, *args, **kwargs):
        if self.order_step is None:
            self.order_step = self.default_order_step()
        super().save(*args, **kwargs)


# --- who the producers are ----------------------------------------------------------------------------


class Label(models.Model):
    """A quality label or certification a producer holds: AB (organic), Nature & Progrès, AOP, IGP… Each club
    has its own list; one without a club belongs to the whole installation (as categories)."""

    objects = OfClubQuerySet.as_manager()

    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, null=True, blank=True, related_name="labels", verbose_name=_("club"),
        help_text=_("Empty: a label of the whole installation, changed only by its operators."),
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["club", "name"], name="label_unique_name_in_club"),
            models.UniqueConstraint(fields=["name"], condition=Q(club__isnull=True), name="label_unique_name_shared"),
        ]

    def __str__(self) -> str:
        return self.name


class ProducerAccount(models.Model):
    """A login that acts for a producer: it sees the producer's cycles, sheets and delivery notes, sets its
    supply for upcoming cycles, and proposes spec sheets and cost sheets."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_account", verbose_name=_("member")
    )
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("producer"))

    class Meta:
        verbose_name = _("producer account")
        verbose_name_plural = _("producer accounts")

    def __str__(self) -> str:
        return f"{self.user} — {self.producer}"


# --- spec sheets: what producer and consumers agreed, versioned ---------------------------------------


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Proposal(models.Model):
    """What a producer (or a coordinator) proposes and the club decides, once: a spec sheet or a cost sheet."""

    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True


class SpecSheet(Proposal):
    """One version of a product's co-defined characteristics (fiche produit). A change is a new version,
    proposed then approved by the club; an approved version is never edited, and a cycle keeps the version
    that was current when it opened."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="spec_sheets", verbose_name=_("product"))
    version = models.PositiveIntegerField(_("version"))
    variety = models.CharField(_("variety or breed"), max_length=200, blank=True)
    production_method = models.TextField(_("production method"), blank=True)
    inputs_allowed = models.TextField(_("inputs allowed"), blank=True)
    packaging = models.CharField(_("packaging"), max_length=200, blank=True)
    returnable_container = models.BooleanField(_("returnable container"), default=False)
    freshness = models.CharField(_("freshness"), max_length=200, blank=True)
    size = models.CharField(_("size or calibre"), max_length=200, blank=True)
    change_note = models.TextField(_("what changes and why"), blank=True)

    class Meta:
        verbose_name = _("spec sheet")
        verbose_name_plural = _("spec sheets")
        ordering = ["product", "-version"]
        constraints = [models.UniqueConstraint(fields=["product", "version"], name="spec_sheet_unique_version")]

    def __str__(self) -> str:
        return f"{self.product.name} v{self.version}"


# --- the fair price -----------------------------------------------------------------------------------


class CostSheet(Proposal):
    """A producer's real costs for one product and season, from which the fair price is computed
    (catalog/pricing.py). Proposed by the producer, agreed by the club; agreeing sets the catalogue price."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="cost_sheets", verbose_name=_("product"))
    season = models.CharField(_("season"), max_length=60)
    inputs = models.DecimalField(_("inputs (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    labour_hours = models.DecimalField(_("labour (hours)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    hourly_rate = models.DecimalField(_("hourly rate (€)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    packaging = models.DecimalField(_("packaging (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    transport = models.DecimalField(_("transport (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    overheads = models.DecimalField(_("overheads (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    depreciation = models.DecimalField(_("depreciation (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    income = models.DecimalField(_("producer's income (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    expected_volume = models.DecimalField(
        _("expected volume"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2)
    unit_price = models.DecimalField(_("fair price incl. VAT"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("cost sheet")
        verbose_name_plural = _("cost sheets")
        ordering = ["product", "-proposed_at"]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.season}"

    def season_costs(self):
        return SeasonCosts(
            inputs=self.inputs, labour_hours=self.labour_hours, hourly_rate=self.hourly_rate, packaging=self.packaging,
            transport=self.transport, overheads=self.overheads, depreciation=self.depreciation, income=self.income,
            expected_volume=self.expected_volume, vat_rate=self.vat_rate,
        )


class PriceChange(models.Model):
    """The catalogue price's history: each price a product had and since when (never edited)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("product"))
    unit_price = models.DecimalField(_("unit price incl. VAT"), max_digits=10, decimal_places=2)
    since = models.DateTimeField(_("since"), default=timezone.now)
    cost_sheet = models.ForeignKey(CostSheet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["product", "since"]


# --- participatory certification (système participatif de garantie) ----------------------------------


class CharterPoint(models.Model):
    """One commitment of the club's charter, checked at every farm visit."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="charter_points", verbose_name=_("club"))
    text = models.CharField(_("commitment"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("charter commitment")
        verbose_name_plural = _("charter commitments")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class VisitDecision(models.TextChoices):
    APPROVED = "approved", _("approved")
    CONDITIONS = "conditions", _("approved with conditions")
    REFUSED = "refused", _("refused")


class CertificationVisit(models.Model):
    """A farm visit by members and producers, checked against the charter, with its report and decision."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="visits", verbose_name=_("producer"))
    visited_on = models.DateField(_("visited on"))
    participants = models.TextField(_("participants"), blank=True)
    report = models.TextField(_("report"), blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=VisitDecision.choices, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)
    # empty while the visit is only planned (members sign up for it as a shift); set when its decision is recorded
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("farm visit")
        verbose_name_plural = _("farm visits")
        ordering = ["producer", "-visited_on"]
        constraints = [models.CheckConstraint(condition=Q(recorded_at__isnull=True) | ~Q(decision=""),
                                              name="visit_recorded_has_decision")]

    def __str__(self) -> str:
        return f"{self.producer} — {self.visited_on}"


class VisitCheck(models.Model):
    visit = models.ForeignKey(CertificationVisit, on_delete=models.CASCADE, related_name="checks")
    point = models.ForeignKey(CharterPoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("commitment"))
    satisfied = models.BooleanField(_("met"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("charter check")
        verbose_name_plural = _("charter checks")
        constraints = [models.UniqueConstraint(fields=["visit", "point"], name="visit_check_unique")]


class CatalogueImport(models.Model):
    """A catalogue file uploaded for a producer: previewed, then applied as a whole (or never). Kept as the
    record of what was imported, by whom and when."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="imports", verbose_name=_("producer"))
    filename = models.CharField(_("file"), max_length=200)
    data = models.BinaryField()
    format = models.CharField(_("format"), max_length=10, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
