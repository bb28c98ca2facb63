"""Personal data (issue 6): a member downloads what Cabas stores about them and their household, and a
member who leaves is erased while the money records stay.

`export_member_data(user)` gathers everything the person may see about themselves and their household, as
plain JSON-ready values (amounts as strings, dates in ISO), in a constant number of queries.

`erase_member(user=…, by_user=…)` anonymises the person in one transaction: name cleared, e-mail replaced by
an address that cannot receive mail, no usable password, inactive, roles removed. When they were the
household's last active member, the household's name is anonymised too and its confidential tariff is
dropped. The accounting records are kept as they were posted or issued (see RECORDS below for each model
that points at a person or a household, and what is done with it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cabas.catalog.models import Producer, ProducerAccount
from cabas.contracts.models import Subscription
from cabas.core.errors import ActionError
from cabas.core.money import ZERO, line_amount
from cabas.distribution.models import ContainerReturn, Pickup, SurplusDisposition, Uncollected
from cabas.finance import services as finance
from cabas.finance.models import FundShare, HouseholdTariff, Invoice, Payment, SolidarityPledge
from cabas.members.models import Household, HouseholdInvitation, Membership, MembershipApplication, Role, RoleKind, User
from cabas.members.permissions import access_for
from cabas.members.words import words_for
from cabas.notifications.models import Preference, SentNotification
from cabas.ordering.models import Allocation, LineChange, Order, OrderLine, OrderSummary
from cabas.participation.models import SurveyAnswer
from cabas.volunteering.models import CalendarFeed, RotaDriver, Signup, SwapOffer, TargetAdjustment

FORMAT = "cabas-personal-data"
FORMAT_VERSION = 1

# Every model field that points at a person (User) or a household, and what each service does with it.
# tests/test_personal_data.py fails when a new one appears that is not decided here.
RECORDS = {
    # the person
    "members.user.household": "export; kept on the erased account (it only says which household it was in)",
    "members.role.user": "export; erase deletes the roles (a club coordinator or treasurer hands over first)",
    "catalog.produceraccount.user": "export; erase deletes the link (the login no longer acts for the producer)",
    "catalog.producer.referent": "export; erase clears it (the producer's referent is a role)",
    "admin.logentry.user": "counted in the export; kept (who did what in the admin), the account is anonymised",
    "members.user_groups.user": "erase clears them (Django's permission groups)",
    "members.user_user_permissions.user": "erase clears them",
    "catalog.specsheet.proposed_by": "counted; kept: who proposed or decided is part of the record",
    "catalog.specsheet.decided_by": "counted; kept",
    "catalog.costsheet.proposed_by": "counted; kept",
    "catalog.costsheet.decided_by": "counted; kept",
    "catalog.catalogueimport.uploaded_by": "counted; kept",
    "ordering.ordercycle.closed_by": "counted; kept",
    "ordering.order.updated_by": "export (changed by me or not); kept",
    "participation.survey.decided_by": "counted; kept",
    "finance.ledgertransaction.created_by": "counted; kept (the ledger is never changed)",
    "finance.payment.created_by": "counted; kept",
    "finance.bankstatement.imported_by": "counted; kept",
    "finance.statementupload.uploaded_by": "counted; kept (the file itself is dropped once read)",
    "finance.householdtariff.assigned_by": "counted; kept",
    "members.membershipapplication.decided_by": "counted; kept",
    # the household
    "ordering.order.household": "export with lines; kept (allocations and the ledger come from them)",
    "ordering.linechange.household": "export; kept (first-come rationing replays them)",
    "ordering.allocation.household": "export; kept",
    "ordering.ordersummary.household": "export; kept",
    "contracts.subscription.household": "export with lines and skipped dates; kept (a running one blocks erasing the last member)",
    "participation.surveyanswer.household": "export; kept (anonymous once the household is)",
    "distribution.containerreturn.household": "export; kept (the refunds of deposits in the ledger come from them)",
    "distribution.containerreturn.updated_by": "counted; kept",
    "distribution.pickup.household": "export; kept (the depot's sign-off: who picked up, when)",
    "distribution.pickup.collected_by_household": "export (what the household collected for others); kept",
    "distribution.pickup.recorded_by": "counted; kept",
    "distribution.uncollected.household": "export; kept (what was stored or became surplus, with its money records)",
    "distribution.uncollected.resolved_by": "counted; kept",
    "distribution.surplusdisposition.buyer": "export; kept (a sale posted to the ledger)",
    "distribution.surplusdisposition.recorded_by": "counted; kept",
    "distribution.depotreception.recorded_by": "counted; kept",
    "distribution.documentbundle.requested_by": "counted; kept (the latest ZIP of a cycle's documents)",
    "finance.cashcount.by": "counted; kept (the treasurer's record of the evening's cash)",
    "notifications.preference.user": "export; erase deletes them",
    "notifications.sentnotification.user": "counted; erase deletes them (each holds the address it was sent to)",
    "logistics.planningrequest.requested_by": "counted; kept",
    "news.newsitem.author": "counted; kept (the news stays the club's or group's; the author is anonymised)",
    "finance.account.household": "export (statement, balance); kept with its name: an accounting record",
    "finance.invoice.household": "export; kept as issued: a legal record (10 years)",
    "finance.payment.household": "export; kept",
    "finance.householdtariff.household": "export (the household's own tariff); deleted when the household is anonymised",
    "finance.solidaritypledge.household": "export; deleted when the household is anonymised",
    "finance.fundshare.household": "export; kept (money records of the funds)",
    "members.membership.household": "export; kept (fees are money records)",
    "members.membershipapplication.household": "export; anonymised with the household",
    "members.householdinvitation.household": "export (the household's invitations); erase deletes every one when the "
                                             "household is anonymised (they name the people invited)",
    "members.householdinvitation.invited_by": "export; erase deletes those the person sent, and the one sent to them",
    # volunteering
    "volunteering.signup.user": "export (my shifts, done and to come); erase drops the coming ones, keeps those past",
    "volunteering.signup.household": "export; kept (the group's balance of hours)",
    "volunteering.signup.assigned_by": "counted; kept",
    "volunteering.swapoffer.to_user": "erase cancels the pending ones and drops them",
    "volunteering.calendarfeed.user": "erase deletes it (the secret address stops answering)",
    "volunteering.rotadriver.user": "export; erase deletes the person's place in the rotas",
    "volunteering.targetadjustment.household": "export (the household's own target); deleted when the household is anonymised",
    "volunteering.targetadjustment.set_by": "counted; kept",
    "volunteering.harvestcall.created_by": "counted; kept",
    "volunteering.shift.confirmed_by": "counted; kept",
    "catalog.certificationvisit.recorded_by": "counted; kept (the participatory guarantee's record)",
}

# Accounts that must hand their role over before they are erased (deleting the role would leave a club
# without anyone to run it or to handle its money).
BLOCKING_ROLES = (RoleKind.CLUB_COORDINATOR, RoleKind.TREASURER)


def erased_email(user_id: int) -> str:
    """The address an erased account gets: unique, ASCII, and it cannot receive mail (.invalid, RFC 2606)."""
    return f"efface-{user_id}@cabas.invalid"


def is_erased(user) -> bool:
    return user.email == erased_email(user.pk)


def erased_household_name(household_id: int) -> str:
    """Stored, so in the site's language whatever the language of the person who erased."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased household no. %(id)s") % {"id": household_id}


# --- export -------------------------------------------------------------------------------------------


def _plain(value):
    """JSON-ready: amounts and quantities as strings (exact), dates and times in ISO 8601."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


def _generic_rows(queryset) -> list[dict]:
    """Rows of a model read field by field (the models of the membership work): its own fields, and the
    name of what it points at, except people and households."""
    model = queryset.model
    relations = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model not in (User, Household)]
    rows = []
    for obj in queryset.select_related(*(f.name for f in relations)):
        row = {f.name: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.is_relation}
        for f in relations:
            related = getattr(obj, f.name)
            row[f.name] = str(related) if related is not None else None
        rows.append(row)
    return rows


def _recorded_actions(user) -> dict[str, int]:
    """How many records name the person as the one who did something (closed a cycle, recorded a payment,
    decided a proposal…), one count per field, in one query. The records stay when the person is erased;
    they then point at the anonymised account."""
    exported = {"members.role.user", "catalog.produceraccount.user", "catalog.producer.referent"}
    counts = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            key = f"{model._meta.label_lower}.{field.name}"
            if field.is_relation and field.related_model is User and key not in exported:
                counts[key] = Coalesce(Subquery(
                    model._default_manager.filter(**{field.name: OuterRef("pk")}).order_by()
                    .values(field.name).annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ), Value(0))
    if not counts:
        return {}
    aliases = {f"c{i}": key for i, key in enumerate(counts)}
    row = User.objects.filter(pk=user.pk).values(**{alias: counts[key] for alias, key in aliases.items()}).first() or {}
    return {key: row.get(alias, 0) for alias, key in aliases.items() if row.get(alias)}


def export_member_data(user) -> dict:
    """Everything Cabas stores about the person and their household that they may see, JSON-ready.
    A constant number of queries, whatever the number of orders, lines, invoices or payments."""
    person = User.objects.select_related("household__group__club", "household__group__depot",
                                         "household__pickup_place").get(pk=user.pk)
    data: dict = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "person": {
            "id": person.pk, "email": person.email, "first_name": person.first_name, "last_name": person.last_name,
            "date_joined": person.date_joined, "last_login": person.last_login, "active": person.is_active,
            "staff": person.is_staff,
        },
        "roles": [
            {"role": r.kind, "label": r.get_kind_display(), "club": r.club.name, "group": r.group.name if r.group else None}
            for r in Role.objects.filter(user=person).select_related("club", "group").order_by("club__name", "kind")
        ],
        "producer_account": [a.producer.name for a in ProducerAccount.objects.filter(user=person).select_related("producer")],
        "producer_referent_for": list(Producer.objects.filter(referent=person).order_by("name").values_list("name", flat=True)),
        "recorded_actions": _recorded_actions(person),
        "email_preferences": {kind: enabled for kind, enabled in Preference.objects.filter(user=person).values_list("kind", "enabled")},
        "household": None,
    }
    data["membership_applications"] = _generic_rows(MembershipApplication.objects.filter(email__iexact=person.email))
    household = person.household
    if household is None:
        return _plain(data)

    group = household.group
    depot = getattr(group, "depot", None)
    place = household.pickup_place if household.pickup_place_id else None
    data["household"] = {
        "id": household.pk, "name": household.name, "created_at": household.created_at,
        "left_on": household.left_on, "leave_reason": household.leave_reason,
        "group": group.name, "club": group.club.name,
        "depot": {"name": depot.name, "address": depot.address} if depot else None,
        # where the household collects its goods when not at the depot (its own choice on « Mon foyer »)
        "pickup_place": {"name": place.name, "address": place.address} if place else None,
    }

    orders = {o.pk: o for o in Order.objects.filter(household=household).select_related("cycle").order_by("cycle__closes_at", "pk")}
    lines_by_order: dict[int, list[dict]] = {pk: [] for pk in orders}
    for line in (OrderLine.objects.filter(order__household=household).select_related("offer__producer")
                 .order_by("offer__producer__name", "offer__name")):
        offer = line.offer
        lines_by_order[line.order_id].append({
            "product": offer.name, "producer": offer.producer.name, "unit": offer.unit, "unit_price": offer.unit_price,
            "vat_rate": offer.vat_rate, "quantity": line.quantity, "tolerance": line.tolerance,
            "committed_by_subscription": line.committed, "amount": line_amount(line.quantity, offer.unit_price),
        })
    data["orders"] = [
        {
            "cycle": {"id": o.cycle_id, "name": o.cycle.name, "closes_at": o.cycle.closes_at, "closed": o.cycle.is_closed},
            "last_change": o.updated_at, "last_changed_by_me": o.updated_by_id == person.pk,
            "lines": lines_by_order[o.pk], "total": sum((l["amount"] for l in lines_by_order[o.pk]), ZERO),
        }
        for o in orders.values()
    ]
    data["order_changes"] = [
        {"cycle": c.cycle.name, "product": c.offer.name, "quantity": c.quantity, "tolerance": c.tolerance, "at": c.at}
        for c in LineChange.objects.filter(household=household).select_related("cycle", "offer").order_by("at", "pk")
    ]
    data["allocations"] = [
        {"cycle": a.cycle.name, "product": a.offer.name, "producer": a.offer.producer.name, "unit": a.offer.unit,
         "ordered": a.quantity_ordered, "tolerance": a.tolerance, "received": a.quantity, "reason": a.reason,
         "amount_incl_vat": a.amount_incl_vat}
        for a in Allocation.objects.filter(household=household).select_related("cycle", "offer__producer")
        .order_by("cycle__closes_at", "offer__producer__name", "offer__name")
    ]
    data["containers_returned"] = [
        {"cycle": r.distribution.cycle.name, "group": r.distribution.group.name, "date": r.distribution.date,
         "container": r.container.name, "quantity": r.quantity, "deposit": r.deposit, "counted_at": r.updated_at}
        for r in ContainerReturn.objects.filter(household=household)
        .select_related("distribution__cycle", "distribution__group", "container").order_by("distribution__date", "pk")
    ]
    data["pickups"] = [
        {"cycle": p.distribution.cycle.name, "group": p.distribution.group.name, "date": p.distribution.date,
         "status": p.status, "for_household": p.household.name if p.household_id != household.pk else None,
         "collected_by": (p.collected_by_household.name if p.collected_by_household_id else p.collected_by_name) or None,
         "missing": p.missing, "recorded_at": p.recorded_at}
        for p in Pickup.objects.filter(Q(household=household) | Q(collected_by_household=household))
        .select_related("distribution__cycle", "distribution__group", "household", "collected_by_household")
        .order_by("distribution__date", "recorded_at", "pk")
    ]
    data["uncollected"] = [
        {"cycle": u.distribution.cycle.name, "product": u.offer.name, "quantity": u.quantity, "state": u.state,
         "resolved_at": u.resolved_at}
        for u in Uncollected.objects.filter(household=household).select_related("distribution__cycle", "offer")
        .order_by("distribution__date", "pk")
    ]
    data["surplus_bought"] = [
        {"cycle": d.item.distribution.cycle.name, "product": d.item.offer.name, "quantity": d.quantity,
         "amount": d.amount, "at": d.recorded_at}
        for d in SurplusDisposition.objects.filter(buyer=household).select_related("item__distribution__cycle", "item__offer")
        .order_by("recorded_at", "pk")
    ]
    data["order_summaries"] = [
        {"cycle": s.cycle.name, "group": s.group.name, "lines": s.line_count, "amount_incl_vat": s.amount_incl_vat,
         "amount_excl_vat": s.amount_excl_vat, "vat": s.vat}
        for s in OrderSummary.objects.filter(household=household).select_related("cycle", "group").order_by("cycle__closes_at")
    ]
    data["invoices"] = [
        {"number": i.display_number, "kind": i.kind, "cycle": i.cycle.name, "issued_on": i.issued_on,
         "lines": i.lines, "amount_incl_vat": i.amount_incl_vat, "amount_excl_vat": i.amount_excl_vat, "vat": i.vat,
         "payment_reference": i.reference, "corrects": i.corrects.display_number if i.corrects else None}
        for i in Invoice.objects.filter(household=household).select_related("cycle", "corrects").order_by("issued_on", "number")
    ]
    data["payments"] = [
        {"date": p.date, "method": p.method, "method_label": p.get_method_display(), "amount": p.amount,
         "cheque_number": p.cheque_number, "to_be_cashed_on": p.cash_on,
         "made_out_to": p.payee.name if p.payee else None, "note": p.note}
        for p in Payment.objects.filter(household=household).select_related("payee").order_by("date", "pk")
    ]
    statement = finance.statement(household)
    data["account"] = {
        "balance_in_credit": statement[-1]["balance"] if statement else Decimal("0.00"),
        "statement": statement,
    }
    data["subscriptions"] = [
        {"producer": s.producer.name, "season": s.season, "starts_on": s.starts_on, "ends_on": s.ends_on,
         "payment_schedule": s.payment_schedule, "created_at": s.created_at,
         "basket": [{"product": l.product.name, "unit": l.product.unit, "quantity": l.quantity} for l in s.lines.all()],
         "skipped_dates": sorted(k.date for k in s.skips.all())}
        for s in Subscription.objects.filter(household=household).select_related("producer")
        .prefetch_related("lines__product", "skips").order_by("starts_on", "pk")
    ]
    data["survey_answers"] = [
        {"survey": a.survey.product_name, "interest": a.interest, "quantity_per_month": a.quantity_per_month,
         "acceptable_price": a.acceptable_price, "comment": a.comment, "answered_at": a.answered_at,
         "questions": [{"question": r.question.text, "rating": r.rating, "answer": r.text} for r in a.responses.all()]}
        for a in SurveyAnswer.objects.filter(household=household).select_related("survey")
        .prefetch_related("responses__question").order_by("answered_at", "pk")
    ]
    tariff = HouseholdTariff.objects.filter(household=household).select_related("category").first()
    data["solidarity_tariff"] = (
        {"tariff": tariff.category.name, "discount_percent": tariff.category.discount_rate, "review_on": tariff.review_on,
         "assigned_at": tariff.assigned_at} if tariff else None
    )
    data["shifts"] = [
        {"shift": s.shift.title, "task": s.shift.kind.name, "starts_at": s.shift.starts_at, "ends_at": s.shift.ends_at,
         "place": s.shift.place, "hours": s.shift.hours, "member": str(s.user), "came": s.attended}
        for s in Signup.objects.filter(household=household).select_related("shift__kind", "user").order_by("shift__starts_at", "pk")
    ]
    data["volunteering_targets"] = [
        {"year": t.year, "hours": t.hours, "reason": t.reason}
        for t in TargetAdjustment.objects.filter(household=household).order_by("year")
    ]
    data["household_invitations"] = [
        {"first_name": i.first_name, "email": i.email, "invited_by_me": i.invited_by_id == person.pk, "sent_at": i.created_at,
         "expires_at": i.expires_at, "accepted_at": i.accepted_at, "cancelled_at": i.cancelled_at}
        for i in HouseholdInvitation.objects.filter(household=household).order_by("created_at", "pk")
    ]
    for key, model in (("memberships", Membership), ("solidarity_pledge", SolidarityPledge), ("fund_shares", FundShare)):
        data[key] = _generic_rows(model.objects.filter(household=household).order_by("pk"))
    return _plain(data)


# --- erasure ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    user_id: int
    household_id: int | None
    done: bool  # False: the account had been erased before, nothing was changed
    household_anonymised: bool = False
    household_name: str = ""
    owed: Decimal = Decimal("0.00")  # what the household still owes (kept on its account)


def may_erase(by_user, person) -> bool:
    """The person themselves, or a coordinator of the club of the person's household; nobody else."""
    if by_user is None or not getattr(by_user, "is_authenticated", False):
        return False
    if by_user.pk == person.pk:
        return True
    if person.household_id is None:
        return False
    club_id = Household.objects.filter(pk=person.household_id).values_list("group__club_id", flat=True).first()
    return club_id is not None and access_for(by_user).coordinates_club(club_id)


def is_last_active_member(person) -> bool:
    return person.household_id is not None and not User.objects.filter(
        household_id=person.household_id, is_active=True).exclude(pk=person.pk).exists()


def erasure_obstacles(person, *, today: datetime.date | None = None) -> list[str]:
    """Why the account cannot be erased now (nothing: it can). At most four queries."""
    today = today or timezone.localdate()
    problems = []
    if person.is_staff or person.is_superuser:
        problems.append(_("An administrator's account cannot be erased here: its administration rights must be "
                          "removed first."))
    for role in Role.objects.filter(user=person, kind__in=BLOCKING_ROLES).select_related("club").order_by("club__name", "kind"):
        problems.append(_("This account still holds the role “%(role)s” in %(club)s: the role has to be handed over "
                          "to someone else first.") % {"role": role.get_kind_display(), "club": role.club.name})
    if is_last_active_member(person):
        for order in (Order.objects.filter(household_id=person.household_id, cycle__closed_at__isnull=True, lines__isnull=False)
                      .select_related("cycle").distinct().order_by("cycle__closes_at")):
            problems.append(_("The household has an order in %(cycle)s, which is not closed yet: empty the order, or "
                              "wait for the closing, before erasing its last member.") % {"cycle": order.cycle.name})
        for subscription in (Subscription.objects.filter(household_id=person.household_id, ends_on__gte=today)
                             .select_related("producer__club").order_by("ends_on")):
            problems.append(_("%(The_subscription)s of the household with %(producer)s runs until %(date)s: end it "
                              "with the club before its last member is erased.") % words_for(
                subscription.producer.club).with_(producer=subscription.producer.name,
                                                  date=formats.date_format(subscription.ends_on)))
    return problems


def _rename_in_admin_log(model, object_ids: Iterable[int], text: str) -> None:
    """The admin's history names objects as they were (object_repr): it gets the anonymised name."""
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                            object_id__in=[str(i) for i in object_ids]).update(object_repr=text[:200])


def _anonymise_applications(queryset, *, email: str, household_name: str) -> None:
    """A membership application keeps its dates and outcome; who applied is erased."""
    queryset.update(first_name="", last_name="", email=email, phone="", message="", household_name=household_name)


@transaction.atomic
def erase_member(*, user, by_user, password: str | None = None, today: datetime.date | None = None) -> Erasure:
    """Anonymise a member who leaves, keeping the money records (orders, allocations, the ledger, invoices,
    payments) with their household.

    Allowed to the member (who confirms with their password) and to a coordinator of their club. Refused,
    before anything is written, for an administrator, a club coordinator or treasurer who has not handed
    over, and — when the person is the household's last active member — while the household has an order
    in a cycle not yet closed or a running subscription. A household that still owes money may be
    anonymised: its account and what it owes are kept. Erasing twice changes nothing the second time.
    """
    person = User.objects.select_for_update().get(pk=user.pk)
    if not may_erase(by_user, person):
        raise ActionError(_("Only the member themselves or a coordinator of their club can erase this account."))
    if is_erased(person):
        return Erasure(user_id=person.pk, household_id=person.household_id, done=False)
    if by_user.pk == person.pk and not (password and person.check_password(password)):
        raise ActionError(field_errors={"password": _("This is not your password.")})
    problems = erasure_obstacles(person, today=today)
    if problems:
        raise ActionError(*problems)

    last = is_last_active_member(person)
    old_email = person.email
    person.first_name = person.last_name = ""
    person.email = erased_email(person.pk)
    person.set_unusable_password()  # also ends the person's sessions (their hash no longer matches)
    person.is_active = False
    person.last_login = None
    person.save(update_fields=["first_name", "last_name", "email", "password", "is_active", "last_login"])
    person.groups.clear()
    person.user_permissions.clear()
    Role.objects.filter(user=person).delete()
    ProducerAccount.objects.filter(user=person).delete()
    Preference.objects.filter(user=person).delete()
    SentNotification.objects.filter(user=person).delete()  # they hold the e-mail address
    Producer.objects.filter(referent=person).update(referent=None)
    CalendarFeed.objects.filter(user=person).delete()
    RotaDriver.objects.filter(user=person).delete()
    SwapOffer.objects.filter(Q(to_user=person) | Q(signup__user=person)).delete()
    Signup.objects.filter(user=person, shift__starts_at__gt=timezone.now()).delete()
    _rename_in_admin_log(User, [person.pk], person.email)

    _anonymise_applications(MembershipApplication.objects.filter(email__iexact=old_email),
                            email=person.email, household_name="")
    HouseholdInvitation.objects.filter(Q(invited_by=person) | Q(email__iexact=old_email)).delete()

    result = {"household_anonymised": False, "household_name": "", "owed": Decimal("0.00")}
    if person.household_id is not None:
        household = Household.objects.select_for_update().get(pk=person.household_id)
        result["owed"] = max(finance.household_balance(household.pk), Decimal("0.00"))
        result["household_name"] = household.name
        if last:
            name = erased_household_name(household.pk)
            Household.objects.filter(pk=household.pk).update(name=name, leave_reason="")
            HouseholdTariff.objects.filter(household=household).delete()
            SolidarityPledge.objects.filter(household=household).delete()
            TargetAdjustment.objects.filter(household=household).delete()
            HouseholdInvitation.objects.filter(household=household).delete()
            _anonymise_applications(MembershipApplication.objects.filter(household=household),
                                    email=person.email, household_name=name)
            _rename_in_admin_log(Household, [household.pk], name)
            result.update(household_anonymised=True, household_name=name)
    return Erasure(user_id=person.pk, household_id=person.household_id, done=True, **result)
