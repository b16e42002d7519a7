from django.contrib import admin

from customs.models import HSCode, ProductCustomsInfo
from customs.services import product_customs_set


@admin.register(HSCode)
class HSCodeAdmin(admin.ModelAdmin):
    """Reference data loaded by migration: searchable, never edited here."""

    list_display = ("code", "level", "section", "description")
    list_filter = ("level", "section")
    search_fields = ("code", "description")
    readonly_fields = ("code", "level", "parent", "description", "section")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProductCustomsInfo)
class ProductCustomsInfoAdmin(admin.ModelAdmin):
    list_display = ("product", "hs_code", "origin_country", "net_weight_grams", "updated_at")
    list_filter = ("origin_country",)
    search_fields = ("product__upc", "product__title", "hs_code__code", "customs_description")
    raw_id_fields = ("product",)
    autocomplete_fields = ("hs_code",)  # limit_choices_to keeps it to subheadings
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("product", "hs_code")

    def save_model(self, request, obj, form, change):
        # The form has run the model's validators and clean(); the service owns the write.
        saved = product_customs_set(
            product=obj.product,
            hs_code=obj.hs_code_id,
            origin_country=obj.origin_country,
            net_weight_grams=obj.net_weight_grams,
            customs_description=obj.customs_description,
        )
        obj.pk = saved.pk
