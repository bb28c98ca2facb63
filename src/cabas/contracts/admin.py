from django.contrib import admin

from cabas.members.admin_scope import ClubScopedAdmin, ClubScopedTabularInline

from .models import (
    Contract, ContractProduct, Subscription, SubscriptionLine, SubscriptionOffer, SubscriptionOfferLine, SubscriptionSkip,
)


class ContractProductInline(ClubScopedTabularInline):
    model = ContractProduct
    extra = 0


@admin.register(Contract)
class ContractAdmin(ClubScopedAdmin):
    club_path = "club"
    list_display = ["title", "club", "producer", "frequency", "guarantee_kind", "guarantee_amount", "starts_on", "ends_on"]
    list_filter = ["club", "frequency"]
    inlines = [ContractProductInline]


class SubscriptionLineInline(ClubScopedTabularInline):
    model = SubscriptionLine
    extra = 0


class SubscriptionSkipInline(ClubScopedTabularInline):
    model = SubscriptionSkip
    extra = 0
    fields = ["date"]


@admin.register(Subscription)
class SubscriptionAdmin(ClubScopedAdmin):
    club_path = "producer__club"
    list_display = ["household", "producer", "season", "starts_on", "ends_on", "payment_schedule"]
    list_filter = ["producer__club", "producer"]
    inlines = [SubscriptionLineInline, SubscriptionSkipInline]


class SubscriptionOfferLineInline(ClubScopedTabularInline):
    model = SubscriptionOfferLine
    extra = 0


@admin.register(SubscriptionOffer)
class SubscriptionOfferAdmin(ClubScopedAdmin):
    """For the installation's operators; the club's coordinators use the offers' pages."""

    club_path = "club"
    list_display = ["season", "club", "producer", "starts_on", "ends_on", "signup_opens_on", "signup_closes_on"]
    list_filter = ["club"]
    inlines = [SubscriptionOfferLineInline]
