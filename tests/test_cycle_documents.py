"""Everything to print or send in one click: all of a closed cycle's order sheets and picking lists in one ZIP
(PDF and CSV), and each producer's order sheet e-mailed to the producer from the cycle page."""

import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.text import slugify

from cabas.flows import close_cycle, save_order
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer


@pytest.fixture
def closed(world):
    cycle = world.open_cycle()
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "2", offers[world.bread.pk]: "1"})
    save_order(cycle=cycle, household=world.household_b1, quantities={offers[world.carrots.pk]: "1,5"})
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    return cycle


def test_the_bundle_holds_every_sheet_and_list_as_pdf_and_csv(world, closed, client, run_tasks):
    """The ZIP is prepared by the worker: asking answers at once, the page says it is being prepared and refreshes,
    then offers it."""
    run_tasks()  # the closing's own e-mails
    client.force_login(world.coordinator)
    page = reverse("cycle-documents", args=[closed.pk])
    assert "Préparer le ZIP" in client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert client.get(reverse("cycle-documents-file", args=[closed.pk])).status_code == 404  # nothing prepared yet
    assert client.post(page).status_code == 302
    waiting = client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "en préparation" in waiting and 'http-equiv="refresh"' in waiting
    run_tasks()
    ready = client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "8 fichiers" in ready and 'http-equiv="refresh"' not in ready
    response = client.get(reverse("cycle-documents-file", args=[closed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="documents-' in response["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(bundle.namelist())
    assert names == sorted([
        "bons-de-commande/bon-de-commande-ferme-de-la-pree.csv", "bons-de-commande/bon-de-commande-ferme-de-la-pree.pdf",
        "bons-de-commande/bon-de-commande-fournil-du-bourg.csv", "bons-de-commande/bon-de-commande-fournil-du-bourg.pdf",
        f"listes-de-distribution/liste-de-distribution-{slugify(world.group_a.name)}.csv",
        f"listes-de-distribution/liste-de-distribution-{slugify(world.group_a.name)}.pdf",
        f"listes-de-distribution/liste-de-distribution-{slugify(world.group_b.name)}.csv",
        f"listes-de-distribution/liste-de-distribution-{slugify(world.group_b.name)}.pdf",
    ])
    for name in names:
        content = bundle.read(name)
        assert content.startswith(b"%PDF") if name.endswith(".pdf") else content.startswith("\ufeff".encode())
    farm_csv = bundle.read("bons-de-commande/bon-de-commande-ferme-de-la-pree.csv").decode("utf-8-sig")
    assert "Lait cru" in farm_csv and "Carottes" in farm_csv and "Pain" not in farm_csv


def test_the_bundle_is_for_the_clubs_coordinators_after_closing(world, closed, client):
    url = reverse("cycle-documents", args=[closed.pk])
    client.force_login(world.group_coordinator_a)
    assert client.get(url).status_code == 403
    client.force_login(world.member_a1)
    assert client.get(url).status_code == 403
    other = world.other_club()[0]
    neighbour = world.user("voisin@example.org", None)
    Role.objects.create(user=neighbour, kind=RoleKind.CLUB_COORDINATOR, club=other)
    client.force_login(neighbour)
    assert client.get(url).status_code == 404
    open_cycle = world.open_cycle(name="Semaine suivante")
    client.force_login(world.coordinator)
    assert client.get(reverse("cycle-documents", args=[open_cycle.pk])).status_code == 404
    for who in (world.group_coordinator_a, world.member_a1):
        client.force_login(who)
        assert client.post(url).status_code == 403
        assert client.get(reverse("cycle-documents-file", args=[closed.pk])).status_code == 403


def test_each_producer_with_an_address_gets_its_sheet_by_email(world, closed, client, run_tasks):
    world.farm.email = "ferme@example.org"
    world.farm.save()
    run_tasks()  # the closing's own e-mails (households, coordinators)
    mail.outbox.clear()
    client.force_login(world.coordinator)
    url = reverse("send-producer-sheets", args=[closed.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.status_code == 200 and mail.outbox == []  # the worker renders and sends
    assert run_tasks() == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ferme@example.org"] and closed.name in email.subject
    assert sorted(name for name, _content, _type in email.attachments) == [
        "bon-de-commande-ferme-de-la-pree.csv", "bon-de-commande-ferme-de-la-pree.pdf"]
    page = response.content.decode()
    assert "1 producteur va recevoir son bon de commande" in page
    assert "Fournil du Bourg" in page  # no address: named, to download instead


def test_sending_is_for_the_clubs_coordinators(world, closed, client, run_tasks):
    world.farm.email = "ferme@example.org"
    world.farm.save()
    run_tasks()  # the closing's own e-mails
    mail.outbox.clear()
    client.force_login(world.group_coordinator_a)
    assert client.post(reverse("send-producer-sheets", args=[closed.pk])).status_code == 403
    assert run_tasks() == 0 and mail.outbox == []


def test_the_cycle_page_offers_both(world, closed, client):
    client.force_login(world.coordinator)
    page = client.get(reverse("cycle-detail", args=[closed.pk])).content.decode()
    assert reverse("cycle-documents", args=[closed.pk]) in page
    assert reverse("send-producer-sheets", args=[closed.pk]) in page
