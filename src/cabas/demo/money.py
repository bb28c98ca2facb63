"""The demo club's money. Before the cycles close (`seed_solidarity`): the settings with a bank account,
solidarity tariffs, households' contributions and the funds' first money. Once they are closed
(`seed_money`): a treasurer, invoices for both closed cycles, a short delivery corrected by credit notes,
payments from households (cheques, cash, transfers) and to producers, and a cancelled payment.
Everything goes through the services, so `cabas ledger-check` passes on the demo."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import Sum

from cabas.catalog.models import Producer
from cabas.members.models import Club, Role, RoleKind, User
from cabas.ordering.models import OfferOutcome, OrderCycle
from cabas.flows import record_deliveries

from cabas.finance import services
from cabas.finance.models import Entry, FinanceSettings, Invoice, SolidarityPledge, TariffCategory, from_cents

TREASURER_EMAIL = "tresorerie@example.org"
SOLIDARITY_EMAIL = "solidarite@example.org"


def seed_solidarity(*, club: Club, households, featured, password: str, rng: random.Random, today: datetime.date) -> None:
    """Before the demo's cycles close: the money settings (with a guarantee contribution of 1 % of orders),
    two solidarity tariffs given to six households by a solidarity referent, households' own contributions,
    a donation and a grant to the solidarity fund, a grant to the guarantee fund."""

    FinanceSettings.objects.create(
        club=club, legal_name=club.name, address="Maison des associations, 6 cours des Alliés, 35000 Rennes",
        siren="W353012345", iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP", reference_scheme="rf",
        guarantee_percent=Decimal("1.00"), suggested_contribution=Decimal("2.00"),
    )
    referent = User.objects.create(email=SOLIDARITY_EMAIL, first_name="Gwenola", last_name="Tanguy", password=password)
    Role.objects.create(user=referent, kind=RoleKind.SOLIDARITY, club=club)
    minus_30 = TariffCategory.objects.create(club=club, name="Solidaire −30 %", discount_rate=Decimal("30"))
    minus_50 = TariffCategory.objects.create(club=club, name="Solidaire −50 %", discount_rate=Decimal("50"))
    others = [h for h in households if h not in featured]
    helped = [featured[1], *rng.sample(others, 5)]  # one demo member sees a tariff on their account page
    for i, household in enumerate(helped):
        services.assign_tariff(club=club, household_id=household.pk, category_id=(minus_50 if i % 3 == 0 else minus_30).pk,
                               review_on=today + datetime.timedelta(days=60 + 30 * i), by_user=referent, today=today)
    contributors = rng.sample([h for h in others if h not in helped], 12)
    SolidarityPledge.objects.bulk_create(
        SolidarityPledge(household=h, mode="round_up" if i % 2 else "percent", percent=Decimal("0") if i % 2 else Decimal("2"))
        for i, h in enumerate(contributors)
    )
    day = today - datetime.timedelta(days=35)
    services.receive_for_fund(club=club, fund="solidarity", amount="120", method="cheque", origin="donation",
                              source="Don de l'AMAP du Thabor", date=day, by_user=referent)
    services.receive_for_fund(club=club, fund="solidarity", amount="300", method="transfer", origin="grant",
                              source="CCAS de Rennes", date=day, by_user=referent)
    services.receive_for_fund(club=club, fund="guarantee", amount="800", method="transfer", origin="grant",
                              source="Région Bretagne, fonds pour l'agriculture paysanne", date=day, by_user=referent)


def seed_money(*, club: Club, older: OrderCycle, past: OrderCycle, coordinator: User, password: str, rng: random.Random,
               today: datetime.date) -> None:
    treasurer = User.objects.create(email=TREASURER_EMAIL, first_name="Maïwenn", last_name="Riou", password=password)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=club)

    # The older cycle: invoiced, then paid by nearly everyone; its producers are paid.
    services.issue_invoices(older, date=today - datetime.timedelta(days=20))
    methods = ["cheque", "cheque", "transfer", "cash", "card"]
    for invoice in Invoice.objects.filter(cycle=older).select_related("household__group").order_by("number"):
        if rng.random() < 0.9:
            services.record_payment(club=club, household=invoice.household, amount=invoice.amount_due,
                                    method=rng.choice(methods), date=today - datetime.timedelta(days=rng.randint(12, 19)),
                                    cheque_number=str(rng.randint(1000000, 9999999)), by_user=treasurer)
    producers = {p.pk: p for p in Producer.objects.filter(club=club)}
    for producer_id, amount in _producer_dues(older).items():
        services.record_payment(club=club, producer=producers[producer_id], amount=amount, method="transfer",
                                date=today - datetime.timedelta(days=10), by_user=treasurer)

    # The last cycle, invoiced at closing; then the bakery delivered less bread than ordered: the
    # invoices concerned are cancelled by credit notes and issued again.
    services.issue_invoices(past, date=today - datetime.timedelta(days=7))
    outcome = OfferOutcome.objects.filter(offer__cycle=past, offer__name="Pain de campagne au levain").first()
    if outcome is not None and outcome.allocated > 2:
        record_deliveries(past.pk, {outcome.offer_id: outcome.allocated - 2})
    services.issue_invoices(past, date=today - datetime.timedelta(days=6))
    for invoice in Invoice.objects.filter(cycle=past, kind="invoice", corrected_by__isnull=True).select_related("household__group"):
        if rng.random() < 0.5:
            services.record_payment(club=club, household=invoice.household, amount=invoice.amount_due,
                                    method=rng.choice(methods), date=today - datetime.timedelta(days=rng.randint(1, 5)),
                                    by_user=treasurer)
    # A cheque recorded twice by mistake, cancelled by a reversing entry.
    first = Invoice.objects.filter(cycle=past, kind="invoice", corrected_by__isnull=True).select_related("household__group").first()
    if first is not None:
        mistake = services.record_payment(club=club, household=first.household, amount=Decimal("12.50"), method="cheque",
                                          date=today - datetime.timedelta(days=2), cheque_number="0000001", by_user=treasurer)
        services.reverse(transaction_id=mistake.transaction_id, club=club, by_user=treasurer, date=today - datetime.timedelta(days=1))
    _import_bank_statement(club=club, past=past, treasurer=treasurer, today=today)


def _import_bank_statement(*, club: Club, past: OrderCycle, treasurer: User, today: datetime.date) -> None:
    """Yesterday's bank statement, imported: two transfers with their invoice's reference (recorded), one with the
    household's name and the amount it owes but no reference (for the treasurer to confirm), a gift from someone
    unknown, and the bank's fee."""
    owed = {d.key: d for d in services.open_debtors(club) if d.owed > 0}
    invoices = [i for i in Invoice.objects.filter(cycle=past, kind="invoice", corrected_by__isnull=True,
                                                  household_id__in=owed).select_related("household").order_by("number")]
    if len(invoices) < 3:
        return
    day = (today - datetime.timedelta(days=1)).strftime("%d/%m/%Y")

    def amount(value: Decimal) -> str:
        return f"{value:.2f}".replace(".", ",")

    rows = ["Date;Montant;Contrepartie;Communication"]
    for invoice in invoices[:2]:
        rows.append(f"{day};{amount(owed[invoice.household_id].owed)};{invoice.household.name.upper()};"
                    f"Virement GAC {invoice.reference}")
    third = invoices[2]
    rows.append(f"{day};{amount(owed[third.household_id].owed)};{third.household.name};Courses du groupement")
    rows.append(f"{day};25,00;M. ou Mme Jégou;Don pour la caisse de solidarité")
    rows.append(f"{day};-4,20;Crédit Mutuel de Bretagne;Frais de tenue de compte")
    services.import_statement(club=club, data="\n".join(rows).encode(), filename="releve-demo.csv", by_user=treasurer)


def _producer_dues(cycle: OrderCycle) -> dict[int, Decimal]:
    rows = (Entry.objects.filter(transaction__key__startswith=services.cycle_key(cycle.pk), account__producer__isnull=False,
                                 transaction__club_id=cycle.club_id)
            .values_list("account__producer_id").annotate(t=Sum("cents")))
    return {producer_id: -from_cents(total) for producer_id, total in rows if total and total < 0}
