import pghistory
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from customs.models import (
    Declaration,
    DeclarationEvent,
    DeclarationItem,
    DeliveryStatus,
    DestinationRule,
    HSCode,
    HSRule,
    InboundEvent,
    MerchantWebhookSubscription,
    OutboundDelivery,
    ProductCustomsInfo,
    RiskRule,
)
from customs.services import outbound_delivery_retry, product_customs_set
from customs.signing import secret_generate


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
    list_filter = ("origin_country", "cultural_heritage")
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
            cultural_heritage=obj.cultural_heritage,
        )
        obj.pk = saved.pk


# --- Rules: edited here, audited by pghistory (who: the admin user, through pghistory.context) ---


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes run inside a pghistory context naming the admin user and the URL, so
    every audit row of the rule says who changed it."""

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        with pghistory.context(user=request.user.pk, url=request.path):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with pghistory.context(user=request.user.pk, url=request.path):
            super().delete_model(request, obj)


@admin.register(DestinationRule)
class DestinationRuleAdmin(AuditedAdmin):
    list_display = (
        "country",
        "incoterm",
        "de_minimis_minor",
        "import_vat_bp",
        "default_duty_bp",
        "valid_from",
        "valid_to",
        "illustrative",
    )
    list_filter = ("country", "incoterm", "illustrative")
    readonly_fields = ("created_by", "created_at", "updated_at")


@admin.register(HSRule)
class HSRuleAdmin(AuditedAdmin):
    list_display = (
        "country",
        "direction",
        "hs_code",
        "kind",
        "rate_bp",
        "heritage_only",
        "valid_from",
        "valid_to",
        "illustrative",
    )
    list_filter = ("country", "direction", "kind", "illustrative")
    search_fields = ("hs_code__code", "reason", "document")
    autocomplete_fields = ("hs_code",)
    readonly_fields = ("created_by", "created_at", "updated_at")


@admin.register(RiskRule)
class RiskRuleAdmin(AuditedAdmin):
    list_display = ("name", "kind", "lane", "active", "illustrative")
    list_filter = ("kind", "lane", "active")
    autocomplete_fields = ("hs_code",)
    readonly_fields = ("created_at", "updated_at")


# --- Declarations: read-only here; officers work them at /customs/ --------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeclarationItemInline(admin.TabularInline):
    model = DeclarationItem
    extra = 0
    can_delete = False
    fields = (
        "sequence",
        "description",
        "hs_code",
        "quantity",
        "net_weight_grams",
        "value_minor",
        "origin_country",
        "duty_minor",
        "import_vat_minor",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "merchant",
        "destination_country",
        "lane",
        "status",
        "submitted_at",
        "sla_breached_at",
    )
    list_filter = ("status", "lane", "destination_country")
    search_fields = ("number", "merchant__name_en")
    inlines = [DeclarationItemInline]
    exclude = ("merchant_order",)  # the workspace shows the order number; no payment data here


@admin.register(DeclarationEvent)
class DeclarationEventAdmin(ReadOnlyAdmin):
    list_display = ("declaration", "action", "from_status", "to_status", "actor", "created_at")
    list_filter = ("action",)
    search_fields = ("declaration__number",)


@admin.register(MerchantWebhookSubscription)
class MerchantWebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("merchant", "url", "active", "created_at")
    list_filter = ("active",)
    raw_id_fields = ("merchant",)

    def get_changeform_initial_data(self, request):
        return {"secret": secret_generate(), **super().get_changeform_initial_data(request)}


@admin.action(description=_("Retry the selected failed deliveries"))
def deliveries_retry(modeladmin, request, queryset):
    retried = sum(
        outbound_delivery_retry(delivery_id=pk).status == DeliveryStatus.PENDING
        for pk in queryset.filter(status=DeliveryStatus.DEAD).values_list("pk", flat=True)
    )
    modeladmin.message_user(request, _("%(n)d delivery(ies) queued again.") % {"n": retried})


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(ReadOnlyAdmin):
    """The dead-letter list is the "Failed (dead letter)" filter; retry them with the action."""

    list_display = (
        "message_id",
        "kind",
        "status",
        "attempts",
        "last_status_code",
        "updated_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("message_id", "declaration__number")
    actions = [deliveries_retry]


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "declaration_number", "outcome", "detail", "received_at")
    list_filter = ("type", "outcome")
    search_fields = ("event_id", "declaration_number")
