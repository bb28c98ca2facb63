"""The JSON API under schemathesis: every operation of /api/openapi.json called with generated inputs, valid
and invalid, by an authenticated member (and the coordinator's operations by a coordinator). Whatever comes
in, no answer is a server error and every answer matches the schema it publishes.

Bounded: CABAS_FUZZ_EXAMPLES examples per operation (50 by default; CI runs 200 on PostgreSQL)."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)

from cabas.flows import close_cycle, save_order
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer
from cabas.wsgi import application

EXAMPLES = int(os.environ.get("CABAS_FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def member_session(world, client):
    """A member of a club with an open cycle and a closed one (ids 1… exist, so generated ids hit real rows),
    who is also the coordinator of their group (so the coordination operations answer too)."""
    w = world
    closed = w.open_cycle(name="Semaine 46")
    milk = Offer.objects.get(cycle=closed, product=w.milk)
    save_order(cycle=closed, household=w.household_a1, quantities={milk.pk: "2"})
    close_cycle(closed.pk)
    w.open_cycle(name="Semaine 47")
    Role.objects.create(user=w.member_a1, kind=RoleKind.GROUP_COORDINATOR, club=w.club, group=w.group_a)
    client.force_login(w.member_a1)
    client.get("/api/me")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    return {"cookies": {k: v.value for k, v in client.cookies.items()}, "headers": {"X-CSRFToken": csrf, "Accept-Encoding": "identity"}}  # schemathesis reads bodies as sent: uncompressed


# transaction=True: schemathesis calls the WSGI application itself, which ends each request as a server does
# (closing a connection that is inside a test transaction on PostgreSQL).
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_every_input_without_a_server_error_and_as_documented(case, member_session):
    case.call_and_validate(cookies=member_session["cookies"], headers=member_session["headers"], checks=CHECKS)
