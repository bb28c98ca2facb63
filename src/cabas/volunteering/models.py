"""Volunteer work: what kinds of tasks a club has, the shifts to fill, who signed up and who came, the yearly
targets, harvest calls, the drivers' rota and the secret calendar links."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import CertificationVisit, Producer
from cabas.members.models import Club, Group, Household

HOURS = {"max_digits": 6, "decimal_places": 2}


class TaskCategory(models.TextChoices):
    RECEPTION = "reception", _("reception of the delivery")
    DISTRIBUTION = "distribution", _("distribution")
    CASH = "cash", _("cash desk")
    DRIVING = "driving", _("driving a round")
    HARVEST = "harvest", _("harvest help")
    FARM_VISIT = "farm_visit", _("farm visit")
    ACCOUNTING = "accounting", _("accounting")
    OTHER = "other", _("other")


class TaskKind(models.Model):
    """A kind of work the club's groups share out, with how long it takes and how many people it needs."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="task_kinds", verbose_name=_("club"))
    category = models.CharField(_("category"), max_length=16, choices=TaskCategory.choices)
    name = models.CharField(_("name"), max_length=120)
    hours = models.DecimalField(_("hours per person"), validators=[MinValueValidator(Decimal("0.25")),
                                MaxValueValidator(Decimal("24"))], **HOURS)
    people_needed = models.PositiveSmallIntegerField(_("people needed"), default=1,
                                                     validators=[MinValueValidator(1), MaxValueValidator(50)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("task kind")
        verbose_name_plural = _("task kinds")
        ordering = ["club", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["club", "category", "name"], name="task_kind_unique_name")]

    def __str__(self) -> str:
        return self.name


class VolunteerTarget(models.Model):
    """Hours each household is asked to give in a year: the club's (no group) or a group's own."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="volunteer_targets", verbose_name=_("club"))
    group = models.OneToOneField(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="volunteer_target",
                                 verbose_name=_("group"))
    hours_per_year = models.DecimalField(_("hours per household and year"),
                                         validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("500"))], **HOURS)

    class Meta:
        verbose_name = _("volunteering target")
        verbose_name_plural = _("volunteering targets")
        constraints = [models.UniqueConstraint(fields=["club"], condition=Q(group__isnull=True), name="volunteer_target_one_per_club")]


class TargetAdjustment(models.Model):
    """A household's own target for a year, reduced or waived (0) — confidential: its reason is seen only by
    the group's and club's coordinators and the solidarity referents; the household sees its target."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="target_adjustments",
                                  verbose_name=_("household"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    hours = models.DecimalField(_("hours this year"), validators=[MinValueValidator(Decimal("0"))], **HOURS)
    reason = models.CharField(_("reason (confidential)"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("target adjustment")
        verbose_name_plural = _("target adjustments")
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="target_adjustment_unique")]


class HarvestCall(models.Model):
    """A producer asks for hands: a day on the farm (harvest, planting, a big bottling…)."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="harvest_calls", verbose_name=_("producer"))
    title = models.CharField(_("what for"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("harvest call")
        verbose_name_plural = _("harvest calls")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.producer} — {self.title}"


class DriverRota(models.Model):
    """Pooled rounds driven in turn by producers or members over a season, balanced by ``rota.plan_rota``."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="driver_rotas", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("season starts"))
    ends_on = models.DateField(_("season ends"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("drivers' rota")
        verbose_name_plural = _("drivers' rotas")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="rota_ends_after_start")]

    def __str__(self) -> str:
        return self.name


class RotaDriver(models.Model):
    """Someone who takes turns at the wheel: a producer's account or a member."""

    rota = models.ForeignKey(DriverRota, on_delete=models.CASCADE, related_name="drivers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_places",
                             verbose_name=_("driver"))
    producer = models.ForeignKey(Producer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("for the producer"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rota", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["rota", "user"], name="rota_driver_unique")]


class Shift(models.Model):
    """A piece of work at a time and place that needs ``people_needed`` people; each who came is credited
    ``hours``. Made from the calendar (a distribution, a planned round, a harvest call, a farm visit, a rota's
    turn) — ``source`` names it once, so making shifts again adds none twice — or added by hand. ``group`` empty:
    open to the whole club."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("club"))
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts",
                              verbose_name=_("group"), help_text=_("Empty: open to every group of the club."))
    kind = models.ForeignKey(TaskKind, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("task"))
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    people_needed = models.PositiveSmallIntegerField(_("people needed"),
                                                     validators=[MinValueValidator(1), MaxValueValidator(50)])
    hours = models.DecimalField(_("hours credited per person"), validators=[MinValueValidator(Decimal("0"))], **HOURS)
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(max_length=60, blank=True)  # "distribution:<id>:<kind>", "visit:<id>", "" by hand
    distribution = models.ForeignKey("distribution.Distribution", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="shifts")
    harvest_call = models.ForeignKey(HarvestCall, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts")
    visit = models.ForeignKey(CertificationVisit, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts")
    rota = models.ForeignKey(DriverRota, on_delete=models.CASCADE, null=True, blank=True, related_name="turns")
    sequence = models.PositiveIntegerField(default=0)  # bumped when its time or place changes (iCal SEQUENCE)
    updated_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("attendance confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.UniqueConstraint(fields=["club", "source"], condition=~Q(source=""), name="shift_unique_source"),
        ]
        indexes = [models.Index(fields=["club", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class Signup(models.Model):
    """A person on a shift, for their household (a producer's account has none). ``attended`` is set by a
    coordinator after the shift: hours count only once it is True."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signups",
                             verbose_name=_("member"))
    household = models.ForeignKey(Household, on_delete=models.CASCADE, null=True, blank=True, related_name="signups")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    attended = models.BooleanField(_("attended"), null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["shift", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="signup_unique_person")]


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("withdrawn")


class SwapOffer(models.Model):
    """Someone asks another person to take their place on a shift, possibly in exchange for one of theirs.
    Nothing changes until the other accepts."""

    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="swap_offers")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swap_offers_received")
    in_exchange = models.ForeignKey(Signup, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("swap")
        verbose_name_plural = _("swaps")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["signup"], condition=Q(status="pending"), name="swap_one_pending")]


class CalendarFeed(models.Model):
    """The secret address of an iCal feed: a member's own, or a group's. Resetting it gives a new token and the
    old address stops answering."""

    token = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="calendar_feed")
    group = models.OneToOneField(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feed")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(user__isnull=True) ^ Q(group__isnull=True), name="calendar_feed_one_owner")]

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)
