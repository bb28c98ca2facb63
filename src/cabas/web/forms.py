"""Forms: each declares exactly the fields a user may send (an allow-list)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Product
from cabas.core.formatting import format_money, format_quantity
from cabas.core.ids import parse_id
from cabas.core.validators import validate_date_range
from cabas.members.models import Club, User, Weekday
from cabas.core.tasks import enqueue_on_commit
from cabas.members.services import send_password_reset
from cabas.ordering.models import Rationing


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "inputmode": "email"}),
    )


class ResetPasswordForm(PasswordResetForm):
    """Asking for a new password: the page answered is the same whether the address has an account or
    not; the e-mail is Cabas' own, its link on SITE_URL (as in the welcome e-mail)."""

    def get_users(self, email):
        # Also a member who never chose a password (their welcome link expired); never an inactive or erased account.
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def save(self, *args, **kwargs):
        for user in self.get_users(self.cleaned_data["email"]):
            enqueue_on_commit(send_password_reset, user.pk)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdChoiceMixin:
    """Refuses values that are not ids before they reach the database (where a huge number overflows)."""

    def _valid_id(self, value):
        if value in self.empty_values:
            return value
        if parse_id(value if isinstance(value, int) else str(value)) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": value})
        return value


class ClubChoiceField(IdChoiceMixin, forms.ModelChoiceField):
    def to_python(self, value):
        return super().to_python(self._valid_id(value))


class ProductChoiceField(IdChoiceMixin, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            self._valid_id(item)
        return super()._check_values(value)

    def label_from_instance(self, product):
        price = format_money(product.unit_price)
        return f"{product.producer.name} — {product.name} · {price} / {product.get_unit_display()}"


class CycleForm(forms.Form):
    """Open an order cycle: its dates, the groups it serves (each with its distribution date: some of the club's
    groups, each on its own rhythm), and the products on offer. ``groups``: those the user may open a cycle for
    (every group of the club for its coordinators, their own for a group's coordinators)."""

    club = ClubChoiceField(queryset=Club.objects.none(), label=_("Club"))
    name = forms.CharField(label=_("Name"), max_length=200)
    opens_at = forms.DateTimeField(label=_("Orders open"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
                                  validators=[validate_date_range])
    closes_at = forms.DateTimeField(label=_("Order deadline"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
                                  validators=[validate_date_range])
    products = ProductChoiceField(
        queryset=Product.objects.none(), label=_("Products on offer"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one product to offer."),
                        "invalid_choice": _("Some of the chosen products are not available in this club's catalogue.")},
    )

    def __init__(self, *args, clubs, club: Club, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["club"].queryset = clubs
        self.fields["club"].initial = club.pk
        if clubs.count() <= 1:
            self.fields["club"].widget = forms.HiddenInput()
        self.club = club
        self.fields["products"].queryset = (
            Product.objects.filter(producer__club=club, is_active=True)
            .select_related("producer", "category")
            .order_by("producer__name", "name")
        )
        self.groups = list(groups)
        for group in self.groups:
            self.fields[f"group-{group.pk}"] = forms.BooleanField(
                label=_("%(group)s takes part") % {"group": group.name}, required=False)
            self.fields[f"date-{group.pk}"] = forms.DateField(
                label=_("Distribution at %(group)s") % {"group": group.name}, widget=DateInput(), required=False,
                input_formats=["%Y-%m-%d", "%d/%m/%Y"], validators=[validate_date_range],
            )

    def group_rows(self):
        """Per group: whether it takes part, its distribution date, and its rhythm (shown beside)."""
        return [(g, self[f"group-{g.pk}"], self[f"date-{g.pk}"]) for g in self.groups]

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing date must come after the opening date."))
        chosen = [g for g in self.groups if data.get(f"group-{g.pk}")]
        if not chosen:
            self.add_error(None, _("Choose at least one group the cycle serves."))
        for group in chosen:
            if not data.get(f"date-{group.pk}") and f"date-{group.pk}" not in self.errors:
                self.add_error(f"date-{group.pk}", _("Give this group's distribution date."))
        return data

    def distribution_dates(self):
        return {g.pk: self.cleaned_data[f"date-{g.pk}"] for g in self.groups if self.cleaned_data.get(f"group-{g.pk}")}


class AllocationRulesForm(forms.Form):
    """The cycle's rationing strategy and, per offer, supply, per-household limit and threshold."""

    rationing = forms.ChoiceField(label=_("Sharing out when supply is short"), choices=Rationing.choices)

    RULE_FIELDS = (("supply_cap", _("Supply")), ("per_household_cap", _("Per household")), ("min_total", _("Threshold")))

    def __init__(self, *args, offers, cycle, **kwargs):
        super().__init__(*args, initial={"rationing": cycle.rationing}, **kwargs)
        self.offer_ids = [o.pk for o in offers]
        for offer in offers:
            for name, label in self.RULE_FIELDS:
                label = f"{label} — {offer.name}"  # the table's cells show no <label>: the input carries its name
                self.fields[f"{name}-{offer.pk}"] = forms.DecimalField(
                    label=f"{label} — {offer.name}", required=False, min_value=0, max_digits=12, decimal_places=3,
                    initial=format_quantity(getattr(offer, name)), localize=True,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "aria-label": f"{label} — {offer.name}"}),
                )

    def offer_fields(self, offer_id):
        return [self[f"{name}-{offer_id}"] for name, _label in self.RULE_FIELDS]

    def offer_rules(self):
        return {pk: {name: self.cleaned_data[f"{name}-{pk}"] for name, _label in self.RULE_FIELDS} for pk in self.offer_ids}


class DeliveryForm(forms.Form):
    """What each producer delivered, per offer, entered at reception (empty: as ordered)."""

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_ids = [o.pk for o in offers]
        for offer in offers:  # the table's cells show no <label>: each input carries its name
            delivered = _("Delivered — %(product)s") % {"product": offer.name}
            self.fields[f"delivered-{offer.pk}"] = forms.DecimalField(
                label=delivered, required=False, min_value=0,
                max_digits=12, decimal_places=3, initial=offer.delivered, localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "aria-label": delivered}),
            )
            price = _("Price incl. VAT — %(product)s") % {"product": offer.name}
            self.fields[f"price-{offer.pk}"] = forms.DecimalField(
                label=price, required=False, min_value=0,
                max_value=Decimal("100000"), max_digits=10, decimal_places=2, initial=offer.unit_price, localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "aria-label": price}),
            )

    def offer_fields(self, offer_id):
        return [self[f"delivered-{offer_id}"], self[f"price-{offer_id}"]]

    def delivered(self):
        return {pk: self.cleaned_data[f"delivered-{pk}"] for pk in self.offer_ids}

    def prices(self):
        """The prices given (an empty field leaves the cycle's price as it is)."""
        return {pk: self.cleaned_data[f"price-{pk}"] for pk in self.offer_ids if self.cleaned_data[f"price-{pk}"] is not None}


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


# From every week to three times a year (members.rhythm): the usual rhythms, named.
RHYTHM_CHOICES = [
    (1, _("every week")), (2, _("every fortnight")), (3, _("every 3 weeks")), (4, _("every 4 weeks (about monthly)")),
    (6, _("every 6 weeks")), (8, _("every 8 weeks (about every two months)")), (13, _("every 13 weeks (quarterly)")),
    (17, _("every 17 weeks (three times a year)")), (26, _("every 26 weeks (twice a year)")),
]


def rhythm_choices(current: int | None):
    """The usual rhythms, and the current one when it is not among them (set before these pages)."""
    choices = list(RHYTHM_CHOICES)
    if current and current not in dict(choices):
        choices.append((current, _("every %(weeks)s weeks") % {"weeks": current}))
        choices.sort()
    return choices


class GroupDetailsForm(forms.Form):
    """A group's name, capacity and own yearly fee (members.services.create_group / set_group_details)."""

    name = forms.CharField(label=_("Name of the group"), max_length=200)
    capacity = forms.IntegerField(label=_("Households at most"), required=False, min_value=1, max_value=500,
                                  help_text=_("Empty: no limit. A full group keeps a waitlist."))
    membership_fee = forms.DecimalField(label=_("Yearly membership fee (€)"), required=False, min_value=0, max_value=1000,
                                        max_digits=8, decimal_places=2, localize=True,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                        help_text=_("Empty: the club's fee."))


class GroupRhythmForm(forms.Form):
    """A group's rhythm and its depot (members.services.set_group_rhythm)."""

    every_weeks = forms.TypedChoiceField(label=_("Distributes"), coerce=int, choices=RHYTHM_CHOICES)
    rhythm_from = forms.DateField(
        label=_("Counted from (a distribution day)"), required=False, widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"], validators=[validate_date_range],
        help_text=_("Needed for any rhythm but every week: the day the rhythm is counted from."))
    depot_name = forms.CharField(label=_("Name"), max_length=200)  # under the heading « Dépôt »
    address = forms.CharField(label=_("Address"), max_length=300)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                  localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, min_value=-180,
                                   max_value=180, localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    weekday = forms.TypedChoiceField(label=_("Distribution day"), coerce=int, choices=Weekday.choices)
    slot_start = forms.TimeField(label=_("Distribution starts"), widget=TimeInput())
    slot_end = forms.TimeField(label=_("Distribution ends"), widget=TimeInput())

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["every_weeks"].choices = rhythm_choices(group.every_weeks)

    def rhythm_fields(self):
        return [self["every_weeks"], self["rhythm_from"]]

    def depot_fields(self):
        return [self[name] for name in ("depot_name", "address", "latitude", "longitude", "weekday", "slot_start", "slot_end")]

    def clean(self):
        data = super().clean()
        if data.get("every_weeks", 1) != 1 and not data.get("rhythm_from") and "rhythm_from" not in self.errors:
            self.add_error("rhythm_from", _("Give a distribution day the rhythm is counted from."))
        return data


class RecurringCycleForm(forms.Form):
    """A recurring cycle (ordering.services.save_recurring_cycle). ``groups``: those the user may open cycles for."""

    name = forms.CharField(label=_("Name"), max_length=150)
    groups = forms.TypedMultipleChoiceField(label=_("Groups"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                            error_messages={"required": _("Choose at least one group the cycle serves.")})
    every_weeks = forms.TypedChoiceField(label=_("Opens"), coerce=int, choices=RHYTHM_CHOICES)
    opens_weekday = forms.TypedChoiceField(label=_("Orders open on"), coerce=int, choices=Weekday.choices)
    opens_time = forms.TimeField(label=_("At"), widget=TimeInput())
    ordering_days = forms.IntegerField(label=_("Orders stay open (days)"), min_value=1, max_value=60)
    starts_on = forms.DateField(label=_("First opening from"), widget=DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                validators=[validate_date_range])
    source_cycle = forms.TypedChoiceField(
        label=_("Products of"), coerce=int, required=False, empty_value=None,
        help_text=_("The first time; then each cycle offers again the products of the one before."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, groups, cycles, current_weeks: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_list = list(groups)  # shown with their rhythm
        self.fields["groups"].choices = [(g.pk, g.name) for g in self.group_list]
        self.fields["every_weeks"].choices = rhythm_choices(current_weeks)
        self.fields["source_cycle"].choices = [("", _("the latest cycle of these groups"))] + [
            (c.pk, c.name) for c in cycles]

    def schedule_fields(self):
        return [self[name] for name in ("every_weeks", "opens_weekday", "opens_time", "ordering_days", "starts_on",
                                        "source_cycle", "is_active")]
