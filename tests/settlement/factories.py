"""Paid purchases for settlement tests, placed and captured through the real services.

``fee_rules_create`` sets the fees every test expects (commission 10%, city fee 2% paid by the
merchant, VAT 9%); ``purchase_pay`` authorises a basket with a sandbox card, places the purchase
from the payment's checkout snapshot (as the 3-D Secure return and the orphan job do) and
captures it. ``line_fees_ensure`` adds a fee snapshot to order lines that have none (only where
missing: ``purchase_place`` writes them itself once the fee engine is wired in).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from oscar.core.loading import get_model

from fees.models import FeeKind, FeePayer, FeeRule, OrderLineFees
from marketplace.core.money import Money, allocate_minor, to_minor
from payments.models import Payment
from tests.shop import basket_build

ShippingAddress = get_model("order", "ShippingAddress")

# The sandbox's test cards (as tests/payments/fixtures.py; not imported from there, which is a
# pytest plugin module of the payments tests).
CARD_OK = "4242 4242 4242 4242"
CARD_DISPUTED = "4000 0000 0000 0259"


def card(number: str = CARD_OK) -> dict[str, str]:
    """The card fields as the payment-details form posts them."""
    return {"number": number, "expiry": "12/39", "cvc": "123", "name": "Zahra Ahmadi"}


COMMISSION_BP = 1000
CITY_FEE_BP = 200
VAT_BP = 900


def fee_rules_create(*, currency: str = "IRR") -> None:
    """Commission 10% and a 2% city fee, both borne by the merchant; VAT 9% paid by the buyer."""
    since = timezone.now() - timedelta(days=30)
    for kind, rate, payer in (
        (FeeKind.COMMISSION, COMMISSION_BP, FeePayer.MERCHANT),
        (FeeKind.MUNICIPAL_FEE, CITY_FEE_BP, FeePayer.MERCHANT),
        (FeeKind.VAT, VAT_BP, FeePayer.BUYER),
    ):
        FeeRule.objects.create(
            kind=kind, rate_bp=rate, payer=payer, currency=currency, valid_from=since
        )


def line_fees_ensure(purchase: Any) -> int:
    """Give every order line of ``purchase`` without a fee snapshot one, consistent with what the
    merchant order charged: its city fee, VAT and duties spread over its lines by goods value
    (largest remainder), commission and (when the buyer paid none) a city fee borne by the
    merchant at the rates above. Returns how many were added."""
    added = 0
    for mo in purchase.merchant_orders.select_related("order"):
        lines = list(mo.order.lines.filter(fees__isnull=True).order_by("pk"))
        if not lines:
            continue
        bases = [to_minor(line.line_price_excl_tax, purchase.currency) for line in lines]
        weights = bases if sum(bases) else [1] * len(bases)
        city_fees = allocate_minor(mo.city_fee_minor, weights)
        vats = allocate_minor(mo.vat_minor, weights)
        duties = allocate_minor(mo.duty_minor, weights)
        for line, base, city_fee, vat, duty in zip(
            lines, bases, city_fees, vats, duties, strict=True
        ):
            commission = base * COMMISSION_BP // 10_000
            municipal = city_fee or base * CITY_FEE_BP // 10_000
            merchant_paid = 0 if city_fee else municipal
            OrderLineFees.objects.create(
                merchant_order=mo,
                line=line,
                currency=purchase.currency,
                quantity=line.quantity,
                base_minor=base,
                city_fee_minor=city_fee,
                municipal_fee_minor=municipal,
                municipal_fee_payer=FeePayer.BUYER if city_fee else FeePayer.MERCHANT,
                commission_minor=commission,
                vat_minor=vat,
                duty_minor=duty,
                gross_minor=base + city_fee + vat + duty,
                merchant_net_minor=base - commission - merchant_paid,
                rules={"test": "tests.settlement.factories.line_fees_ensure"},
            )
            added += 1
    return added


def address(country: str = "IR") -> Any:
    return ShippingAddress(
        first_name="Reza",
        last_name="Karimi",
        line1="Imam Reza St 12",
        line4="Mashhad" if country == "IR" else "Herat",
        country_id=country,
    )


_REFERENCES = iter(range(700_000, 800_000))


def payment_authorize_for(
    items: list[tuple[Any, int]], *, number: str = CARD_OK, country: str = "IR"
) -> Payment:
    """A frozen basket of ``items`` and its authorised sandbox payment (no purchase yet)."""
    from marketplace.oscar_apps.checkout.forms import CardForm
    from payments.services import checkout_snapshot, payment_authorize
    from purchases.quotes import purchase_quote_landed

    basket = basket_build(items)
    basket.freeze()
    snapshot = checkout_snapshot(
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=address(country),
        billing_address=None,
        shipping_method_code="merchant-delivery",
        order_status=None,
    )
    # What checkout charges: abroad, with the duties customs collects under DDP.
    quote = purchase_quote_landed(basket=basket, country_code=country).quote
    form = CardForm(card(number))
    assert form.is_valid(), form.errors
    outcome = payment_authorize(
        basket=basket,
        reference=str(next(_REFERENCES)),
        amount=Money(quote.total_minor, quote.currency),
        payment_method=form.payment_method_input(),
        return_url=lambda payment: f"http://testserver/checkout/payment-return/{payment.pk}/x/",
        checkout=snapshot,
    )
    return outcome.payment


def purchase_place_for(payment: Payment) -> Any:
    from payments.services import payment_purchase_place
    from payments.services.placement import _place_from_snapshot

    purchase = payment_purchase_place(
        payment_id=payment.pk, place=lambda: _place_from_snapshot(payment), source="test"
    )
    line_fees_ensure(purchase)
    return purchase


def purchase_pay(
    items: list[tuple[Any, int]],
    *,
    number: str = CARD_OK,
    country: str = "IR",
    capture: bool = True,
) -> Payment:
    """Authorise, place and (by default) capture a purchase of ``items``; the payment, fresh."""
    from payments.services import payment_capture

    payment = payment_authorize_for(items, number=number, country=country)
    purchase_place_for(payment)
    if capture:
        payment_capture(payment_id=payment.pk, source="test")
    return Payment.objects.get(pk=payment.pk)


# --- a richer shop (tests/settlement/test_stateful.py) -----------------------------------------


def product_add(merchant: Any, *, title: str, price: int, stock: int, categories=()) -> Any:
    """One more product sold by ``merchant`` at ``price`` rials with ``stock`` units."""
    from decimal import Decimal

    from tests.search.factories import ProductFactory, StockRecordFactory

    product = ProductFactory(title=title, title_en=title, categories=list(categories))
    StockRecordFactory(
        product=product,
        partner=merchant.partner,
        price=Decimal(price),
        price_currency="IRR",
        num_in_stock=stock,
    )
    return product


def fee_rules_mixed_create(*, merchants: list[Any], exempt_category: Any) -> None:
    """Fee rules with every shape the engine knows, in force since 30 days ago:

    - commission 10% per line, at least 250,000 and at most 2,000,000; for ``merchants[2]``
      7.5% with a minimum of 50,000 and no maximum;
    - city fee 2% paid by the buyer (its own line at checkout); for ``merchants[1]`` a fixed
      150,000 per unit borne by the merchant; goods in ``exempt_category`` exempt;
    - VAT 10% paid by the buyer.
    """
    since = timezone.now() - timedelta(days=30)
    rule = {"currency": "IRR", "valid_from": since}
    FeeRule.objects.create(
        kind=FeeKind.COMMISSION, rate_bp=1000, min_minor=250_000, max_minor=2_000_000, **rule
    )
    FeeRule.objects.create(
        kind=FeeKind.COMMISSION, merchant=merchants[2], rate_bp=750, min_minor=50_000, **rule
    )
    FeeRule.objects.create(kind=FeeKind.MUNICIPAL_FEE, rate_bp=200, payer=FeePayer.BUYER, **rule)
    FeeRule.objects.create(
        kind=FeeKind.MUNICIPAL_FEE,
        merchant=merchants[1],
        fixed_minor=150_000,
        payer=FeePayer.MERCHANT,
        **rule,
    )
    FeeRule.objects.create(
        kind=FeeKind.MUNICIPAL_FEE, category=exempt_category, exempt=True, **rule
    )
    FeeRule.objects.create(kind=FeeKind.VAT, rate_bp=1000, payer=FeePayer.BUYER, **rule)


def refund_amount_submit(*, payment: Payment, merchant_order: Any, amount: int, by: Any) -> Any:
    """A goodwill refund of ``amount`` on ``merchant_order`` (any amount, no lines), written as
    staff's refund form writes it and sent through ``payments.services.refund_submit``."""
    from payments.models import Refund
    from payments.services import refund_submit

    row = Refund.objects.create(
        payment=payment,
        merchant_order=merchant_order,
        amount_minor=amount,
        currency=payment.currency,
        reason="goodwill",
        requested_by=by,
    )
    row.idempotency_key = f"refund:{row.pk}"
    row.save(update_fields=["idempotency_key"])
    return refund_submit(refund_id=row.pk)


def sandbox_webhooks_capture():
    """A context manager collecting, as zero-argument callables, the webhook deliveries the
    sandbox queued (``transaction.on_commit``) inside it, without running them: inside a
    transaction that never commits, a test delivers them itself, as the processor would after
    the commit. Other on-commit work (Celery tasks) is left alone."""
    from contextlib import contextmanager

    from django.test import TestCase

    import payments.gateways.sandbox as sandbox

    @contextmanager
    def capture():
        deliveries: list[Any] = []
        with TestCase.captureOnCommitCallbacks() as callbacks:
            yield deliveries
        deliveries.extend(c for c in callbacks if c.__module__ == sandbox.__name__)

    return capture()


def provider_events_process() -> list[str]:
    """Process every stored, unprocessed provider event as the worker's
    ``payments.provider_event_process`` does; the outcomes, oldest event first."""
    from payments.models import ProviderEvent
    from payments.services import provider_event_handle

    return [
        provider_event_handle(event_id=pk)
        for pk in ProviderEvent.objects.filter(processed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
