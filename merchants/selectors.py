"""Reads of the merchants domain: the review queue, an applicant's application, public merchant
pages, and which goods the storefront may list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from oscar.core.loading import get_model

from merchants.models import (
    LIVE_APPLICATION_STATUSES,
    REVIEW_PERMISSION,
    Merchant,
    MerchantApplication,
    MerchantApplicationEvent,
    MerchantEvent,
    MerchantStatus,
)

Category = get_model("catalogue", "Category")
Option = get_model("catalogue", "Option")
Product = get_model("catalogue", "Product")
ProductReview = get_model("reviews", "ProductReview")
StockRecord = get_model("partner", "StockRecord")

NOT_TRADING = tuple(status for status in MerchantStatus.values if status != MerchantStatus.APPROVED)


# --- storefront ---------------------------------------------------------------------------


#: Cache key of ``partner_ids_not_trading``; ``merchant_trading_cache_clear`` empties it whenever
#: a merchant is saved or deleted.
NOT_TRADING_CACHE_KEY = "merchants:partner-ids-not-trading:v1"
NOT_TRADING_CACHE_SECONDS = 300


def partner_ids_not_trading() -> frozenset[int]:
    """Partners whose merchant is not approved (suspended, applied, rejected).

    Partners without a merchant are not in it. Read from the cache (Redis), else from the
    database (one query) and cached; a merchant's save or delete clears it (``merchants.signals``),
    and it expires after ``NOT_TRADING_CACHE_SECONDS`` in any case. Used by the partner strategy,
    at most once per request; checkout re-checks the merchant in the database under a row lock.
    """
    cached = cache.get(NOT_TRADING_CACHE_KEY)
    if cached is not None:
        return frozenset(cached)
    ids = sorted(
        Merchant.objects.filter(status__in=NOT_TRADING).values_list("partner_id", flat=True)
    )
    cache.set(NOT_TRADING_CACHE_KEY, ids, NOT_TRADING_CACHE_SECONDS)
    return frozenset(ids)


def merchant_trading_cache_clear() -> None:
    """Forget the cached ``partner_ids_not_trading`` now and again when the current transaction
    commits (a request reading between the two would otherwise cache the old statuses)."""
    cache.delete(NOT_TRADING_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(NOT_TRADING_CACHE_KEY))


def product_filter_trading(*, products: QuerySet) -> QuerySet:
    """``products`` without the goods of merchants that are not trading.

    A product is left out when one of its stock records, or one of its variants' stock records,
    belongs to a merchant that is not approved. Goods of partners without a merchant stay. Adds
    two ``NOT EXISTS`` subqueries (served by the stock record foreign key indexes); reads nothing.
    """
    blocked = StockRecord.objects.filter(partner__merchant__status__in=NOT_TRADING)
    return products.exclude(Exists(blocked.filter(product=OuterRef("pk")))).exclude(
        Exists(blocked.filter(product__parent=OuterRef("pk")))
    )


# --- applicant ----------------------------------------------------------------------------


def merchant_application_current(*, applicant: Any) -> MerchantApplication | None:
    """The applicant's application in progress or approved, else their latest rejected one, else
    None. With its categories and events (actor included)."""
    applications = (
        MerchantApplication.objects.filter(applicant=applicant)
        .select_related("merchant")
        .prefetch_related("categories", _events_prefetch())
    )
    live = applications.filter(status__in=LIVE_APPLICATION_STATUSES).first()
    if live is not None:
        return live
    return applications.order_by("-submitted_at", "-pk").first()


def merchant_application_visible_to(*, application_id: int, user: Any) -> MerchantApplication:
    """The application if ``user`` may see it and its licence scan: its applicant, or municipal
    staff (the review permission). Raises ``MerchantApplication.DoesNotExist`` otherwise, so
    callers answer the same for "not yours" as for "no such application"."""
    application = MerchantApplication.objects.get(pk=application_id)
    if user.is_authenticated and (
        application.applicant_id == user.pk or user.has_perm(REVIEW_PERMISSION)
    ):
        return application
    raise MerchantApplication.DoesNotExist


def _events_prefetch() -> Prefetch:
    return Prefetch(
        "events",
        queryset=MerchantApplicationEvent.objects.select_related("actor").order_by(
            "created_at", "pk"
        ),
    )


# --- municipal staff ----------------------------------------------------------------------


def merchant_application_queue(*, status: str | None = None) -> QuerySet[MerchantApplication]:
    """Applications for the review queue, oldest submission first, optionally of one status.

    Each row has its applicant and merchant joined; nothing else is read per row.
    """
    applications = MerchantApplication.objects.select_related("applicant", "merchant").order_by(
        "submitted_at", "pk"
    )
    if status:
        applications = applications.filter(status=status)
    return applications


def merchant_application_counts() -> dict[str, int]:
    """Number of applications per status (every status present, zero included). One query."""
    from merchants.models import ApplicationStatus

    counts = dict.fromkeys(ApplicationStatus.values, 0)
    for row in MerchantApplication.objects.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def merchant_application_for_review(*, application_id: int) -> MerchantApplication:
    """One application with its applicant, categories, events, and merchant with its events.
    Raises ``MerchantApplication.DoesNotExist``."""
    return (
        MerchantApplication.objects.select_related("applicant", "merchant")
        .prefetch_related(
            "categories",
            _events_prefetch(),
            Prefetch(
                "merchant__events",
                queryset=MerchantEvent.objects.select_related("actor").order_by("created_at", "pk"),
            ),
        )
        .get(pk=application_id)
    )


# --- public merchant page -----------------------------------------------------------------


def merchant_public_get(*, slug: str) -> Merchant:
    """The trading merchant with ``slug``, its application (main categories) joined.

    Raises ``Merchant.DoesNotExist`` for an unknown slug and for a merchant that is not trading
    (suspended, applied, rejected): the public must not tell them apart.
    """
    return (
        Merchant.objects.select_related("partner", "application")
        .prefetch_related(
            Prefetch("application__categories", queryset=Category.objects.order_by("path"))
        )
        .get(slug=slug, status=MerchantStatus.APPROVED)
    )


def _sells(merchant: Merchant) -> Q:
    """Products with a stock record of the merchant's partner, their own or a variant's."""
    own = StockRecord.objects.filter(partner_id=merchant.partner_id, product=OuterRef("pk"))
    variants = StockRecord.objects.filter(
        partner_id=merchant.partner_id, product__parent=OuterRef("pk")
    )
    return Q(Exists(own)) | Q(Exists(variants))


def merchant_public_products(*, merchant: Merchant) -> QuerySet:
    """The merchant's browsable products, newest first, with what a product card reads.

    Stock records come with their partner and merchant (so the strategy reads the merchant's
    status without a query), images, product class, public variants with their stock records,
    and the option flags ``Product.has_options`` reads: a page costs the same number of queries
    whatever its size.
    """
    stockrecords = StockRecord.objects.select_related("partner__merchant")
    variants = Product.objects.public().prefetch_related(
        Prefetch("stockrecords", queryset=stockrecords)
    )
    return (
        Product.objects.browsable()
        .filter(_sells(merchant))
        .select_related("product_class")
        .annotate(
            has_product_class_options=Exists(
                Option.objects.filter(productclass=OuterRef("product_class"))
            ),
            has_product_options=Exists(Option.objects.filter(product=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch("stockrecords", queryset=stockrecords),
            "images",
            Prefetch("children", queryset=variants, to_attr="_prefetched_public_children"),
        )
        .order_by("-date_created", "-pk")
    )


def merchant_categories(*, merchant: Merchant) -> list[Any]:
    """The merchant's main categories from its application; for a merchant without one (created
    before onboarding existed), the categories its browsable products are filed under."""
    application = getattr(merchant, "application", None)
    if application is not None:
        return list(application.categories.all())
    return list(
        Category.objects.filter(
            Exists(
                Product.objects.browsable()
                .filter(_sells(merchant))
                .filter(categories=OuterRef("pk"))
            )
        ).order_by("path")
    )


@dataclass(frozen=True)
class MerchantRating:
    average: Decimal | None
    count: int


def merchant_rating(*, merchant: Merchant) -> MerchantRating:
    """Average score and number of approved Oscar product reviews over the merchant's public
    products (variants' reviews count for their parent's merchant too). One query."""
    reviewed = Product.objects.public().filter(_sells(merchant)).filter(pk=OuterRef("product_id"))
    result = (
        ProductReview.objects.filter(status=ProductReview.APPROVED)
        .filter(Exists(reviewed))
        .aggregate(average=Avg("score"), count=Count("pk"))
    )
    average = result["average"]
    return MerchantRating(
        average=Decimal(str(average)).quantize(Decimal("0.1")) if average is not None else None,
        count=result["count"],
    )
