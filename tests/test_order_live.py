"""The order page tells the truth while a member types: the live preview pools what is typed with what the other
households ordered (packs, threshold, supply), marks a quantity above the per-household limit or off the step,
saves nothing, reads only pooled totals, in a constant number of queries; the catalogue can be searched."""

import re
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cabas.catalog.models import Product, Unit
from cabas.flows import save_order
from cabas.ordering import allocation
from cabas.ordering.models import LineChange, Offer, OrderLine

NBSP = "\u00a0"


def bread_in_packs(world, **rules):
    """Bread by the piece, in packs of 6 (a baker's tray), with the rules given."""
    world.bread.pack_size = D(6)
    world.bread.save()
    cycle = world.open_cycle()
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    if rules:
        Offer.objects.filter(pk=bread.pk).update(**rules)
        bread.refresh_from_db()
    return cycle, bread


def preview(client, cycle, data):
    return client.post(reverse("order-total", args=[cycle.pk]), data)


def fragment_of(html, element_id):
    """The element of that id in an answer (one level: the fragments have no nested element of the same tag)."""
    match = re.search(rf'<div[^>]*id="{element_id}"[^>]*>.*?</div>\s*(?=<div[^>]*id=|$)', html, re.S)
    assert match, f"no #{element_id} in\n{html}"
    return match.group(0)


def text(html):
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()  # keeps the no-break spaces


# --- the pure part ----------------------------------------------------------------------------------


def test_progress_with_a_typed_request_replacing_the_saved_one():
    rules = allocation.ProductRules("bread", pack_size=D(6), step=D(1), per_household_cap=D(4), supply_cap=D(10))
    p = allocation.progress_with(rules, (D(0), D(0)), (D(3), D(0)))
    assert (p.packs, p.missing_for_next_pack, p.unfilled) == (0, 3, 3)
    p = allocation.progress_with(rules, (D(5), D(0)), (D(1), D(0)))
    assert (p.packs, p.missing_for_next_pack, p.unfilled) == (1, 0, 0)
    # above the cap, the closing serves the cap: the pooled figures count the cap
    p = allocation.progress_with(rules, (D(8), D(0)), (D(9), D(2)))
    assert p.quantity == 12 and p.oversubscribed and p.supply_left == 0
    assert allocation.exceeds_household_cap(rules, D(5)) and not allocation.exceeds_household_cap(rules, D(4))
    threshold = allocation.ProductRules("milk", step=D("0.5"), min_total=D(10))
    p = allocation.progress_with(threshold, (D(4), D(1)), (D("2.5"), D(0)))
    assert not p.reaches_threshold and p.missing_for_threshold == D("2.5")


# --- the preview ------------------------------------------------------------------------------------


def test_the_preview_counts_what_is_typed_not_yet_saved(world, login):
    cycle, bread = bread_in_packs(world)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "5"})
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "2"})
    client = login(world.member_a1)
    before = LineChange.objects.count()
    # the household's saved 5 is replaced by the 1 typed: 2 + 1 = 3 of a tray of 6
    html = preview(client, cycle, {f"q-{bread.pk}": "1"}).content.decode()
    progress = text(fragment_of(html, f"progress-{bread.pk}"))
    assert "0 colis complet" in progress and f"encore 3{NBSP}pièces pour compléter le suivant" in progress
    assert f"Colis incomplet : sans 3{NBSP}pièces de plus, la commande s’arrête aux colis complets (3{NBSP}pièces en moins)" \
        in progress
    assert 'class="warn"' in fragment_of(html, f"progress-{bread.pk}")
    assert "pas encore enregistré" in text(fragment_of(html, "order-total"))
    # typing 4 fills the tray: no more warning
    html = preview(client, cycle, {f"q-{bread.pk}": "4"}).content.decode()
    progress = fragment_of(html, f"progress-{bread.pk}")
    assert "1 colis complet" in text(progress) and "warn" not in progress
    # nothing was saved
    assert LineChange.objects.count() == before
    assert OrderLine.objects.get(order__household=world.household_a1, offer=bread).quantity == 5


def test_the_tolerance_typed_counts_towards_the_pack(world, login):
    cycle, bread = bread_in_packs(world)
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "4"})
    html = preview(login(world.member_a1), cycle, {f"q-{bread.pk}": "1", f"t-{bread.pk}": "1"}).content.decode()
    assert "1 colis complet" in text(fragment_of(html, f"progress-{bread.pk}"))
    assert f'id="t-{bread.pk}-note"' in html


def test_an_oversubscribed_product_is_said_so_in_a_warning_not_as_stock_left(world, login):
    cycle, bread = bread_in_packs(world, pack_size=None, supply_cap=D(12))
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "10"})
    client = login(world.member_a1)
    html = preview(client, cycle, {f"q-{bread.pk}": "4"}).content.decode()
    progress = fragment_of(html, f"progress-{bread.pk}")
    assert f"Trop de demandes : 14{NBSP}pièces pour 12{NBSP}pièces disponibles ; les commandes pourront être rationnées" \
        in text(progress)
    assert 'class="warn"' in progress and "reste" not in progress
    html = preview(client, cycle, {f"q-{bread.pk}": "2"}).content.decode()
    assert "Toute la quantité disponible" in text(fragment_of(html, f"progress-{bread.pk}"))
    html = preview(client, cycle, {f"q-{bread.pk}": "1"}).content.decode()
    progress = fragment_of(html, f"progress-{bread.pk}")
    assert f"reste 1{NBSP}pièce" in text(progress) and "warn" not in progress


def test_the_threshold_says_what_is_missing(world, login):
    cycle, bread = bread_in_packs(world, pack_size=None, min_total=D(10))
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "4"})
    html = preview(login(world.member_a1), cycle, {f"q-{bread.pk}": "3"}).content.decode()
    progress = text(fragment_of(html, f"progress-{bread.pk}"))
    assert f"Seuil : 7{NBSP}pièces commandés sur 10{NBSP}pièces · il manque 3{NBSP}pièces, sinon le produit n’est pas commandé" \
        in progress


def test_the_limit_per_household_is_shown_and_a_quantity_above_it_is_red(world, login):
    cycle, bread = bread_in_packs(world, pack_size=None, per_household_cap=D(4))
    client = login(world.member_a1)
    page = client.get(reverse("order", args=[cycle.pk])).content.decode()
    assert f"limite 4{NBSP}pièces par foyer" in page
    assert "Vérifiez les quantités en rouge" not in page
    html = preview(client, cycle, {f"q-{bread.pk}": "5"}).content.decode()
    note = fragment_of(html, f"q-{bread.pk}-note")
    assert "field-error" in note and 'hx-swap-oob="true"' in note
    assert f"Pain de campagne : 4{NBSP}pièces au plus par foyer" in text(note)
    assert "Vérifiez les quantités en rouge" in text(fragment_of(html, "order-total"))
    # back under the limit: the message is cleared, the summary gone
    html = preview(client, cycle, {f"q-{bread.pk}": "4"}).content.decode()
    assert text(fragment_of(html, f"q-{bread.pk}-note")) == "" and "field-error" not in fragment_of(html, f"q-{bread.pk}-note")
    assert "Vérifiez les quantités en rouge" not in html


def test_a_quantity_off_the_step_is_red_at_once_and_the_others_still_count(world, login):
    cycle, bread = bread_in_packs(world)
    milk = Offer.objects.get(cycle=cycle, product=world.milk)  # by the half litre
    client = login(world.member_a1)
    response = preview(client, cycle, {f"q-{milk.pk}": "1,2", f"q-{bread.pk}": "2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "commandez par multiples de 0,5" in text(fragment_of(html, f"q-{milk.pk}-note"))
    assert text(fragment_of(html, f"q-{bread.pk}-note")) == ""
    total = text(fragment_of(html, "order-total"))
    assert "Vérifiez les quantités en rouge" in total and "10,40" in total  # the bread, 2 × 5.20


def test_the_preview_shows_only_pooled_totals_never_another_households_order(world, login):
    cycle, bread = bread_in_packs(world, per_household_cap=D(4))
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "9"})  # above the limit
    html = preview(login(world.member_a1), cycle, {f"q-{bread.pk}": "1"}).content.decode()
    assert "Bernard" not in html and "b1@example.org" not in html
    # B1's quantity above the limit is B1's business: A1 sees no red, only the pooled figures (capped: 4 + 1)
    assert "field-error" not in html and "Vérifiez" not in html
    progress = text(fragment_of(html, f"progress-{bread.pk}"))
    assert "0 colis complet" in progress and f"(5{NBSP}pièces en moins)" in progress  # 4 + 1 of 6, not 9 + 1
    # a field naming an offer of another cycle is ignored, not echoed, and tells nothing of that cycle
    other = world.open_cycle(name="Semaine 48")
    other_bread = Offer.objects.get(cycle=other, product=world.bread)
    save_order(cycle=other, household=world.household_b1, quantities={other_bread.pk: "3"})
    html = preview(login(world.member_a1), cycle, {f"q-{bread.pk}": "1", f"q-{other_bread.pk}": "2"}).content.decode()
    assert f"q-{other_bread.pk}" not in html and f"progress-{other_bread.pk}" not in html


def test_the_preview_of_another_clubs_cycle_is_not_found(world, login):
    cycle, _bread = bread_in_packs(world)
    _, _, household, _, _ = world.other_club()
    stranger = world.user("brest@example.org", household)
    assert preview(login(stranger), cycle, {}).status_code == 404


def test_the_preview_costs_the_same_whatever_the_catalogue(world, login):
    """Session, user, cycle, offers, the household's lines, the pooled totals (once per few seconds: shared),
    roles: 7, with 4 offers as with 40; 6 while the pooled totals are shared."""
    cycle, bread = bread_in_packs(world)
    client = login(world.member_a1)
    small = {f"q-{o.pk}": "1" for o in Offer.objects.filter(cycle=cycle)}
    products = Product.objects.bulk_create(
        Product(producer=world.farm, category=world.legumes, name=f"Légume {i}", unit=Unit.PIECE,
                unit_price=D("1.00"), vat_rate=D("5.5"), pack_size=D(1 + i % 3)) for i in range(36)
    )
    large_cycle = world.open_cycle(products=[world.milk, world.carrots, world.bread, world.brioche, *products], name="Grand")
    for household in (world.household_a2, world.household_b1, world.household_b2):
        save_order(cycle=large_cycle, household=household,
                   quantities={o.pk: "2" for o in Offer.objects.filter(cycle=large_cycle)})
    large = {f"q-{o.pk}": "3" for o in Offer.objects.filter(cycle=large_cycle)}
    counts = []
    for c, data in ((cycle, small), (large_cycle, large)):
        with CaptureQueriesContext(connection) as fresh:
            assert preview(client, c, data).status_code == 200
        with CaptureQueriesContext(connection) as shared:
            preview(client, c, data)
        counts.append((len(fresh), len(shared)))
    assert counts == [(7, 6), (7, 6)], counts


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_marks_a_saved_quantity_above_a_limit_set_afterwards(world, login):
    cycle, bread = bread_in_packs(world, pack_size=None)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "6"})
    Offer.objects.filter(pk=bread.pk).update(per_household_cap=D(4))  # the coordinator sets a limit later
    page = login(world.member_a1).get(reverse("order", args=[cycle.pk])).content.decode()
    assert re.search(rf'id="q-{bread.pk}"[^>]*aria-describedby="q-{bread.pk}-note[^"]*"[^>]*aria-invalid="true"', page, re.S)
    assert "Vérifiez les quantités en rouge" in page


def test_search_and_my_basket_without_javascript_and_links_to_the_product(world, login):
    cycle, bread = bread_in_packs(world)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "2"})
    client = login(world.member_a1)
    url = reverse("order", args=[cycle.pk])

    def shown(response):
        html = response.content.decode()
        rows = re.findall(r'<li class="offer[^"]*" data-search="([^"]*)"[^>]*?( hidden)?>', html)
        return {name for name, hidden in rows if not hidden}

    page = client.get(url)
    assert len(shown(page)) == 4
    assert reverse("product", args=[world.bread.pk]) in page.content.decode()
    # by producer name, without accents or case
    assert shown(client.get(url, {"q": "fournil"})) == {"Pain de campagne Fournil du Bourg", "Brioche Fournil du Bourg"}
    assert shown(client.get(url, {"q": "CAROTTES"})) == {"Carottes Ferme de la Prée"}
    assert shown(client.get(url, {"q": "pree lait"})) == {"Lait cru Ferme de la Prée"}
    response = client.get(url, {"basket": "1"})
    assert shown(response) == {"Pain de campagne Fournil du Bourg"}
    assert "Produits affichés : 1" in response.content.decode()
    assert "Aucun produit ne correspond" in client.get(url, {"q": "chocolat"}).content.decode()
    # the rows left out stay in the order form: saving from a filtered page changes nothing else
    html = client.get(url, {"q": "brioche"}).content.decode()
    assert f'name="q-{bread.pk}" value="2"' in html
