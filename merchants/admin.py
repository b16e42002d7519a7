from django.contrib import admin

from merchants.models import Merchant


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_fa", "slug", "status", "city", "created_at")
    list_filter = ("status", "city")
    search_fields = ("name_en", "name_fa", "slug", "partner__name", "partner__code")
    raw_id_fields = ("partner",)
    # Status changes go through services (allowed transitions plus an event row), never a form.
    readonly_fields = ("status", "created_at", "updated_at")
    list_select_related = ("partner",)
