"""Forms: each declares exactly the fields a user may send (an allow-list)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Product
from cabas.core.formatting import format_money
from cabas.core.ids import parse_id
from cabas.core.validators import validate_date_range
from cabas.members.models import Club, Group, User
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
    """Open an order cycle: its dates, one distribution date per group, and the products on offer."""

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

    def __init__(self, *args, clubs, club: Club, **kwargs):
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
        self.groups = list(Group.objects.filter(club=club).select_related("depot").order_by("name"))
        for group in self.groups:
            self.fields[f"date-{group.pk}"] = forms.DateField(
                label=_("Distribution at %(group)s") % {"group": group.name}, widget=DateInput(),
                input_formats=["%Y-%m-%d", "%d/%m/%Y"], validators=[validate_date_range],
            )

    def group_fields(self):
        return [self[f"date-{g.pk}"] for g in self.groups]

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing date must come after the opening date."))
        return data

    def distribution_dates(self):
        return {g.pk: self.cleaned_data[f"date-{g.pk}"] for g in self.groups}


class AllocationRulesForm(forms.Form):
    """The cycle's rationing strategy and, per offer, supply, per-household limit and threshold."""

    rationing = forms.ChoiceField(label=_("Sharing out when supply is short"), choices=Rationing.choices)

    RULE_FIELDS = (("supply_cap", _("Supply")), ("per_household_cap", _("Per household")), ("min_total", _("Threshold")))

    def __init__(self, *args, offers, cycle, **kwargs):
        super().__init__(*args, initial={"rationing": cycle.rationing}, **kwargs)
        self.offer_ids = [o.pk for o in offers]
        for offer in offers:
            for name, label in self.RULE_FIELDS:
                self.fields[f"{name}-{offer.pk}"] = forms.DecimalField(
                    label=f"{label} — {offer.name}", required=False, min_value=0, max_digits=12, decimal_places=3,
                    initial=getattr(offer, name), localize=True,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
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
        for offer in offers:
            self.fields[f"delivered-{offer.pk}"] = forms.DecimalField(
                label=_("Delivered — %(product)s") % {"product": offer.name}, required=False, min_value=0,
                max_digits=12, decimal_places=3, initial=offer.delivered, localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
            )
            self.fields[f"price-{offer.pk}"] = forms.DecimalField(
                label=_("Price incl. VAT — %(product)s") % {"product": offer.name}, required=False, min_value=0,
                max_value=Decimal("100000"), max_digits=10, decimal_places=2, initial=offer.unit_price, localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
            )

    def offer_fields(self, offer_id):
        return [self[f"delivered-{offer_id}"], self[f"price-{offer_id}"]]

    def delivered(self):
        return {pk: self.cleaned_data[f"delivered-{pk}"] for pk in self.offer_ids}

    def prices(self):
        """The prices given (an empty field leaves the cycle's price as it is)."""
        return {pk: self.cleaned_data[f"price-{pk}"] for pk in self.offer_ids if self.cleaned_data[f"price-{pk}"] is not None}
