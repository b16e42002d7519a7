"""Read-only admin views of payments: statuses change only through payments.services."""

from django.contrib import admin

from payments.models import Payment, PaymentEvent, ProviderEvent, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "source", "reason", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "status",
        "amount_minor",
        "currency",
        "captured_minor",
        "refunded_minor",
        "gateway",
        "card_brand",
        "card_last4",
        "created_at",
    )
    list_filter = ("status", "gateway", "currency")
    search_fields = ("reference", "provider_ref")
    inlines = [PaymentEventInline]


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("provider", "event_id", "type", "object_id", "received_at", "processed_at")
    list_filter = ("provider", "type")
    search_fields = ("event_id", "object_id")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "payment",
        "merchant_order",
        "amount_minor",
        "currency",
        "status",
        "requested_by",
        "source",
    )
    list_filter = ("status", "source")
