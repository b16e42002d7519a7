"""Customs declarations: one per cross-border merchant order, its items, documents, queries,
risk hits and the append-only audit trail.

Statuses change only in ``customs.services`` through ``DECLARATION_TRANSITIONS``, under a row lock;
each change appends a ``DeclarationEvent`` (who, what, from, to, when, why, before and after).
PostgreSQL refuses updates and deletes of events (``pgtrigger.Protect``).
"""

from __future__ import annotations

import uuid
from typing import Final

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customs.models.nomenclature import HSCode
from customs.models.rules import Incoterm, Lane
from merchants.models import private_storage
from merchants.validators import LICENCE_EXTENSIONS


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    GREEN = "green", _("Green lane")
    YELLOW = "yellow", _("Yellow lane")
    RED = "red", _("Red lane")
    BLUE = "blue", _("Blue lane")
    QUERIED = "queried", _("Waiting for the merchant")
    HELD = "held", _("Held for inspection")
    INSPECTED = "inspected", _("Inspected")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected")
    EXITED = "exited", _("Exited")


S = DeclarationStatus
LANE_STATUSES: Final = frozenset({S.GREEN, S.YELLOW, S.RED, S.BLUE})
_WORKING: Final = frozenset({S.QUERIED, S.HELD, S.RELEASED, S.REJECTED})

#: The statuses a declaration may move to from each status.
DECLARATION_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.SUBMITTED: LANE_STATUSES | {S.REJECTED},
    S.GREEN: _WORKING,
    S.BLUE: _WORKING,
    S.YELLOW: _WORKING,
    S.RED: _WORKING,
    # The merchant answered: back to the lane's queue; or the officer moves on without waiting.
    S.QUERIED: LANE_STATUSES | {S.HELD, S.RELEASED, S.REJECTED},
    S.HELD: frozenset({S.INSPECTED, S.QUERIED, S.REJECTED}),
    S.INSPECTED: frozenset({S.RELEASED, S.REJECTED, S.QUERIED, S.HELD}),
    S.RELEASED: frozenset({S.EXITED}),
    S.REJECTED: frozenset(),
    S.EXITED: frozenset(),
}

#: How far along a declaration is. Status updates from an external customs system never move a
#: declaration to a lower rank (nor to the same rank), so out-of-order callbacks change nothing.
STATUS_RANK: Final[dict[str, int]] = {
    S.SUBMITTED: 0,
    S.GREEN: 1,
    S.YELLOW: 1,
    S.RED: 1,
    S.BLUE: 1,
    S.QUERIED: 2,
    S.HELD: 3,
    S.INSPECTED: 4,
    S.RELEASED: 5,
    S.REJECTED: 5,
    S.EXITED: 6,
}

#: Still with customs: counted in queues and SLA timers.
OPEN_STATUSES: Final = frozenset(
    {S.SUBMITTED, S.GREEN, S.YELLOW, S.RED, S.BLUE, S.QUERIED, S.HELD, S.INSPECTED}
)
#: The goods may leave.
RELEASED_STATUSES: Final = frozenset({S.RELEASED, S.EXITED})


class Category(models.TextChoices):
    """The CN23 "category of item" boxes."""

    SALE_OF_GOODS = "sale_of_goods", _("Sale of goods")
    GIFT = "gift", _("Gift")
    DOCUMENTS = "documents", _("Documents")
    COMMERCIAL_SAMPLE = "commercial_sample", _("Commercial sample")
    RETURNED_GOODS = "returned_goods", _("Returned goods")
    OTHER = "other", _("Other")


class Declaration(models.Model):
    """The export declaration of one cross-border merchant order.

    ``exporter`` (the merchant) and ``consignee`` (the buyer, from the order's shipping address) are
    snapshots as JSON: ``name``, ``name_fa`` (exporter), ``address_lines`` (list), ``city``,
    ``postcode``, ``country``, ``phone``, ``email`` (consignee), ``id`` (exporter: national id).
    Money is in minor units of ``currency``. ``duty_collected_minor`` is what checkout charged for
    duties and import VAT (the merchant order's ``duty_minor``); ``duty_difference_minor`` is the
    running total of changes made by amendments (assessed now minus assessed at creation), which
    settlement books (see ``customs.signals.declaration_duty_changed``).
    """

    Status = DeclarationStatus

    number = models.CharField(_("Number"), max_length=40, unique=True)
    merchant_order = models.OneToOneField(
        "purchases.MerchantOrder",
        on_delete=models.PROTECT,
        related_name="declaration",
        verbose_name=_("Merchant order"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("Exporter"),
    )
    status = models.CharField(
        _("Status"), max_length=16, choices=DeclarationStatus.choices, default=S.SUBMITTED
    )
    lane = models.CharField(_("Lane"), max_length=8, choices=Lane.choices, blank=True)
    destination_country = models.CharField(_("Destination"), max_length=2)
    incoterm = models.CharField(_("Incoterm"), max_length=3, choices=Incoterm.choices)
    category = models.CharField(
        _("Category"), max_length=24, choices=Category.choices, default=Category.SALE_OF_GOODS
    )
    currency = models.CharField(_("Currency"), max_length=3)
    exporter = models.JSONField(_("Exporter"), default=dict)
    consignee = models.JSONField(_("Consignee"), default=dict)
    goods_value_minor = models.BigIntegerField(_("Goods value"))
    shipping_minor = models.BigIntegerField(_("Shipping"))
    duty_minor = models.BigIntegerField(_("Duty assessed"), default=0)
    import_vat_minor = models.BigIntegerField(_("Import VAT assessed"), default=0)
    duty_collected_minor = models.BigIntegerField(_("Duties collected at checkout"), default=0)
    duty_difference_minor = models.BigIntegerField(_("Duty difference from amendments"), default=0)
    net_weight_grams = models.PositiveIntegerField(_("Net weight (grams)"))
    #: The destination and HS rules the duties were assessed with (ids and rates).
    rules = models.JSONField(_("Rules applied"), default=dict)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Assigned to"),
    )
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breached at"), null=True, blank=True)
    inspection_result = models.TextField(_("Inspection result"), blank=True)
    release_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Release requested by"),
    )
    release_requested_at = models.DateTimeField(_("Release requested at"), null=True, blank=True)
    post_clearance_audit = models.BooleanField(_("Post-clearance audit"), default=False)
    external_ref = models.CharField(_("Customs system reference"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("Submitted at"))
    lane_assigned_at = models.DateTimeField(_("Lane assigned at"), null=True, blank=True)
    released_at = models.DateTimeField(_("Released at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("Rejected at"), null=True, blank=True)
    exited_at = models.DateTimeField(_("Exited at"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("submitted_at", "pk")
        verbose_name = _("Declaration")
        verbose_name_plural = _("Declarations")
        permissions = [("work_declaration", _("Can work declarations in the customs workspace"))]
        indexes = [
            models.Index(fields=["status", "lane", "submitted_at"], name="customs_decl_queue_idx"),
            models.Index(fields=["sla_due_at"], name="customs_decl_sla_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeclarationStatus.values),
                name="customs_declaration_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(lane="") | Q(lane__in=Lane.values),
                name="customs_declaration_lane_valid",
            ),
            models.CheckConstraint(
                condition=Q(goods_value_minor__gte=0)
                & Q(shipping_minor__gte=0)
                & Q(duty_minor__gte=0)
                & Q(import_vat_minor__gte=0)
                & Q(duty_collected_minor__gte=0),
                name="customs_declaration_amounts_not_negative",
            ),
            # A lane status is the declaration's lane.
            models.CheckConstraint(
                condition=~Q(status__in=sorted(LANE_STATUSES)) | Q(lane=F("status")),
                name="customs_declaration_lane_status_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def taxes_minor(self) -> int:
        """Duty and import VAT assessed now."""
        return self.duty_minor + self.import_vat_minor


class DeclarationItem(models.Model):
    """One goods item: an order line as customs sees it."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="items", verbose_name=_("Declaration")
    )
    sequence = models.PositiveSmallIntegerField(_("Item number"))
    order_line = models.ForeignKey(
        "order.Line",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Order line"),
    )
    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Product"),
    )
    description = models.CharField(_("Description (English)"), max_length=255)
    hs_code = models.ForeignKey(
        HSCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("HS code")
    )
    quantity = models.PositiveIntegerField(_("Quantity"))
    net_weight_grams = models.PositiveIntegerField(_("Net weight (grams)"))
    value_minor = models.BigIntegerField(_("Value"))
    origin_country = models.CharField(_("Origin"), max_length=2)
    cultural_heritage = models.BooleanField(_("Antique or cultural heritage"), default=False)
    duty_rate_bp = models.PositiveIntegerField(_("Duty rate (basis points)"), default=0)
    duty_minor = models.BigIntegerField(_("Duty"), default=0)
    import_vat_minor = models.BigIntegerField(_("Import VAT"), default=0)

    class Meta:
        ordering = ("declaration", "sequence")
        verbose_name = _("Declaration item")
        verbose_name_plural = _("Declaration items")
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "sequence"], name="customs_declarationitem_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(value_minor__gte=0) & Q(duty_minor__gte=0),
                name="customs_declarationitem_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id}/{self.sequence} {self.hs_code_id}"


class EventAction(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    CLAIMED = "claimed", _("Claimed")
    ASSIGNED = "assigned", _("Assigned")
    AMENDED = "amended", _("Amended")
    QUERY_ASKED = "query_asked", _("Merchant asked")
    QUERY_ANSWERED = "query_answered", _("Merchant answered")
    DOCUMENT_ADDED = "document_added", _("Document added")
    INSPECTION = "inspection", _("Inspection result recorded")
    RELEASE_REQUESTED = "release_requested", _("Release awaiting a second officer")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    CALLBACK = "callback", _("Customs system update")


class DeclarationEvent(models.Model):
    """One entry of the audit trail: who did what, when, why, and the values before and after.

    ``actor`` is empty for the system (automatic lanes, SLA timers) and the external customs system
    (``action`` callback, or a status change whose ``source`` says so). Append-only in PostgreSQL.
    """

    Action = EventAction

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="events", verbose_name=_("Declaration")
    )
    action = models.CharField(_("Action"), max_length=24, choices=EventAction.choices)
    from_status = models.CharField(_("From"), max_length=16, blank=True)
    to_status = models.CharField(_("To"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Who"),
    )
    source = models.CharField(
        _("Source"), max_length=64, blank=True, help_text=_("officer, system, or the hook event id")
    )
    reason = models.TextField(_("Why"), blank=True)
    before = models.JSONField(_("Before"), default=dict, blank=True)
    after = models.JSONField(_("After"), default=dict, blank=True)
    created_at = models.DateTimeField(_("When"), auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("Declaration event")
        verbose_name_plural = _("Declaration events")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=EventAction.values),
                name="customs_declarationevent_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(action=EventAction.STATUS)
                | (~Q(to_status="") & ~Q(from_status=F("to_status"))),
                name="customs_declarationevent_status_changes",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="customs_declarationevent_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        if self.action == EventAction.STATUS:
            return f"{self.from_status} → {self.to_status}"
        return self.action


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PERMIT = "permit", _("Permit or authorisation")
    CERTIFICATE = "certificate", _("Certificate of origin")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


def document_path(instance: DeclarationDocument, filename: str) -> str:
    """A random name with the extension of the sniffed type; the uploaded name is never a path."""
    extension = LICENCE_EXTENSIONS.get(instance.content_type, "bin")
    return f"customs-documents/{uuid.uuid4().hex}.{extension}"


class DeclarationDocument(models.Model):
    """A file attached to a declaration (a permit, an invoice, a photo), in private storage.

    Served only to customs officers and the owning merchant's staff
    (``customs.views.files.DocumentDownloadView``).
    """

    Kind = DocumentKind

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="documents")
    query = models.ForeignKey(
        "customs.DeclarationQuery",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    kind = models.CharField(
        _("Kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    file = models.FileField(
        _("File"), storage=private_storage, upload_to=document_path, max_length=200
    )
    content_type = models.CharField(_("Type"), max_length=32)
    original_name = models.CharField(_("Name"), max_length=120, blank=True)
    size = models.PositiveIntegerField(_("Size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("Declaration document")
        verbose_name_plural = _("Declaration documents")

    def __str__(self) -> str:
        return self.original_name or f"document {self.pk}"


class DeclarationQuery(models.Model):
    """An officer's question to the merchant and the merchant's answer."""

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="queries")
    question = models.TextField(_("Question"))
    # Empty when the external customs system raised the query.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(_("Asked at"), auto_now_add=True)
    answer = models.TextField(_("Answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("Answered at"), null=True, blank=True)

    class Meta:
        ordering = ("asked_at", "pk")
        verbose_name = _("Declaration query")
        verbose_name_plural = _("Declaration queries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(question=""), name="customs_declarationquery_question_given"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answer="")
                | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="customs_declarationquery_answer_iff_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"query {self.pk} on {self.declaration_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class RiskHit(models.Model):
    """A selectivity rule that hit this declaration, with the reason the officer sees."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="risk_hits")
    rule = models.ForeignKey(
        "customs.RiskRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hits",
    )
    kind = models.CharField(_("Criterion"), max_length=24)
    lane = models.CharField(_("Lane"), max_length=8, choices=Lane.choices)
    reason = models.CharField(_("Reason"), max_length=255)
    detail = models.JSONField(_("Detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("At"), auto_now_add=True)

    class Meta:
        ordering = ("declaration", "pk")
        verbose_name = _("Risk hit")
        verbose_name_plural = _("Risk hits")

    def __str__(self) -> str:
        return f"{self.lane}: {self.reason}"
