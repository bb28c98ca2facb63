from django.contrib import admin

from .models import Category, Producer, Product


class ProductInline(admin.TabularInline):
    model = Product
    fields = ["name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total", "is_active"]
    extra = 0


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    list_display = ["name", "club", "address", "email"]
    list_filter = ["club"]
    search_fields = ["name"]
    inlines = [ProductInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "producer", "category", "unit", "unit_price", "vat_rate", "pack_size", "is_active"]
    list_filter = ["category", "producer__club", "is_active"]
    list_select_related = ["producer", "category"]
    search_fields = ["name", "producer__name"]
