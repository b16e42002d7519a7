from django.contrib import admin

from merchants.models import Merchant, MerchantApplication, MerchantApplicationEvent, MerchantEvent

# Status changes go through services (allowed transitions plus an event row), never a form; event
# rows are append-only.


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_status", "to_status", "reason", "notified_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MerchantEventInline(ReadOnlyInline):
    model = MerchantEvent


class MerchantApplicationEventInline(ReadOnlyInline):
    model = MerchantApplicationEvent


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_fa", "slug", "status", "city", "created_at")
    list_filter = ("status", "city")
    search_fields = ("name_en", "name_fa", "slug", "partner__name", "partner__code")
    raw_id_fields = ("partner",)
    readonly_fields = ("status", "created_at", "updated_at")
    list_select_related = ("partner",)
    inlines = [MerchantEventInline]


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications are reviewed on /merchants/review/, through the services."""

    list_display = ("name_en", "name_fa", "applicant", "status", "submitted_at", "merchant")
    list_filter = ("status",)
    search_fields = ("name_en", "name_fa", "trade_licence_number", "applicant__email")
    list_select_related = ("applicant", "merchant")
    # The licence scan has no URL (private storage): it is linked from the review page only.
    exclude = ("licence_scan",)
    inlines = [MerchantApplicationEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
