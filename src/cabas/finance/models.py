"""Money: a double-entry ledger per club (accounts, transactions, entries that are never changed),
invoices with gapless numbers, payments, bank statements. The rules are in ledger.py; the state changes
in services.py."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Producer
from cabas.distribution.models import Distribution
from cabas.members.models import Club, Household


class ImmutableError(Exception):
    pass


class PaymentMode(models.TextChoices):
    AT_DISTRIBUTION = "at_distribution", _("households pay at the distribution")
    PREPAID = "prepaid", _("households top up their account beforehand")


class ReferenceScheme(models.TextChoices):
    BELGIAN = "be", _("Belgian structured communication (+++123/4567/89012+++)")
    CREDITOR = "rf", _("ISO 11649 creditor reference (RF)")


class FinanceSettings(models.Model):
    """A club's money settings: who it is on an invoice, its bank account, how households pay."""

    club = models.OneToOneField(Club, on_delete=models.CASCADE, related_name="finance", verbose_name=_("club"))
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    siren = models.CharField(_("SIREN or RNA number"), max_length=20, blank=True)
    legal_mentions = models.TextField(
        _("legal mentions on invoices"), blank=True,
        default="Association loi 1901. TVA non applicable, art. 293 B du CGI, pour les services du club ; "
                "les produits sont facturés au prix TTC du producteur.",
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    reference_scheme = models.CharField(
        _("payment references"), max_length=2, choices=ReferenceScheme.choices, default=ReferenceScheme.CREDITOR
    )
    payment_mode = models.CharField(_("payment"), max_length=20, choices=PaymentMode.choices, default=PaymentMode.AT_DISTRIBUTION)
    minimum_balance = models.DecimalField(
        _("lowest balance of a prepaid account"), max_digits=10, decimal_places=2, default=Decimal("0.00"),
        help_text=_("0: a household orders only what it has topped up; -20: it may go 20 € below."),
    )
    suggested_contribution = models.DecimalField(
        _("suggested solidarity contribution (%)"), max_digits=4, decimal_places=2, default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("What the account page suggests to households on the standard tariff; each chooses."),
    )
    guarantee_percent = models.DecimalField(
        _("guarantee fund contribution (% of orders)"), max_digits=4, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    guarantee_per_cycle = models.DecimalField(
        _("guarantee fund contribution per cycle (€)"), max_digits=8, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Shared among the cycle's households in proportion to their orders."),
    )

    class Meta:
        verbose_name = _("money settings")
        verbose_name_plural = _("money settings")

    def __str__(self) -> str:
        return self.legal_name


class AccountKind(models.TextChoices):
    HOUSEHOLD = "household", _("household")
    PRODUCER = "producer", _("producer")
    BANK = "bank", _("bank")
    CASH = "cash", _("cash")
    OPERATIONS = "operations", _("operations")
    FEES = "fees", _("membership fees")
    TRANSPORT = "transport", _("transport pool")
    SOLIDARITY = "solidarity", _("solidarity fund")
    GUARANTEE = "guarantee", _("guarantee fund")
    VAT = "vat", _("VAT collected")
    DEPOSITS = "deposits", _("container deposits held")
    ADVANCES = "advances", _("subscriptions paid in advance")


# The club's own accounts, with their French chart-of-accounts numbers (plan comptable associatif).
CLUB_ACCOUNTS = {
    AccountKind.BANK: ("512000", "Banque"),
    AccountKind.CASH: ("530000", "Caisse"),
    AccountKind.OPERATIONS: ("758000", "Produits divers de gestion courante"),
    AccountKind.FEES: ("756000", "Cotisations"),
    AccountKind.TRANSPORT: ("624100", "Transports mutualisés"),
    AccountKind.SOLIDARITY: ("467100", "Caisse de solidarité"),
    AccountKind.GUARANTEE: ("467200", "Fonds de garantie"),
    AccountKind.VAT: ("445710", "TVA collectée"),
    # what the club owes back for the returnable containers households hold (4196, clients : emballages consignés)
    AccountKind.DEPOSITS: ("419600", "Consignations reçues (emballages)"),
    # subscriptions' instalments called before their baskets are billed (4191, clients : avances et acomptes reçus)
    AccountKind.ADVANCES: ("419100", "Abonnements : acomptes reçus"),
}
HOUSEHOLD_CODE, PRODUCER_CODE = "411000", "401000"


class Account(models.Model):
    """A ledger account of a club: one per household (clients, 411), one per producer (suppliers, 401),
    and the club's own (bank, cash, funds…). Its balance is the sum of its entries."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("club"))
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    code = models.CharField(_("account number"), max_length=10)
    auxiliary = models.CharField(_("auxiliary account"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)
    household = models.OneToOneField(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="account")
    producer = models.OneToOneField(Producer, on_delete=models.PROTECT, null=True, blank=True, related_name="account")

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["club", "code", "auxiliary"]
        constraints = [
            models.UniqueConstraint(fields=["club", "code", "auxiliary"], name="account_unique_number"),
            models.CheckConstraint(
                condition=(Q(kind="household", household__isnull=False, producer__isnull=True)
                           | Q(kind="producer", producer__isnull=False, household__isnull=True)
                           | (~Q(kind__in=["household", "producer"]) & Q(household__isnull=True, producer__isnull=True))),
                name="account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}{' ' + self.auxiliary if self.auxiliary else ''} {self.name}"


class Journal(models.TextChoices):
    SALES = "VE", _("sales")
    BANK = "BQ", _("bank")
    CASH = "CA", _("cash")
    MISC = "OD", _("miscellaneous")


class Sequence(models.Model):
    """A gapless counter per club (ledger transactions, invoices), taken under a row lock."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=20)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["club", "name"], name="sequence_unique")]


class LedgerTransaction(models.Model):
    """A balanced set of entries, numbered without gaps per club. Never changed: a correction is another
    transaction, a reversal the same entries negated (at most once)."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="transactions")
    number = models.PositiveBigIntegerField(_("number"))
    journal = models.CharField(_("journal"), max_length=2, choices=Journal.choices)
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=200)
    piece = models.CharField(_("voucher"), max_length=40, blank=True)
    key = models.CharField(max_length=80, null=True, blank=True)  # what posted it, so it never posts twice
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["club", "number"]
        constraints = [
            models.UniqueConstraint(fields=["club", "number"], name="transaction_unique_number"),
            models.UniqueConstraint(fields=["club", "key"], name="transaction_unique_key"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableError("a ledger transaction is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("a ledger transaction is never deleted")


def to_cents(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01")) * 100)


def from_cents(cents) -> Decimal:
    """Euros from a number (or a database sum) of cents; 0.00 for none."""
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))


class Entry(models.Model):
    """One line of a transaction: an amount on an account, debit positive, credit negative, stored as a
    whole number of cents (so every database adds them up exactly). Written once with its transaction
    (bulk), never updated or deleted (the database refuses it too)."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [models.CheckConstraint(condition=~Q(cents=0), name="entry_not_zero")]
        indexes = [models.Index(fields=["account", "transaction"], name="entry_account")]

    @property
    def amount(self) -> Decimal:
        return from_cents(self.cents)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("an entry is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("an entry is never deleted")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    CREDIT_NOTE = "credit_note", _("credit note")


class Invoice(models.Model):
    """A household's invoice for a cycle (or a credit note cancelling one), numbered without gaps per club.
    Its lines are copied in when it is issued: it never changes afterwards."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="invoices")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="invoices")
    cycle = models.ForeignKey("ordering.OrderCycle", on_delete=models.PROTECT, related_name="invoices")
    issued_on = models.DateField(_("issued on"))
    lines = models.JSONField(default=list)  # [{name, producer, quantity, unit, unit_price, vat_rate, amount}]
    amount_incl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    amount_excl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.JSONField(default=list)  # [[rate, excl, vat, incl], …] as strings
    # what the funds change in what the household pays, outside VAT: [{label, amount}] (a solidarity
    # discount paid by the fund is negative, a contribution positive); then the deposits of the returnable
    # containers received, also outside VAT: [{label, amount, kind: "deposit"}]
    fund_lines = models.JSONField(default=list)
    reference = models.CharField(_("payment reference"), max_length=40)
    corrects = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["club", "number"]
        constraints = [models.UniqueConstraint(fields=["club", "number"], name="invoice_unique_number")]

    @property
    def display_number(self) -> str:
        return f"{self.issued_on.year}-{self.number:06d}"

    @property
    def has_fund_lines(self) -> bool:
        """Lines of the funds among the lines outside VAT (the others are containers' deposits)."""
        return any(line.get("kind") != "deposit" for line in self.fund_lines)

    @property
    def has_deposit_lines(self) -> bool:
        return any(line.get("kind") == "deposit" for line in self.fund_lines)

    @property
    def amount_due(self) -> Decimal:
        """What the household pays: the goods at full price, plus or minus the funds' lines."""
        return self.amount_incl_vat + sum((Decimal(line["amount"]) for line in self.fund_lines), Decimal("0.00"))


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("cash")
    CHEQUE = "cheque", _("cheque")
    TRANSFER = "transfer", _("bank transfer")
    CARD = "card", _("card")


class Payment(models.Model):
    """Money received from a household or paid to a producer, with its ledger transaction."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="payments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    date = models.DateField(_("date"))
    cheque_number = models.CharField(_("cheque number"), max_length=30, blank=True)
    cash_on = models.DateField(_("to be cashed on"), null=True, blank=True,
                               help_text=_("For a cheque given in advance (an instalment): when it may be cashed."))
    payee = models.ForeignKey(
        Producer, on_delete=models.PROTECT, null=True, blank=True, related_name="cheques_received",
        verbose_name=_("made out to the producer"),
        help_text=_("The AMAP habit: a household's cheque made out to the producer, handed over by the club."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("taken at the distribution"),
    )
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="payment")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["club", "-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(condition=Q(household__isnull=True) ^ Q(producer__isnull=True), name="payment_one_party"),
        ]


class CashCount(models.Model):
    """The cash counted in a depot's box at the end of a distribution, beside what the cash payments recorded
    there say it should hold. It writes nothing in the ledger: a difference is for the treasurer to look into.
    A recount is another row; the latest is the one that counts."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="cash_counts",
                                     verbose_name=_("distribution"))
    counted = models.DecimalField(_("cash counted"), max_digits=12, decimal_places=2)
    expected = models.DecimalField(_("cash expected"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                           verbose_name=_("counted by"))
    at = models.DateTimeField(_("counted at"), default=timezone.now)

    class Meta:
        verbose_name = _("cash count")
        verbose_name_plural = _("cash counts")
        ordering = ["-at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(counted__gte=0), name="cash_count_not_negative")]

    @property
    def difference(self) -> Decimal:
        """Counted less expected: negative when cash is missing."""
        return self.counted - self.expected


class BankStatement(models.Model):
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="bank_statements")
    fingerprint = models.CharField(max_length=64)
    source_id = models.CharField(max_length=140, blank=True)
    filename = models.CharField(max_length=200)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["club", "fingerprint"], name="statement_unique_file"),
            models.UniqueConstraint(fields=["club", "source_id"], condition=~Q(source_id=""), name="statement_unique_id"),
        ]


class BankLineStatus(models.TextChoices):
    MATCHED = "matched", _("matched")
    SUGGESTED = "suggested", _("to confirm")
    UNMATCHED = "unmatched", _("unmatched")


class BankLine(models.Model):
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    index = models.PositiveIntegerField()
    date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    name = models.CharField(max_length=200, blank=True)
    text = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=40, blank=True)
    bank_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=BankLineStatus.choices)
    suggested = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_line")

    class Meta:
        ordering = ["statement", "index"]


class TariffCategory(models.Model):
    """A tariff of the club: standard (0 %), solidarity −30 %, −50 %… The discount is paid by the
    solidarity fund; the producer always receives the full price."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="tariff_categories", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=100)
    discount_rate = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("tariff category")
        verbose_name_plural = _("tariff categories")
        ordering = ["club", "discount_rate", "name"]
        constraints = [
            models.UniqueConstraint(fields=["club", "name"], name="tariff_category_unique_name"),
            models.CheckConstraint(condition=Q(discount_rate__gte=0) & Q(discount_rate__lt=100), name="tariff_discount_range"),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdTariff(models.Model):
    """A household's solidarity tariff, with the date it is to be reviewed. Confidential: shown only to
    the club's solidarity referents and to the household itself, never on lists or to other members."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="tariff")
    category = models.ForeignKey(TariffCategory, on_delete=models.PROTECT, related_name="households")
    review_on = models.DateField(_("review on"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("household tariff")
        verbose_name_plural = _("household tariffs")


class ContributionMode(models.TextChoices):
    PERCENT = "percent", _("a percentage of my orders")
    ROUND_UP = "round_up", _("rounding my orders up to the euro")


class SolidarityPledge(models.Model):
    """A household's own choice to add a solidarity contribution to its orders (optional; none without a
    row). Only households on the standard tariff contribute."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="solidarity_pledge")
    mode = models.CharField(_("contribution"), max_length=10, choices=ContributionMode.choices)
    percent = models.DecimalField(_("percentage"), max_digits=4, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("solidarity contribution")
        verbose_name_plural = _("solidarity contributions")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=20), name="pledge_percent_range"),
        ]


class CycleFunds(models.Model):
    """What a closed cycle took from and gave to the funds, as the last closing or reception computed it:
    the record of a scaling when the solidarity fund could not cover every discount."""

    cycle = models.OneToOneField("ordering.OrderCycle", on_delete=models.CASCADE, related_name="funds")
    fund_before = models.DecimalField(max_digits=12, decimal_places=2)
    wanted = models.DecimalField(max_digits=12, decimal_places=2)  # the discounts the tariffs give
    discounts = models.DecimalField(max_digits=12, decimal_places=2)  # what the fund paid
    contributions = models.DecimalField(max_digits=12, decimal_places=2)
    guarantee = models.DecimalField(max_digits=12, decimal_places=2)
    factor = models.DecimalField(max_digits=9, decimal_places=6)
    households_helped = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cycle's funds")
        verbose_name_plural = _("cycles' funds")

    @property
    def scaled(self) -> bool:
        return self.factor < 1

    @property
    def percent(self) -> Decimal:
        """The share of each discount that was given, in percent (one decimal, rounded down)."""
        return (self.factor * 100).quantize(Decimal("0.1"), rounding="ROUND_DOWN")


class FundShare(models.Model):
    """One household's part in a cycle's funds: the discount its tariff wanted, the discount the fund paid,
    and its solidarity and guarantee contributions. Confidential like the tariff."""

    cycle = models.ForeignKey("ordering.OrderCycle", on_delete=models.CASCADE, related_name="fund_shares")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="fund_shares")
    discount_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    wanted = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    contribution = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    guarantee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "household"], name="fund_share_unique")]

    @property
    def net(self) -> Decimal:
        """What the funds change in what the household pays (negative: it pays less)."""
        return self.contribution + self.guarantee - self.discount


class FundMovementKind(models.TextChoices):
    DONATION = "donation", _("donation")
    GRANT = "grant", _("grant")
    PAYOUT = "payout", _("payout to a producer")
    FEE = "fee", _("membership fee paid by the fund")


class FundMovement(models.Model):
    """Why money entered or left a fund outside the cycles (whose part is in CycleFunds): a donation, a
    grant, a payout, a fee the fund paid. The ledger transaction holds the amounts; this says what it was,
    for the yearly report."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="fund_movements")
    fund = models.CharField(max_length=12, choices=[(AccountKind.SOLIDARITY, AccountKind.SOLIDARITY.label),
                                                    (AccountKind.GUARANTEE, AccountKind.GUARANTEE.label)])
    kind = models.CharField(max_length=10, choices=FundMovementKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # positive: into the fund
    date = models.DateField()
    label = models.CharField(max_length=200)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="fund_movement")

    class Meta:
        ordering = ["club", "date", "pk"]


class StatementUpload(models.Model):
    """A bank statement file as the treasurer sent it, waiting for the task queue's worker to match its lines
    (a year of lines takes longer than a request should). Checked before it is queued (format, dates, not
    imported before); the file is dropped once read."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="statement_uploads")
    filename = models.CharField(max_length=200)
    data = models.BinaryField(null=True, editable=False)
    columns = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    statement = models.ForeignKey(BankStatement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.CharField(max_length=500, blank=True)
    matched = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bank statement upload")
        verbose_name_plural = _("bank statement uploads")
