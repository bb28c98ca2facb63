"""Clubs, their purchasing groups and depots, households and the people who log in."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rhythm


class Club(models.Model):
    """A regional federation of purchasing groups; owns producers and order cycles."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    group_label = models.CharField(
        _("word for a group"), max_length=60, default="groupe d'achat",
        help_text=_("The word members know their group by: GAC, GASAP, AMAP, groupement d'achat…"),
    )
    # The club's words (members.vocabulary): said on every page, e-mail and document in French; in English, a
    # proper name (GAC, GASAP, AMAP) is kept and other words are English's own.
    group_label_plural = models.CharField(
        _("plural of the word for a group"), max_length=60, blank=True,
        help_text=_("Empty: made from the word (an acronym stays as it is)."),
    )
    group_label_feminine = models.BooleanField(
        _("the word for a group is feminine"), default=False, help_text=_("« la » / « cette » (an AMAP)."),
    )
    depot_label = models.CharField(
        _("word for a depot"), max_length=60, default="lieu de dépôt",
        help_text=_("Where a group receives its goods: lieu de dépôt, point de dépôt, lieu de distribution…"),
    )
    depot_label_plural = models.CharField(
        _("plural of the word for a depot"), max_length=60, blank=True,
        help_text=_("Empty: made from the word (an acronym stays as it is)."),
    )
    depot_label_feminine = models.BooleanField(_("the word for a depot is feminine"), default=False)
    subscription_label = models.CharField(
        _("word for a subscription"), max_length=60, default="abonnement",
        help_text=_("A household's commitment over a season: abonnement, contrat AMAP, panier…"),
    )
    subscription_label_plural = models.CharField(
        _("plural of the word for a subscription"), max_length=60, blank=True,
        help_text=_("Empty: made from the word (an acronym stays as it is)."),
    )
    subscription_label_feminine = models.BooleanField(_("the word for a subscription is feminine"), default=False)
    membership_fee = models.DecimalField(
        _("yearly membership fee"), max_digits=8, decimal_places=2, default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("From a symbolic euro to 10–15 €; a group may set its own."),
    )
    producer_fee = models.DecimalField(
        _("producers' yearly membership fee"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty: the club asks its producers no fee. Posted once a year to each producer's account."),
    )

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A purchasing group of 20–30 households that receives its goods at one depot."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="groups", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"))
    capacity = models.PositiveSmallIntegerField(
        _("households at most"), null=True, blank=True, help_text=_("Empty: no limit. A full group keeps a waitlist."),
    )
    membership_fee = models.DecimalField(
        _("yearly membership fee"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text=_("Empty: the club's fee."),
    )
    # Its own rhythm (members.rhythm): the depot's distribution day every N weeks, counted from a first day.
    every_weeks = models.PositiveSmallIntegerField(
        _("distributes every (weeks)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(26)],
        help_text=_("1: every week; 2: every fortnight; 4: every month; 17: about three times a year."),
    )
    rhythm_from = models.DateField(
        _("counted from"), null=True, blank=True,
        help_text=_("A distribution day the rhythm is counted from. Empty: every week."),
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["club", "slug"], name="group_unique_slug_per_club")]

    def __str__(self) -> str:
        return self.name

    def distribution_days(self, start: datetime.date, end: datetime.date) -> list[datetime.date]:
        """The days the group's rhythm plans a distribution at its depot, from ``start`` to ``end``."""
        depot = getattr(self, "depot", None)
        if depot is None:
            return []
        return rhythm.distribution_days(weekday=depot.distribution_weekday, every_weeks=self.every_weeks,
                                        counted_from=self.rhythm_from, start=start, end=end)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Depot(models.Model):
    """Where a group receives and shares out its goods, and when."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="depot", verbose_name=_("group"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    distribution_weekday = models.PositiveSmallIntegerField(_("distribution day"), choices=Weekday.choices)
    slot_start = models.TimeField(_("distribution starts"))
    slot_end = models.TimeField(_("distribution ends"))

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        constraints = [
            models.CheckConstraint(condition=Q(slot_end__gt=models.F("slot_start")), name="depot_slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class PickupPlace(models.Model):
    """Another place where some of a group's households collect their goods. The goods still arrive at the group's
    depot (transport, reception and the depot's evening stay as they are); the group's volunteers take each place's
    share there, on the depot's distribution day or ``day_offset`` days later, for the place's slot."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="pickup_places", verbose_name=_("group"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    day_offset = models.PositiveSmallIntegerField(
        _("days after the depot's distribution"), default=0, validators=[MaxValueValidator(rhythm.MAX_PICKUP_OFFSET)],
        help_text=_("0: the same day as the depot."),
    )
    slot_start = models.TimeField(_("pick-up starts"))
    slot_end = models.TimeField(_("pick-up ends"))
    notes = models.TextField(_("notes for members"), max_length=500, blank=True,
                             help_text=_("E.g. the door code, where to ring."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pickup place")
        verbose_name_plural = _("pickup places")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(slot_end__gt=models.F("slot_start")), name="pickup_place_slot_ends_after_start"),
            models.CheckConstraint(condition=Q(day_offset__lte=6), name="pickup_place_offset_within_a_week"),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """The unit that orders, pays and volunteers; one or more members log in for it."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="households", verbose_name=_("group"))
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    # where the household collects its goods: one of its group's other places (None: the group's depot)
    pickup_place = models.ForeignKey(
        PickupPlace, on_delete=models.SET_NULL, null=True, blank=True, related_name="households",
        verbose_name=_("pickup place"),
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; a member of one household, or staff only."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="members", verbose_name=_("household"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff (admin access)"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # the interface's and e-mails' language this person chose (a code of settings.LANGUAGES); blank: the club's
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class HouseholdInvitation(models.Model):
    """A member invites a person into their household by e-mail; the person chooses a password from the link
    (``members.households``). Single use, until ``expires_on``; the link is signed with the installation's
    secret and names ``key``, so that sending the invitation again makes the earlier link useless."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="invitations",
                                  verbose_name=_("household"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("invited by"))
    first_name = models.CharField(_("first name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    key = models.CharField(max_length=40)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("household invitation")
        verbose_name_plural = _("household invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["household", "accepted_at", "cancelled_at"], name="invitation_pending")]

    def __str__(self) -> str:
        return f"{self.email} → {self.household}"

    def is_pending(self, now) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > now


class RoleKind(models.TextChoices):
    CLUB_COORDINATOR = "club_coordinator", _("club coordinator")
    GROUP_COORDINATOR = "group_coordinator", _("group coordinator")
    TREASURER = "treasurer", _("treasurer")
    SOLIDARITY = "solidarity", _("solidarity referent")


# A producer's referent member is named on the producer (catalog.Producer.referent); access_for reads it
# as this role, scoped to that producer.
PRODUCER_REFERENT = "producer_referent"


class Role(models.Model):
    """A responsibility held by a user, scoped to a club or to one group of it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("member"))
    kind = models.CharField(_("role"), max_length=40, choices=RoleKind.choices)
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="roles", verbose_name=_("club"))
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="roles", verbose_name=_("group"),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "club", "group"], name="role_unique"),
            models.CheckConstraint(
                condition=(Q(kind__in=["club_coordinator", "treasurer", "solidarity"], group__isnull=True)
                           | Q(kind="group_coordinator", group__isnull=False)),
                name="role_scope_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()} ({self.group or self.club})"


class ApplicationStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")


class MembershipApplication(models.Model):
    """A household asking to join a group, from the group's public page. Waiting applications form the
    group's waitlist, first come first served; the group's coordinator approves or declines them."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="applications", verbose_name=_("group"))
    household_name = models.CharField(_("household"), max_length=200)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.WAITING)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")  # the applicant's, for e-mails
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        ordering = ["applied_at", "pk"]
        indexes = [models.Index(fields=["group", "status", "applied_at"], name="application_queue")]

    def __str__(self) -> str:
        return f"{self.household_name} → {self.group}"


class Membership(models.Model):
    """One year of a household's membership of its group, with its fee (posted to the household's account,
    or paid by the solidarity fund). Renewing adds the next year; leaving ends the current one. The rows
    are the history: nothing is deleted."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("household"))
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("group"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    fee = models.DecimalField(_("fee"), max_digits=8, decimal_places=2)
    paid_by_fund = models.BooleanField(_("paid by the solidarity fund"), default=False)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    reminded_on = models.DateField(_("renewal reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["household", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="membership_ends_after_start"),
            models.UniqueConstraint(fields=["household", "starts_on"], name="membership_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"
