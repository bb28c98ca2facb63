"""The club's catalogue, kept by its coordinators in Cabas' pages (no longer in the administration): producers and
their logins, products and their prices (changed only through the price history), the club's categories, labels,
charter commitments (the farm-visit checklist) and returnable containers.

Who may do what: the club's coordinators everything; a producer's referent member its producer's details (not who
its referent is, nor its logins), its products and their prices. Anyone else of the club (a member, a group's
coordinator, a treasurer) is refused with 403 — they read the catalogue on the producers' directory and product
pages; another club's people get 404.

Each view parses its input with a form (its fields are the allow-list), checks the user's right on the object, calls
one service of ``catalog.services`` and renders the page again (400) with the service's messages when it refuses."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog import services
from cabas.catalog.models import (
    Category, CharterPoint, Container, Label, Producer, ProducerAccount, ProducerKind, Product, Unit,
    VisitCheck,
)
from cabas.core.errors import ActionError
from cabas.core.formatting import format_money
from cabas.core.ids import parse_id
from cabas.core.numbers import parse_decimal
from cabas.members.models import Club
from cabas.members.permissions import Access, access_for
from cabas.ordering.models import Offer

from ..access import club_for, refuse
from ..forms import DateTimeInput
from .volunteering_club import ServiceErrors, date_field

OFFSETS = {"up": -1, "down": 1}


# --- forms --------------------------------------------------------------------------------------------------

class NumberField(forms.DecimalField):
    """A number as people type it, with a decimal comma or point in any language ("1,30", "1.30", "1 250,50")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 10, "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values or str(value).strip() == "":
            return None
        number = parse_decimal(value, grouped=True)
        if number is None:
            raise forms.ValidationError(_("Enter a number, e.g. 1,30."), code="invalid")
        return number

    def prepare_value(self, value):
        """A stored number as people write it: a decimal comma, no useless zeros (money keeps its cents)."""
        if not isinstance(value, Decimal):
            return value
        if value == value.to_integral_value():
            text = str(value.quantize(Decimal(1)))
        elif self.decimal_places == 2:
            text = str(value.quantize(Decimal("0.01")))
        else:
            text = format(value, "f").rstrip("0")
        return text.replace(".", ",")


def id_choices(label, *, required=True, empty=None, **kwargs):
    """A choice among ids the view lists (an allow-list: any other value is refused before the database)."""
    return forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=empty, **kwargs)


class ProducerForm(ServiceErrors, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ProducerKind.choices)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    production_methods = forms.CharField(label=gettext_lazy("Production methods"), max_length=5000, required=False,
                                         widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=200, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    latitude = NumberField(label=gettext_lazy("Latitude"), required=False, min_value=-90, max_value=90, max_digits=9,
                           decimal_places=6, help_text=gettext_lazy("For the transport rounds and the distances shown "
                                                                    "to members, e.g. 48,1173."))
    longitude = NumberField(label=gettext_lazy("Longitude"), required=False, min_value=-180, max_value=180, max_digits=9,
                            decimal_places=6, help_text=gettext_lazy("e.g. -1,6778."))
    charter_signed_on = date_field(gettext_lazy("Charter signed on"), required=False)
    distributes_itself = forms.BooleanField(
        label=gettext_lazy("Distributes its products itself"), required=False,
        help_text=gettext_lazy("The producer comes to the depots, hands out its products and is paid there directly."))
    labels = forms.TypedMultipleChoiceField(label=gettext_lazy("Labels"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    referent = id_choices(gettext_lazy("Referent member"), required=False,
                          help_text=gettext_lazy("The member who coordinates this producer with the club: they follow "
                                                 "its orders and may change its products and prices."))

    def __init__(self, *args, labels, referents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["labels"].choices = [(label.pk, label.name) for label in labels]
        if referents is None:  # a referent member does not choose who the referent is
            del self.fields["referent"]
        else:
            self.fields["referent"].choices = [("", _("Nobody"))] + referents

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("labels", None)
        for name in ("name", "contact_name", "phone", "address"):
            data[name] = data[name].strip()
        return data


def producer_initial(producer: Producer) -> dict:
    initial = {name: getattr(producer, name) for name in services.PRODUCER_FIELDS}
    initial["labels"] = [label.pk for label in producer.labels.all()]
    initial["referent"] = producer.referent_id
    return initial


def referent_choices(club: Club, producer: Producer | None) -> list[tuple[int, str]]:
    """The club's members (and the current referent, who may have left), by name, with their household (one query)."""
    people = list(services.club_members(club.pk).select_related("household").order_by("last_name", "first_name", "email"))
    choices = [(u.pk, f"{u} — {u.household.name}") for u in people]
    if producer is not None and producer.referent_id is not None and producer.referent_id not in {u.pk for u in people}:
        choices.insert(0, (producer.referent_id, str(producer.referent)))
    return choices


class ProductForm(ServiceErrors, forms.Form):
    field_aliases = {"category_id": "category", "container_id": "container"}

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    category = id_choices(gettext_lazy("Category"))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=Unit.choices)
    unit_price = NumberField(label=gettext_lazy("Price incl. VAT (€ per unit)"), min_value=0, max_digits=10,
                             decimal_places=2)
    vat_rate = NumberField(label=gettext_lazy("VAT rate"), min_value=0, max_value=100, max_digits=4, decimal_places=2,
                           initial=Decimal("5.5"), help_text=gettext_lazy("In percent, e.g. 5,5."))
    pack_size = NumberField(label=gettext_lazy("Pack size"), required=False, min_value=Decimal("0.001"), max_digits=10,
                            decimal_places=3, help_text=gettext_lazy("How many units the producer sells together (a "
                                                                     "case of 6, a 10 kg bag). Empty: sold loose."))
    order_step = NumberField(label=gettext_lazy("Order step"), required=False, min_value=Decimal("0.01"), max_digits=10,
                             decimal_places=3, help_text=gettext_lazy("The smallest quantity a household orders (1 "
                                                                      "piece, 0,1 kg). Empty: the unit's usual step."))
    min_total = NumberField(label=gettext_lazy("Viability threshold"), required=False, min_value=0, max_digits=12,
                            decimal_places=3, help_text=gettext_lazy("The minimum total, in units, below which the "
                                                                     "producer does not deliver it in a cycle."))
    unit_weight_kg = NumberField(label=gettext_lazy("Weight per unit (kg)"), required=False, min_value=0, max_digits=8,
                                 decimal_places=3, help_text=gettext_lazy("Packaging included, to load the transport "
                                                                          "rounds. Empty: worked out from the unit."))
    crates_per_unit = NumberField(label=gettext_lazy("Crates per unit"), required=False, min_value=0, max_digits=8,
                                  decimal_places=4, help_text=gettext_lazy("The part of a standard crate one unit takes "
                                                                           "(0,1: ten units to a crate)."))
    container = id_choices(gettext_lazy("Returnable container"), required=False)
    containers_per_step = forms.IntegerField(label=gettext_lazy("Containers per order step"), min_value=1,
                                             max_value=1000, initial=1,
                                             widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
    reference = forms.CharField(label=gettext_lazy("Producer's reference"), max_length=60, required=False,
                                help_text=gettext_lazy("The producer's own code; catalogue imports match products by it."))
    is_active = forms.BooleanField(label=gettext_lazy("Available"), required=False, initial=True,
                                   help_text=gettext_lazy("Offered when a cycle is opened."))
    is_trial = forms.BooleanField(label=gettext_lazy("Trial"), required=False,
                                  help_text=gettext_lazy("Offered for a trial after a survey."))

    def __init__(self, *args, categories, containers, new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.pk, c.name) for c in categories]
        self.fields["container"].choices = [("", _("None"))] + [(c.pk, f"{c.name} ({c.deposit} €)") for c in containers]
        if not new:  # an existing product's price changes only through the price history
            del self.fields["unit_price"]

    def values(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "unit_price"}
        data["containers_per_step"] = data.get("containers_per_step") or 1
        return data


def product_initial(product: Product) -> dict:
    initial = {name: getattr(product, f"{name}_id" if name in services.ID_FIELDS else name)
               for name in services.PRODUCT_FIELDS}
    return initial


class PriceForm(ServiceErrors, forms.Form):
    unit_price = NumberField(label=gettext_lazy("New price incl. VAT (€ per unit)"), min_value=0, max_digits=10,
                             decimal_places=2)
    since = forms.DateTimeField(label=gettext_lazy("In force from"), required=False, widget=DateTimeInput(),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
                                help_text=gettext_lazy("Empty: now. Now or an earlier time, never a later one."))


class NameForm(ServiceErrors, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)


class CharterForm(ServiceErrors, forms.Form):
    text = forms.CharField(label=gettext_lazy("Commitment"), max_length=300,
                           widget=forms.TextInput(attrs={"size": 40}))


class ContainerForm(ServiceErrors, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Yoghurt jar")}))
    deposit = NumberField(label=gettext_lazy("Deposit (€)"), min_value=Decimal("0.01"), max_digits=8, decimal_places=2,
                          help_text=gettext_lazy("A change applies to the cycles opened afterwards."))
    producer = id_choices(gettext_lazy("Taken back by"), required=False,
                          help_text=gettext_lazy("The producer who collects the returned containers from the depots."))

    def __init__(self, *args, producers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].choices = [("", _("Nobody (the club)"))] + [(p.pk, p.name) for p in producers]


class InviteForm(ServiceErrors, forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "off", "inputmode": "email"}))
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)


# --- who may see what ---------------------------------------------------------------------------------------

def club_for_catalogue(request, club_id: int) -> Club:
    """A club whose catalogue the user keeps: its coordinators (others of the club: 403; the rest: 404)."""
    return club_for(request, club_id, allowed=Access.coordinates_club,
                    refusal=_("Only the club's coordinators keep its catalogue."))


def may_edit_producer(request, producer: Producer) -> bool:
    """Whether the user may change the producer's catalogue, and as a coordinator of its club (True) or as its
    referent member (False); anyone else is refused (403 in the club, 404 outside)."""
    access = access_for(request.user)
    if access.coordinates_club(producer.club_id):
        return True
    if access.refers_producer(producer.pk):
        return False
    refuse(request, access, producer.club_id, _("Only the club's coordinators and the producer's referent member "
                                                "change its catalogue."))
    raise Http404  # not reached: refuse raises


def producer_for_editing(request, producer_id: int) -> tuple[Producer, bool]:
    producer = Producer.objects.filter(pk=producer_id).select_related("club", "referent").first()
    if producer is None:
        raise Http404
    return producer, may_edit_producer(request, producer)


def require_coordinator(coordinator: bool) -> None:
    if not coordinator:
        raise PermissionDenied(_("Only the club's coordinators can do this."))


def product_for_editing(request, product_id: int) -> tuple[Product, bool]:
    product = (Product.objects.filter(pk=product_id)
               .select_related("producer__club", "producer__referent", "category", "container").first())
    if product is None:
        raise Http404
    return product, may_edit_producer(request, product.producer)


def done(request, message: str, url: str | None = None):
    messages.success(request, message)
    return redirect(url or request.path)


def offset_of(request) -> int:
    offset = OFFSETS.get(request.POST.get("direction", ""))
    if offset is None:
        raise Http404
    return offset


def posted_id(request, name: str) -> int:
    value = parse_id(request.POST.get(name, ""))
    if value is None:
        raise Http404
    return value


# --- the club's producers -----------------------------------------------------------------------------------

@login_required
def catalogue_home(request, club_id: int):
    """The club's producers, with their products and logins counted, and the links to the club's lists."""
    club = club_for_catalogue(request, club_id)
    producers = list(
        Producer.objects.filter(club=club).select_related("referent")
        .annotate(product_count=Count("products", distinct=True), login_count=Count("accounts", distinct=True))
        .order_by("name"))
    return render(request, "web/catalog_manage/home.html", {"club": club, "producers": producers})


@login_required
@require_http_methods(["GET", "POST"])
def producer_create(request, club_id: int):
    club = club_for_catalogue(request, club_id)
    labels = services.club_labels(club.pk)
    form = ProducerForm(labels=labels, referents=referent_choices(club, None))
    if request.method == "POST":
        form = ProducerForm(request.POST, labels=labels, referents=referent_choices(club, None))
        if form.is_valid():
            try:
                producer = services.save_producer(club=club, values=form.values(),
                                                  label_ids=form.cleaned_data["labels"])
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The producer “%(name)s” is added: now add its products.") % {
                    "name": producer.name}, reverse("producer-manage", args=[producer.pk]))
    return render(request, "web/catalog_manage/producer_form.html", {"club": club, "form": form, "producer": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def producer_edit(request, producer_id: int):
    producer, coordinator = producer_for_editing(request, producer_id)
    club = producer.club
    labels = services.club_labels(club.pk)
    referents = referent_choices(club, producer) if coordinator else None
    form = ProducerForm(labels=labels, referents=referents, initial=producer_initial(producer))
    if request.method == "POST":
        form = ProducerForm(request.POST, labels=labels, referents=referents)
        if form.is_valid():
            try:
                services.save_producer(club=club, producer_id=producer.pk, values=form.values(),
                                       label_ids=form.cleaned_data["labels"])
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The producer is saved."), reverse("producer-manage", args=[producer.pk]))
    return render(request, "web/catalog_manage/producer_form.html", {"club": club, "form": form, "producer": producer},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def producer_manage(request, producer_id: int):
    """A producer's products (to change, or add one) and, for the club's coordinators, its logins (to invite)."""
    producer, coordinator = producer_for_editing(request, producer_id)
    invite = InviteForm(prefix="invite")
    if request.method == "POST":
        require_coordinator(coordinator)
        invite = InviteForm(request.POST, prefix="invite")
        if invite.is_valid():
            try:
                account = services.invite_producer_login(producer=producer, **invite.cleaned_data)
            except ActionError as error:
                invite.add_service_error(error)
            else:
                return done(request, _("%(email)s is invited: an e-mail asks them to choose a password (or tells them "
                                       "their login now acts for %(producer)s).") % {
                    "email": account.user.email, "producer": producer.name})
    products = list(Product.objects.filter(producer=producer).select_related("category", "container")
                    .order_by("-is_active", "name"))
    accounts = list(ProducerAccount.objects.filter(producer=producer).select_related("user").order_by("user__email")) \
        if coordinator else []
    return render(request, "web/catalog_manage/producer.html", {
        "producer": producer, "club": producer.club, "coordinator": coordinator, "products": products,
        "accounts": accounts, "invite": invite,
    }, status=400 if invite.errors else 200)


@login_required
@require_POST
def producer_login(request, producer_id: int, account_id: int):
    """Send the invitation again, or remove the login (``action``)."""
    producer, coordinator = producer_for_editing(request, producer_id)
    require_coordinator(coordinator)
    action = request.POST.get("action", "")
    try:
        if action == "resend":
            account = services.resend_producer_invitation(producer=producer, account_id=account_id)
            messages.success(request, _("The invitation is sent again to %(email)s.") % {"email": account.user.email})
        elif action == "remove":
            services.remove_producer_login(producer=producer, account_id=account_id)
            messages.success(request, _("The login no longer acts for %(producer)s.") % {"producer": producer.name})
        else:
            raise Http404
    except ActionError as error:
        for message in error.all_messages:
            messages.error(request, message)
    return redirect(reverse("producer-manage", args=[producer.pk]) + "#logins")


# --- products and their prices ------------------------------------------------------------------------------

def product_choices(producer: Producer) -> dict:
    return {"categories": services.club_categories(producer.club_id),
            "containers": list(Container.objects.filter(club_id=producer.club_id).order_by("name"))}


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request, producer_id: int):
    producer, _coordinator = producer_for_editing(request, producer_id)
    choices = product_choices(producer)
    form = ProductForm(new=True, **choices)
    if request.method == "POST":
        form = ProductForm(request.POST, new=True, **choices)
        if form.is_valid():
            try:
                product = services.create_product(producer=producer, values=form.values(),
                                                  unit_price=form.cleaned_data["unit_price"])
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The product “%(name)s” is added.") % {"name": product.name},
                            reverse("producer-manage", args=[producer.pk]))
    return render(request, "web/catalog_manage/product_form.html", {
        "producer": producer, "club": producer.club, "form": form, "product": None,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def product_manage(request, product_id: int):
    """A product's details (its price aside), a new price from a date and time, the price history, and the open
    cycles that keep the price they froze."""
    product, _coordinator = product_for_editing(request, product_id)
    producer = product.producer
    choices = product_choices(producer)
    form = ProductForm(new=False, initial=product_initial(product), prefix="product", **choices)
    price = PriceForm(prefix="price")
    failed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "product":
            form = failed = ProductForm(request.POST, new=False, prefix="product", **choices)
            if form.is_valid():
                try:
                    services.save_product(producer=producer, product_id=product.pk, values=form.values())
                except ActionError as error:
                    form.add_service_error(error)
                else:
                    return done(request, _("The product is saved."))
        elif action == "price":
            price = failed = PriceForm(request.POST, prefix="price")
            if price.is_valid():
                try:
                    change = services.change_price(product_id=product.pk, unit_price=price.cleaned_data["unit_price"],
                                                   since=price.cleaned_data["since"])
                except ActionError as error:
                    price.add_service_error(error)
                else:
                    return done(request, _("The new price, %(price)s, is in the price history.") % {
                        "price": format_money(change.unit_price)}, request.path + "#history")
        else:
            raise Http404
    history = services.price_history(product)
    frozen = list(Offer.objects.filter(product=product, cycle__closed_at__isnull=True).select_related("cycle")
                  .order_by("cycle__closes_at"))
    return render(request, "web/catalog_manage/product.html", {
        "product": product, "producer": producer, "club": producer.club, "form": form, "price": price,
        "history": history[::-1], "frozen": frozen, "now": timezone.localtime(),
    }, status=400 if failed is not None and failed.errors else 200)


# --- the club's lists: categories, labels, charter, containers ----------------------------------------------

def _list_action(request, *, form_class, field: str, add, rename, delete, move=None):
    """The POST of a list page: ``action`` add | rename | move | delete (the row's ``id``), each a callable that
    acts and returns what to tell the user. Returns (failed form, its row's id or None for the new one), or
    (None, None) when done (the message is flashed; a refusal without a form too)."""
    action = request.POST.get("action", "")
    row_id = None if action == "add" else posted_id(request, "id")
    form = None
    try:
        if action == "add":
            form = form_class(request.POST, prefix="new")
            if form.is_valid():
                message = add(form.cleaned_data[field])
        elif action == "rename":
            form = form_class(request.POST, prefix=f"row-{row_id}")
            if form.is_valid():
                message = rename(row_id, form.cleaned_data[field])
        elif action == "move" and move is not None:
            message = move(row_id, offset_of(request))
        elif action == "delete":
            message = delete(row_id)
        else:
            raise Http404
    except ActionError as error:
        if form is None:
            for text in error.all_messages:
                messages.error(request, text)
            return None, None
        form.add_service_error(error)
    if form is not None and form.errors:
        return form, row_id
    messages.success(request, message)
    return None, None


def list_page(request, template: str, *, club: Club, rows: list, form_class, failed, failed_row, **context):
    """A list page: each row with its form (the one that failed keeps what was typed), and the form to add one."""
    forms_of_rows = [(row, failed if failed is not None and failed_row == row.pk else form_class(
        prefix=f"row-{row.pk}", initial=initial)) for row, initial in rows]
    new = failed if failed is not None and failed_row is None else form_class(prefix="new")
    return render(request, template, {"club": club, "rows": forms_of_rows, "new": new, **context},
                  status=400 if failed is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def categories_manage(request, club_id: int):
    """The club's categories (its products' chains, in the order members see them) and the installation's."""
    club = club_for_catalogue(request, club_id)
    failed = failed_row = None
    if request.method == "POST":

        def add(name):
            return _("The category “%(name)s” is added.") % {"name": services.save_category(club=club, name=name).name}

        def rename(pk, name):
            category = services.save_category(club=club, category_id=pk, name=name)
            return _("The category is renamed “%(name)s”.") % {"name": category.name}

        def move(pk, offset):
            services.move_category(club=club, category_id=pk, offset=offset)
            return _("The order is saved.")

        def delete(pk):
            services.delete_category(club=club, category_id=pk)
            return _("The category is removed.")

        failed, failed_row = _list_action(request, form_class=NameForm, field="name", add=add, rename=rename,
                                          move=move, delete=delete)
        if failed is None:
            return redirect(request.path + "#categories")
    categories = list(Category.objects.of_club(club.pk)
                      .annotate(product_count=Count("products", filter=Q(products__producer__club=club)))
                      .order_by("position", "name"))
    return list_page(request, "web/catalog_manage/categories.html", club=club, form_class=NameForm, failed=failed,
                     failed_row=failed_row, rows=[(c, {"name": c.name}) for c in categories if c.club_id == club.pk],
                     shared=[c for c in categories if c.club_id is None])


@login_required
@require_http_methods(["GET", "POST"])
def labels_manage(request, club_id: int):
    """The labels the club's producers may hold: its own and the installation's."""
    club = club_for_catalogue(request, club_id)
    failed = failed_row = None
    if request.method == "POST":

        def add(name):
            return _("The label “%(name)s” is added.") % {"name": services.save_label(club=club, name=name).name}

        def rename(pk, name):
            return _("The label is renamed “%(name)s”.") % {
                "name": services.save_label(club=club, label_id=pk, name=name).name}

        def delete(pk):
            services.delete_label(club=club, label_id=pk)
            return _("The label is removed.")

        failed, failed_row = _list_action(request, form_class=NameForm, field="name", add=add, rename=rename,
                                          delete=delete)
        if failed is None:
            return redirect(request.path + "#labels")
    labels = list(Label.objects.of_club(club.pk).annotate(producer_count=Count("producers", filter=Q(producers__club=club)))
                  .order_by("name"))
    return list_page(request, "web/catalog_manage/labels.html", club=club, form_class=NameForm, failed=failed,
                     failed_row=failed_row, rows=[(label, {"name": label.name}) for label in labels
                                                  if label.club_id == club.pk],
                     shared=[label for label in labels if label.club_id is None])


@login_required
@require_http_methods(["GET", "POST"])
def charter_manage(request, club_id: int):
    """The club's charter: the commitments every farm visit checks, in their order."""
    club = club_for_catalogue(request, club_id)
    failed = failed_row = None
    if request.method == "POST":

        def add(text):
            services.save_charter_point(club=club, text=text)
            return _("The commitment is added.")

        def rename(pk, text):
            services.save_charter_point(club=club, point_id=pk, text=text)
            return _("The commitment is saved.")

        def move(pk, offset):
            services.move_charter_point(club=club, point_id=pk, offset=offset)
            return _("The order is saved.")

        def delete(pk):
            services.delete_charter_point(club=club, point_id=pk)
            return _("The commitment is removed.")

        failed, failed_row = _list_action(request, form_class=CharterForm, field="text", add=add, rename=rename,
                                          move=move, delete=delete)
        if failed is None:
            return redirect(request.path + "#charter")
    points = list(CharterPoint.objects.filter(club=club).order_by("position", "pk"))
    checked = set(VisitCheck.objects.filter(point__club=club).values_list("point_id", flat=True).distinct())
    for point in points:
        point.checked = point.pk in checked
    return list_page(request, "web/catalog_manage/charter.html", club=club, form_class=CharterForm, failed=failed,
                     failed_row=failed_row, rows=[(p, {"text": p.text}) for p in points])


@login_required
@require_http_methods(["GET", "POST"])
def containers_manage(request, club_id: int):
    """The club's returnable containers and their deposits (a product carries one per order step)."""
    club = club_for_catalogue(request, club_id)
    producers = list(Producer.objects.filter(club=club).order_by("name").only("pk", "name"))
    containers = list(Container.objects.filter(club=club).select_related("producer")
                      .annotate(product_count=Count("products")).order_by("name"))
    forms_by_row = {c.pk: ContainerForm(prefix=f"row-{c.pk}", producers=producers, initial={
        "name": c.name, "deposit": c.deposit, "producer": c.producer_id}) for c in containers}
    new = ContainerForm(prefix="new", producers=producers)
    failed = None
    if request.method == "POST":
        row_id = parse_id(request.POST.get("id", "")) if request.POST.get("id") else None
        if row_id is not None and row_id not in forms_by_row:
            raise Http404
        prefix = f"row-{row_id}" if row_id is not None else "new"
        failed = ContainerForm(request.POST, prefix=prefix, producers=producers)
        if row_id is None:
            new = failed
        else:
            forms_by_row[row_id] = failed
        if failed.is_valid():
            try:
                container = services.save_container(club=club, container_id=row_id, values=failed.cleaned_data)
            except ActionError as error:
                failed.add_service_error(error)
            else:
                return done(request, _("The container “%(name)s” is saved.") % {"name": container.name},
                            request.path + "#containers")
    return render(request, "web/catalog_manage/containers.html", {
        "club": club, "rows": [(c, forms_by_row[c.pk]) for c in containers], "new": new,
    }, status=400 if failed is not None else 200)
