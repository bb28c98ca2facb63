"""Money pages: a household's account and invoices, the treasury (payments, invoices, bank statements,
exports, FEC) and who may see them."""

import datetime
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cabas.finance import services
from cabas.finance.models import FinanceSettings, Invoice, Payment
from cabas.members.models import Role, RoleKind

from .test_finance_rules import camt
from .test_finance_services import TODAY, closed_cycle


def treasurer(world):
    user = world.user("tresorerie@example.org", None)
    Role.objects.create(user=user, kind=RoleKind.TREASURER, club=world.club)
    return user


def test_a_member_reads_the_account_and_its_invoices_with_a_qr_code(world, login):
    FinanceSettings.objects.create(club=world.club, legal_name="GAC du Pays de Test", iban="FR7630006000011234567890189",
                                   bic="AGRIFRPP", reference_scheme="rf")
    cycle, *_ = closed_cycle(world)
    services.issue_invoices(cycle, date=TODAY)
    client = login(world.member_a1)
    page = client.get(reverse("account")).content.decode()
    assert "Vous devez 14,30" in page and "<svg" in page and "Clôture de Semaine 47" in page
    invoice = Invoice.objects.get(household=world.household_a1)
    response = client.get(reverse("invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    other = Invoice.objects.get(household=world.household_b1)
    assert client.get(reverse("invoice-pdf", args=[other.pk])).status_code == 404


def test_the_treasury_is_for_treasurers_and_club_coordinators(world, login):
    closed_cycle(world)
    url = reverse("treasury", args=[world.club.pk])
    for user in (world.member_a1, world.group_coordinator_a):
        assert login(user).get(url).status_code == 403
        assert login(user).post(reverse("payment-create", args=[world.club.pk]), {}).status_code == 403
    client = login(treasurer(world))
    assert client.get(reverse("treasury-home")).url == url
    page = client.get(url).content.decode()
    assert "Foyer Le Goff" in page and "14,30" in page


def test_recording_and_cancelling_a_payment_from_the_page(world, login):
    closed_cycle(world)
    client = login(treasurer(world))
    url = reverse("payment-create", args=[world.club.pk])
    base = {"party": f"h-{world.household_a1.pk}", "method": "cheque", "date": TODAY.isoformat(), "cheque_number": "42"}
    for bad in ({"amount": "0"}, {"amount": "-3"}, {"amount": "abc"}, {"amount": "5", "party": "h-99999999999999999999"},
                {"amount": "5", "party": "x-1"}, {"amount": "5", "date": "2999-01-01"}, {"amount": "5", "method": "bitcoin"}):
        response = client.post(url, {**base, **bad}, follow=True)
        assert response.status_code == 200
    assert not Payment.objects.exists()
    client.post(url, {**base, "amount": "14,30"})
    payment = Payment.objects.get()
    assert payment.amount == D("14.30") and services.household_balance(world.household_a1.pk) == 0
    client.post(reverse("payment-reverse", args=[world.club.pk, payment.pk]))
    assert services.household_balance(world.household_a1.pk) == D("14.30")
    response = client.post(reverse("payment-reverse", args=[world.club.pk, payment.pk]), follow=True)
    assert "déjà été annulée" in response.content.decode() or "already" in response.content.decode()


def test_issuing_invoices_importing_a_statement_and_confirming(world, login, run_tasks):
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", reference_scheme="rf")
    cycle, *_ = closed_cycle(world)
    client = login(treasurer(world))
    client.post(reverse("invoices-issue", args=[world.club.pk, cycle.pk]))
    assert Invoice.objects.count() == 2
    a1 = Invoice.objects.get(household=world.household_a1)
    upload = SimpleUploadedFile("releve.xml", camt(amount_1="14.30", reference_1=a1.reference, amount_2="5.20"))
    response = client.post(reverse("bank-import", args=[world.club.pk]), {"file": upload})
    assert response.status_code == 302  # checked at once, matched by the worker
    waiting = client.get(response.url)
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.content.decode()
    assert not Payment.objects.exists()
    run_tasks()
    done = client.get(response.url)
    assert done.status_code == 302
    page = client.get(done.url).content.decode()
    assert "payé par Foyer Le Goff" in page and "Confirmer" in page and "Relevé importé" in page
    again = client.post(reverse("bank-import", args=[world.club.pk]),
                        {"file": SimpleUploadedFile("x.xml", camt(amount_1="14.30", reference_1=a1.reference, amount_2="5.20"))})
    assert again.status_code == 400 and "déjà été importé" in again.content.decode()
    bad = client.post(reverse("bank-import", args=[world.club.pk]), {"file": SimpleUploadedFile("x.xml", b"<nope")})
    assert bad.status_code == 400 and "XML" in bad.content.decode()


def test_exports_and_fec(world, login):
    closed_cycle(world)
    client = login(treasurer(world))  # the journal and the FEC are the treasurers' (test_fund_confidentiality)
    journal = client.get(reverse("money-export", args=[world.club.pk, "journal", "csv"])).content.decode("utf-8-sig")
    assert journal.splitlines()[0].startswith("Numéro;Date;Journal") and "14,30" in journal
    xlsx = client.get(reverse("money-export", args=[world.club.pk, "balances", "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    fec = client.get(reverse("money-fec", args=[world.club.pk, datetime.date.today().year]))
    lines = fec.content.decode().splitlines()
    assert lines[0].split("\t")[:3] == ["JournalCode", "JournalLib", "EcritureNum"] and all(len(l.split("\t")) == 18 for l in lines)
    assert "FEC" in fec["Content-Disposition"]
    assert client.get(reverse("money-export", args=[world.club.pk, "secret", "csv"])).status_code == 404


def test_cheques_made_out_to_producers_and_the_producer_statement(world, login):
    from cabas.catalog.models import ProducerAccount

    cycle, *_ = closed_cycle(world)
    client = login(treasurer(world))
    client.post(reverse("payment-create", args=[world.club.pk]), {
        "party": f"h-{world.household_a1.pk}", "payee": world.bakery.pk, "amount": "10,40", "method": "cheque",
        "date": TODAY.isoformat(), "cash_on": "2026-12-05", "cheque_number": "778"})
    payment = Payment.objects.get()
    assert payment.payee == world.bakery and payment.cash_on == datetime.date(2026, 12, 5)
    assert services.household_balance(world.household_a1.pk) == D("3.90")  # 14.30 - 10.40
    assert payment.transaction.journal == "OD"  # no bank movement: the cheque goes to the producer
    client.post(reverse("payment-create", args=[world.club.pk]), {
        "party": f"h-{world.household_a1.pk}", "payee": world.bakery.pk, "amount": "1", "method": "cash", "date": TODAY.isoformat()})
    response = client.post(reverse("payment-create", args=[world.club.pk]), {
        "party": f"h-{world.household_a1.pk}", "payee": world.bakery.pk, "amount": "1", "method": "cheque",
        "date": TODAY.isoformat(), "cash_on": "le 5"}, follow=True)
    assert "encaissé" in response.content.decode()
    assert Payment.objects.count() == 1  # only a cheque can be made out to a producer; a bad cashing date is refused
    url = reverse("producer-statement", args=[cycle.pk, world.bakery.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    baker = world.user("fournil@example.org", None)
    ProducerAccount.objects.create(user=baker, producer=world.bakery)
    assert login(baker).get(url).status_code == 200
    assert login(baker).get(reverse("producer-statement", args=[cycle.pk, world.farm.pk])).status_code == 404
    assert login(world.member_a1).get(url).status_code == 404


def test_a_cycles_money_page_totals_households_and_producers(world, login):
    cycle, milk, bread = closed_cycle(world)
    services.issue_invoices(cycle, date=TODAY)
    url = reverse("cycle-money", args=[world.club.pk, cycle.pk])
    assert login(world.member_a1).get(url).status_code == 403
    page = login(world.coordinator).get(url).content.decode()
    assert "Foyers : 19,50\u00a0€" in page and "Producteurs : 19,50\u00a0€" in page  # 14.30 + 5.20, owed 3.90 + 15.60
    assert "Foyer Le Goff" in page and "Fournil du Bourg" in page and "19,50\u00a0€ facturés" in page
    open_cycle = world.open_cycle(name="Encore ouvert")
    assert login(world.coordinator).get(reverse("cycle-money", args=[world.club.pk, open_cycle.pk])).status_code == 404


def test_a_statement_sent_twice_before_the_worker_ran_is_refused_on_its_page(world, login, run_tasks):
    """Both files pass the check (neither is imported yet); the worker imports the first and records why the second
    was refused, which its page shows. Another club's treasurer never sees the upload."""
    from cabas.finance.models import StatementUpload

    FinanceSettings.objects.create(club=world.club, legal_name="GAC", reference_scheme="rf")
    client = login(treasurer(world))
    data = camt(amount_1="14.30", reference_1="RF00", amount_2="5.20")
    first = client.post(reverse("bank-import", args=[world.club.pk]), {"file": SimpleUploadedFile("a.xml", data)})
    second = client.post(reverse("bank-import", args=[world.club.pk]), {"file": SimpleUploadedFile("b.xml", data)})
    run_tasks()
    assert client.get(first.url).status_code == 302
    page = client.get(second.url)
    assert page.status_code == 200 and "déjà été importé" in page.content.decode()
    assert StatementUpload.objects.filter(data__isnull=True).count() == 2  # the files are dropped once read
    from cabas.members.models import Role, RoleKind

    other_club = world.other_club()[0]
    neighbour = world.user("tresor-voisin@example.org", None)
    Role.objects.create(user=neighbour, kind=RoleKind.TREASURER, club=other_club)
    client.force_login(neighbour)
    assert client.get(second.url).status_code in (403, 404)
