"""The volunteering pages: a member signs up, withdraws, swaps; a group's coordinator sees the balance and the gaps,
assigns, removes and confirms who came; nobody sees another group's shifts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import ProducerAccount
from cabas.members.models import Household
from cabas.volunteering.models import Shift, Signup, SwapOffer, SwapStatus, TargetAdjustment, TaskCategory, VolunteerTarget
from cabas.volunteering.planning import ensure_kinds
from cabas.volunteering.services import household_balance, targets, with_target

HOUR = datetime.timedelta(hours=1)


def make_shift(world, *, group="a", starts_in=HOUR * 72, people=2, hours="2", title=None, category=TaskCategory.DISTRIBUTION):
    """A shift of group A or B ("a", "b") or of the whole club (None), starting ``starts_in`` from now."""
    kind = ensure_kinds(world.club)[category]
    group = {"a": world.group_a, "b": world.group_b, None: None}[group]
    starts = timezone.now() + starts_in
    return Shift.objects.create(club=world.club, group=group, kind=kind, title=title or f"{kind.name} {group or 'club'}",
                                starts_at=starts, ends_at=starts + 2 * HOUR, place="Dépôt de la Gare", people_needed=people,
                                hours=Decimal(hours))


def on(shift, user):
    return Signup.objects.create(shift=shift, user=user, household_id=user.household_id)


def same_year(shift) -> bool:
    return timezone.localtime(shift.starts_at).year == timezone.localdate().year


def text(response) -> str:
    return response.content.decode()


def test_a_member_sees_their_group_and_club_shifts_and_signs_up(world, login):
    mine = make_shift(world, title="Distribution de Rennes")
    club = make_shift(world, group=None, title="Aide à la récolte des pommes")
    other = make_shift(world, group="b", title="Distribution de Vitré")
    client = login(world.member_a1)
    page = text(client.get(reverse("shifts")))
    assert "Distribution de Rennes" in page and "Aide à la récolte des pommes" in page
    assert "Distribution de Vitré" not in page
    assert reverse("shift-signup", args=[other.pk]) not in page

    response = client.post(reverse("shift-signup", args=[mine.pk]), {"user": str(world.member_b1.pk)})  # extra field ignored
    assert response.status_code == 302
    signup = Signup.objects.get(shift=mine)
    assert (signup.user, signup.household) == (world.member_a1, world.household_a1)
    page = text(client.get(reverse("shifts")))
    assert reverse("shift-withdraw", args=[signup.pk]) in page
    # the household's balance: planned, not done
    balance = household_balance(world.household_a1, timezone.localdate().year)
    assert (balance.done, balance.planned) == (0, Decimal("2") if same_year(mine) else 0)
    assert client.post(reverse("shift-signup", args=[club.pk])).status_code == 302


def test_who_else_is_on_a_shift_is_shown_by_first_name(world, login):
    shift = make_shift(world, people=3)
    on(shift, world.member_a2)
    page = text(login(world.member_a1).get(reverse("shifts")))
    assert "1 sur 3" in page and "a2" in page and "a2@example.org" not in page


def test_a_full_shift_is_refused_in_french(world, login):
    shift = make_shift(world, people=1)
    on(shift, world.member_a2)
    response = login(world.member_a1).post(reverse("shift-signup", args=[shift.pk]))
    assert response.status_code == 400
    assert "Cette permanence est complète." in text(response)
    assert Signup.objects.filter(shift=shift).count() == 1
    assert "Complet" in text(login(world.member_a1).get(reverse("shifts")))


def test_another_groups_shift_answers_404(world, login):
    other = make_shift(world, group="b")
    client = login(world.member_a1)
    assert client.post(reverse("shift-signup", args=[other.pk])).status_code == 404
    signup = on(other, world.member_b1)
    assert client.post(reverse("shift-withdraw", args=[signup.pk])).status_code == 404
    assert client.post(reverse("swap-offer", args=[signup.pk]), {"to_user": world.member_a2.pk}).status_code == 404
    offer = SwapOffer.objects.create(signup=signup, to_user=world.member_b1)
    assert client.post(reverse("swap-answer", args=[offer.pk]), {"answer": "accept"}).status_code == 404
    assert client.post(reverse("shift-signup", args=[999999])).status_code == 404
    assert not Signup.objects.filter(user=world.member_a1).exists()


def test_a_member_withdraws_before_the_deadline_not_after(world, login):
    early = make_shift(world, starts_in=HOUR * 72)
    late = make_shift(world, starts_in=HOUR * 24, title="Caisse de demain")
    mine_early, mine_late = on(early, world.member_a1), on(late, world.member_a1)
    client = login(world.member_a1)
    page = text(client.get(reverse("shifts")))
    assert reverse("shift-withdraw", args=[mine_early.pk]) in page
    assert reverse("shift-withdraw", args=[mine_late.pk]) not in page
    assert "Trop tard pour vous désinscrire vous-même" in page

    assert client.post(reverse("shift-withdraw", args=[mine_early.pk])).status_code == 302
    assert not Signup.objects.filter(pk=mine_early.pk).exists()
    response = client.post(reverse("shift-withdraw", args=[mine_late.pk]))
    assert response.status_code == 400
    assert "Il est trop tard pour vous désinscrire" in text(response)
    assert Signup.objects.filter(pk=mine_late.pk).exists()
    # someone else's sign-up is not theirs to withdraw
    theirs = on(early, world.member_a2)
    assert client.post(reverse("shift-withdraw", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("shift-withdraw", args=[theirs.pk])).status_code == 405


def test_a_swap_offered_and_accepted_moves_the_place(world, login):
    shift = make_shift(world)
    signup = on(shift, world.member_a1)
    client = login(world.member_a1)
    page = text(client.get(reverse("shifts")))
    assert f'<option value="{world.member_a2.pk}">' in page  # a member of the group…
    assert f'<option value="{world.member_b1.pk}">' not in page  # …never another group's
    response = client.post(reverse("swap-offer", args=[signup.pk]), {"to_user": str(world.member_a2.pk), "in_exchange": ""})
    assert response.status_code == 302
    offer = SwapOffer.objects.get()
    assert (offer.to_user, offer.status, offer.in_exchange) == (world.member_a2, SwapStatus.PENDING, None)
    assert "en attente de sa réponse" in text(client.get(reverse("shifts")))
    assert Signup.objects.get(pk=signup.pk).user == world.member_a1  # nothing moves until they accept

    other = login(world.member_a2)
    page = text(other.get(reverse("shifts")))
    assert reverse("swap-answer", args=[offer.pk]) in page
    assert other.post(reverse("swap-answer", args=[offer.pk]), {"answer": "accept"}).status_code == 302
    signup.refresh_from_db()
    offer.refresh_from_db()
    assert (signup.user, signup.household, offer.status) == (world.member_a2, world.household_a2, SwapStatus.ACCEPTED)


def test_a_swap_in_exchange_of_one_of_their_shifts(world, login):
    first, second = make_shift(world, title="Réception lundi"), make_shift(world, starts_in=HOUR * 96, title="Caisse jeudi")
    mine, theirs = on(first, world.member_a1), on(second, world.member_a2)
    client = login(world.member_a1)
    assert f'<option value="{theirs.pk}">' in text(client.get(reverse("shifts")))
    assert client.post(reverse("swap-offer", args=[mine.pk]),
                       {"to_user": str(world.member_a2.pk), "in_exchange": str(theirs.pk)}).status_code == 302
    offer = SwapOffer.objects.get()
    page = text(login(world.member_a2).get(reverse("shifts")))
    assert "En échange, on prend votre place" in page and "Caisse jeudi" in page
    assert login(world.member_a2).post(reverse("swap-answer", args=[offer.pk]), {"answer": "accept"}).status_code == 302
    assert Signup.objects.get(shift=first).user == world.member_a2
    assert Signup.objects.get(shift=second).user == world.member_a1


def test_a_swap_declined_changes_nothing(world, login):
    signup = on(make_shift(world), world.member_a1)
    login(world.member_a1).post(reverse("swap-offer", args=[signup.pk]), {"to_user": str(world.member_a2.pk)})
    offer = SwapOffer.objects.get()
    other = login(world.member_a2)
    assert other.post(reverse("swap-answer", args=[offer.pk]), {"answer": "decline"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == SwapStatus.DECLINED and Signup.objects.get(pk=signup.pk).user == world.member_a1
    # answering again: a message, not an error page
    response = other.post(reverse("swap-answer", args=[offer.pk]), {"answer": "accept"})
    assert response.status_code == 400 and "Cet échange n’attend plus votre réponse." in text(response)


def test_bad_swap_input_is_refused_with_a_message(world, login):
    signup = on(make_shift(world), world.member_a1)
    client = login(world.member_a1)
    for data in ({"to_user": str(world.member_b1.pk)}, {"to_user": "abc"}, {}, {"to_user": "9" * 30}):
        response = client.post(reverse("swap-offer", args=[signup.pk]), data)
        assert response.status_code == 400, data
        assert "Choisissez un membre qui peut prendre cette permanence" in text(response)
    response = client.post(reverse("swap-offer", args=[signup.pk]), {"to_user": str(world.member_a2.pk), "in_exchange": "12"})
    assert response.status_code == 400 and "Choisissez une de ses prochaines permanences." in text(response)
    offer = SwapOffer.objects.create(signup=signup, to_user=world.member_a2)
    response = login(world.member_a2).post(reverse("swap-answer", args=[offer.pk]), {"answer": "maybe"})
    assert response.status_code == 400 and "Acceptez ou refusez l’échange." in text(response)
    assert not SwapOffer.objects.exclude(status=SwapStatus.PENDING).exists()


def test_the_coordinator_confirms_who_came_with_one_tap_and_the_balance_changes(world, login):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("6"))
    shift = make_shift(world, starts_in=-5 * datetime.timedelta(minutes=1), hours="2")
    came, absent = on(shift, world.member_a1), on(shift, world.member_a2)
    member = login(world.member_a1)
    page = text(member.get(reverse("shifts")))
    assert "Fait (confirmé)" in page
    before = household_balance(world.household_a1, timezone.localdate().year)
    assert (before.done, before.planned) == (0, 2)

    coordinator = login(world.group_coordinator_a)
    page = text(coordinator.get(reverse("group-volunteering", args=[world.group_a.pk])))
    assert reverse("shift-detail", args=[shift.pk]) in page  # in the shifts to confirm
    page = text(coordinator.get(reverse("shift-detail", args=[shift.pk])))
    assert page.count('name="attended" value="yes"') == 2
    url = reverse("shift-confirm", args=[shift.pk])
    response = coordinator.post(url, {"signup": str(came.pk), "attended": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="signup-{came.pk}"' in text(response) and "est venu·e" in text(response)
    shift.refresh_from_db()
    assert shift.confirmed_at is None  # one person still to confirm
    assert coordinator.post(url, {"signup": str(absent.pk), "attended": "no"}).status_code == 302
    shift.refresh_from_db()
    assert shift.confirmed_at is not None and shift.confirmed_by == world.group_coordinator_a

    after = household_balance(world.household_a1, timezone.localdate().year)
    assert (after.target, after.done, after.planned, after.due) == (6, 2, 0, 4)
    assert household_balance(world.household_a2, timezone.localdate().year).done == 0  # did not come: no hours
    page = text(login(world.member_a1).get(reverse("shifts")))
    assert "<dd>2 h</dd>" in page and "<dd>4 h</dd>" in page
    # the shift no longer waits for confirmation
    assert reverse("shift-detail", args=[shift.pk]) not in text(coordinator.get(reverse("group-volunteering", args=[world.group_a.pk])))


def test_confirming_before_the_shift_or_with_bad_input_shows_a_message(world, login):
    shift = make_shift(world)
    signup = on(shift, world.member_a1)
    coordinator = login(world.group_coordinator_a)
    url = reverse("shift-confirm", args=[shift.pk])
    response = coordinator.post(url, {"signup": str(signup.pk), "attended": "yes"})
    assert response.status_code == 400 and "Les présences se confirment une fois la permanence commencée." in text(response)
    response = coordinator.post(url, {"signup": "x", "attended": "peut-être"})
    assert response.status_code == 400
    response = coordinator.post(url, {"signup": str(signup.pk), "attended": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("shift-detail", args=[shift.pk])
    assert Signup.objects.get(pk=signup.pk).attended is None


def test_a_plain_member_may_not_open_the_coordinators_pages(world, login):
    group_shift, club_shift, other_shift = make_shift(world), make_shift(world, group=None), make_shift(world, group="b")
    signup = on(group_shift, world.member_a1)
    client = login(world.member_a1)
    assert client.get(reverse("group-volunteering", args=[world.group_a.pk])).status_code == 403
    assert client.get(reverse("group-volunteering", args=[world.group_b.pk])).status_code == 404
    assert client.get(reverse("shift-detail", args=[group_shift.pk])).status_code == 403
    assert client.get(reverse("shift-detail", args=[club_shift.pk])).status_code == 403
    assert client.get(reverse("shift-detail", args=[other_shift.pk])).status_code == 404
    for name in ("shift-confirm", "shift-assign", "shift-remove"):
        assert client.post(reverse(name, args=[group_shift.pk]), {"signup": signup.pk, "user": world.member_a2.pk,
                                                                  "attended": "yes"}).status_code == 403
        assert client.post(reverse(name, args=[other_shift.pk]), {"user": world.member_a1.pk}).status_code == 404
    assert Signup.objects.filter(pk=signup.pk, attended__isnull=True).exists()
    assert not Signup.objects.filter(user=world.member_a2).exists()

    # a group's coordinator: the group's pages, not another group's, not the club's shifts
    coordinator = login(world.group_coordinator_a)
    assert coordinator.get(reverse("group-volunteering", args=[world.group_a.pk])).status_code == 200
    assert coordinator.get(reverse("group-volunteering", args=[world.group_b.pk])).status_code == 404
    assert coordinator.get(reverse("shift-detail", args=[other_shift.pk])).status_code == 404
    assert coordinator.get(reverse("shift-detail", args=[club_shift.pk])).status_code == 403
    # the club's coordinator: all of them
    club = login(world.coordinator)
    for url in (reverse("group-volunteering", args=[world.group_b.pk]), reverse("shift-detail", args=[club_shift.pk]),
                reverse("shift-detail", args=[other_shift.pk]), reverse("shifts")):
        assert club.get(url).status_code == 200, url
    # the page of the members: only for a household, or for a coordinator
    assert login(world.user("sans-foyer@example.org", None)).get(reverse("shifts")).status_code == 404


def test_the_group_page_shows_the_balance_least_done_first_and_the_gaps(world, login):
    VolunteerTarget.objects.create(club=world.club, group=world.group_a, hours_per_year=Decimal("8"))
    TargetAdjustment.objects.create(household=world.household_a2, year=timezone.localdate().year, hours=Decimal("2"),
                                    reason="Raison très confidentielle")
    done = make_shift(world, starts_in=-HOUR * 3, hours="3", title="Réception passée")
    Signup.objects.create(shift=done, user=world.member_a1, household=world.household_a1, attended=True)
    gap = make_shift(world, people=2, title="Distribution à pourvoir")
    club_gap = make_shift(world, group=None, title="Visite à la ferme")
    make_shift(world, group="b", title="Distribution de Vitré")
    full = make_shift(world, people=1, title="Caisse pourvue")
    on(full, world.member_a2)
    page = text(login(world.group_coordinator_a).get(reverse("group-volunteering", args=[world.group_a.pk])))
    assert "Caisse pourvue" in page and reverse("shift-detail", args=[full.pk]) in page  # every coming shift, full too
    assert page.index("Caisse pourvue") > page.index("Distribution à pourvoir")  # …below the gaps
    assert "Raison très confidentielle" not in page
    assert page.index("Foyer Martin") < page.index("Foyer Le Goff")  # 0 of 2 h before 3 of 8 h
    assert "Distribution à pourvoir" in page and "Visite à la ferme" in page and "Distribution de Vitré" not in page
    assert reverse("shift-detail", args=[gap.pk]) in page
    assert reverse("shift-detail", args=[club_gap.pk]) not in page  # the club's shift: its coordinators'
    assert reverse("shift-detail", args=[club_gap.pk]) in text(
        login(world.coordinator).get(reverse("group-volunteering", args=[world.group_a.pk])))
    # another year: nothing done
    page = text(login(world.group_coordinator_a).get(reverse("group-volunteering", args=[world.group_a.pk]) + "?annee=2001"))
    assert "Les heures des foyers en 2001" in page
    assert login(world.group_coordinator_a).get(reverse("group-volunteering", args=[world.group_a.pk]) + "?annee=x").status_code == 200


def test_the_coordinator_assigns_from_the_suggestions_and_removes(world, login):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("6"))
    shift = make_shift(world, people=2)
    coordinator = login(world.group_coordinator_a)
    page = text(coordinator.get(reverse("shift-detail", args=[shift.pk])))
    assert "Proposés : les foyers les plus loin de leur objectif" in page
    assert "Foyer Le Goff" in page and "Foyer Bernard" not in page
    url = reverse("shift-assign", args=[shift.pk])
    assert coordinator.post(url, {"user": str(world.member_a1.pk)}).status_code == 302
    signup = Signup.objects.get(shift=shift)
    assert (signup.user, signup.assigned_by) == (world.member_a1, world.group_coordinator_a)
    response = coordinator.post(url, {"user": str(world.member_b1.pk)})
    assert response.status_code == 400 and "Cette permanence ne vous est pas ouverte." in text(response)
    response = coordinator.post(url, {"user": ""})
    assert response.status_code == 400 and "Choisissez un membre." in text(response)
    response = coordinator.post(url, {"user": str(world.member_a1.pk)})
    assert response.status_code == 400 and "est déjà inscrit·e à cette permanence" in text(response)
    assert coordinator.post(reverse("shift-remove", args=[shift.pk]), {"signup": str(signup.pk)}).status_code == 302
    assert not Signup.objects.filter(shift=shift).exists()
    response = coordinator.post(reverse("shift-remove", args=[shift.pk]), {"signup": str(signup.pk)})
    assert response.status_code == 400 and "Cette personne n’est plus inscrite à la permanence." in text(response)


def test_a_producer_account_may_be_assigned_to_a_club_shift(world, login):
    producer_user = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=producer_user, producer=world.farm)
    shift = make_shift(world, group=None, category=TaskCategory.FARM_VISIT)
    coordinator = login(world.coordinator)
    page = text(coordinator.get(reverse("shift-detail", args=[shift.pk])))
    assert world.farm.name in page and world.group_b.name in page  # the whole club's members, and its producers
    assert coordinator.post(reverse("shift-assign", args=[shift.pk]), {"user": str(producer_user.pk)}).status_code == 302
    assert Signup.objects.get(shift=shift).household is None


def test_the_home_page_shows_the_next_shift_and_the_balance(world, login):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("10"))
    shift = make_shift(world, title="Distribution de la semaine")
    on(shift, world.member_a1)
    page = text(login(world.member_a1).get(reverse("home")))
    assert "Distribution de la semaine" in page and reverse("shifts") in page
    assert "10 h" in page
    page = text(login(world.member_a1_bis).get(reverse("home")))  # the same household, not on it
    assert "Aucune permanence prévue pour moi." in page
    # a waived target
    TargetAdjustment.objects.create(household=world.household_a1, year=timezone.localdate().year, hours=0, reason="santé")
    assert "Aucune heure de bénévolat n’est demandée à votre foyer cette année." in text(login(world.member_a1).get(reverse("home")))
    assert "santé" not in text(login(world.member_a1).get(reverse("shifts")))


def test_the_menu_links_to_the_shifts_for_members_with_a_household(world, login):
    assert reverse("shifts") in text(login(world.member_a1).get(reverse("account")))
    assert f'href="{reverse("shifts")}"' not in text(login(world.coordinator).get(reverse("cycle-list")))


def test_a_household_that_left_has_no_shifts_page(world, login):
    Household.objects.filter(pk=world.household_a1.pk).update(left_on=timezone.localdate())
    assert login(world.member_a1).get(reverse("shifts")).status_code == 404


def test_the_target_read_with_the_household_is_the_services_target(world):
    """``with_target`` (the home page's and the member page's) agrees with ``targets`` (the coordinators')."""
    year = timezone.localdate().year
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("12"))
    VolunteerTarget.objects.create(club=world.club, group=world.group_a, hours_per_year=Decimal("10"))
    TargetAdjustment.objects.create(household=world.household_a1, year=year, hours=Decimal("3"))
    TargetAdjustment.objects.create(household=world.household_a2, year=year - 1, hours=Decimal("0"))  # another year
    _club, _group, elsewhere, *_rest = world.other_club()
    households = [world.household_a1, world.household_a2, world.household_b1, elsewhere]
    wanted = targets([(h.pk, h.group_id, h.group.club_id) for h in households], year)
    read = dict(with_target(Household.objects.filter(pk__in=[h.pk for h in households]), year)
                .values_list("pk", "volunteer_target"))
    assert read == wanted == {world.household_a1.pk: 3, world.household_a2.pk: 10, world.household_b1.pk: 12, elsewhere.pk: 0}
