from django.contrib import admin

from .models import (
    Contract, ContractProduct, Subscription, SubscriptionLine, SubscriptionOffer, SubscriptionOfferLine, SubscriptionSkip,
)


class ContractProductInline(admin.TabularInline):
    model = ContractProduct
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["title", "club", "producer", "frequency", "guarantee_kind", "guarantee_amount", "starts_on", "ends_on"]
    list_filter = ["club", "frequency"]
    inlines = [ContractProductInline]


class SubscriptionLineInline(admin.TabularInline):
    model = SubscriptionLine
    extra = 0


class SubscriptionSkipInline(admin.TabularInline):
    model = SubscriptionSkip
    extra = 0
    fields = ["date"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["household", "producer", "season", "starts_on", "ends_on", "payment_schedule"]
    list_filter = ["producer__club", "producer"]
    inlines = [SubscriptionLineInline, SubscriptionSkipInline]


class SubscriptionOfferLineInline(admin.TabularInline):
    model = SubscriptionOfferLine
    extra = 0


@admin.register(SubscriptionOffer)
class SubscriptionOfferAdmin(admin.ModelAdmin):
    """For the installation's operators; the club's coordinators use the offers' pages."""

    list_display = ["season", "club", "producer", "starts_on", "ends_on", "signup_opens_on", "signup_closes_on"]
    list_filter = ["club"]
    inlines = [SubscriptionOfferLineInline]
