"""The solidarity and guarantee funds: donations and grants come in, a guarantee payout goes to a
producer with its reason, and a fund never goes negative."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.core.errors import ActionError
from cabas.finance import services
from cabas.finance.checks import check_ledger
from cabas.finance.models import AccountKind, LedgerTransaction

TODAY = datetime.date(2026, 11, 20)


def test_gifts_feed_a_fund_and_a_payout_never_empties_it_below_zero(world):
    services.receive_for_fund(club=world.club, fund=AccountKind.GUARANTEE, amount="300", method="transfer",
                              source="Subvention de la commune", date=TODAY)
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="50", method="cash", source="Don", date=TODAY)
    assert services.fund_available(world.club, AccountKind.GUARANTEE) == D("300.00")
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) == D("50.00")
    services.guarantee_payout(club=world.club, producer=world.farm, amount="120", reason="Grêle du 3 juin sur les pommes de terre",
                              date=TODAY)
    assert services.fund_available(world.club, AccountKind.GUARANTEE) == D("180.00")
    with pytest.raises(ActionError, match="180,00"):
        services.guarantee_payout(club=world.club, producer=world.farm, amount="200", reason="Sécheresse", date=TODAY)
    for kwargs in ({"reason": "  "}, {"amount": "0"}, {"amount": "-5"}):
        with pytest.raises(ActionError):
            services.guarantee_payout(**{"club": world.club, "producer": world.farm, "amount": "10", "reason": "x",
                                         "date": TODAY, **kwargs})
    with pytest.raises(ActionError):
        services.receive_for_fund(club=world.club, fund="bank", amount="10", method="cash", source="x", date=TODAY)
    with pytest.raises(ActionError):
        services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="10", method="cash", source=" ", date=TODAY)
    assert LedgerTransaction.objects.count() == 3 and check_ledger() == []


def test_the_fund_pages_are_for_the_club(world, login):
    services.receive_for_fund(club=world.club, fund=AccountKind.GUARANTEE, amount="100", method="transfer", source="AG", date=TODAY)
    url_in = reverse("fund-receive", args=[world.club.pk])
    url_out = reverse("guarantee-payout", args=[world.club.pk])
    payout = {"producer": world.farm.pk, "amount": "40", "reason": "Gel tardif", "date": TODAY.isoformat()}
    assert login(world.member_a1).post(url_out, payout).status_code == 403
    treasurer = world.user("tresorerie@example.org", None)
    from cabas.members.models import Role, RoleKind
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    assert login(treasurer).post(url_out, payout).status_code == 403  # payouts are the coordinators' decision
    login(treasurer).post(url_in, {"fund": "solidarity", "amount": "25", "method": "cheque", "source": "Don", "date": TODAY.isoformat()})
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) == D("25.00")
    login(world.coordinator).post(url_out, payout)
    assert services.fund_available(world.club, AccountKind.GUARANTEE) == D("60.00")
