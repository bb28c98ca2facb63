"""What members choose to receive, and the record of what was sent (so that an event is never sent twice)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """One kind per e-mail a member can turn off on « Mon compte »."""

    CYCLE_OPENED = "cycle_opened", _("A cycle opens")
    DEADLINE = "deadline", _("The deadline is near and I have not ordered")
    CLOSING = "closing", _("My order at closing (products cancelled or rationed)")
    PICKUP = "pickup", _("The eve of the distribution: place, time, what to bring back")
    THRESHOLD = "threshold", _("A product is close to going ahead")
    CYCLE_CLOSED = "cycle_closed", _("Coordinators: a cycle closed, with its documents")
    WAITLIST = "waitlist", _("Coordinators: a household asks to join, a place frees up")
    CLAIM = "claim", _("Coordinators: a depot received less than expected, or damaged goods")
    UNMATCHED = "unmatched", _("Treasury: bank lines not matched to a household")
    SHIFT = "shift", _("The day before my shift: where and when")
    SHIFT_UNFILLED = "shift_unfilled", _("Coordinators: no one has signed up yet for a shift in two days")


# Kinds every member may receive; the others go to coordinators (and treasurers) only.
MEMBER_KINDS = [Kind.CYCLE_OPENED, Kind.DEADLINE, Kind.CLOSING, Kind.PICKUP, Kind.THRESHOLD, Kind.SHIFT]


class Preference(models.Model):
    """A member's choice for one kind; no row means the e-mail is wanted (each carries a link to stop it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("notification"), max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(_("receive it"), default=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]


class NotificationEvent(models.Model):
    """An event that sends e-mails (a cycle opened, a deadline near, a distribution tomorrow…), recorded when
    its task is enqueued: the same event is never queued twice (cron may look again before the worker ran).
    ``done_at`` once every recipient was sent their e-mail."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    event = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("notification event")
        constraints = [models.UniqueConstraint(fields=["kind", "event"], name="notification_event_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event}"


class SentNotification(models.Model):
    """One e-mail of one kind for one event (``event``, e.g. ``cycle:12`` or ``cycle:12:2026-12-03``) to one
    member: recorded and claimed before sending, stamped (``sent_at``) once sent. The unique constraint is
    what makes a retried or repeated task send nothing twice."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    event = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    # the task sending it: claimed in one UPDATE, so that two tasks for one event never both send it; a claim
    # older than services.STALE_CLAIM (a worker that died) is taken over
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification sent")
        verbose_name_plural = _("notifications sent")
        constraints = [models.UniqueConstraint(fields=["kind", "event", "user"], name="notification_sent_once")]
        indexes = [models.Index(fields=["kind", "event"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.event} → {self.email}"
