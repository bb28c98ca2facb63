"""Logging in (the admin itself is the operators': tests/test_admin_operators.py)."""


from cabas.members.models import User


def test_login_by_email_ignores_case(world):
    from django.contrib.auth import authenticate

    assert authenticate(email="A1@Example.org", password=world.password) == world.member_a1
    assert authenticate(username=" A1@EXAMPLE.ORG ", password=world.password) == world.member_a1
