"""Test data for the municipal remittance tests (``test_remittance_*.py``).

A small bazaar whose merchant orders are placed through ``purchases.services.purchase_place``
(the fee engine writes each line's ``fees.OrderLineFees`` under the rules made here: a 2% city fee
deducted from the merchant and a 5% commission; where no snapshot was written, the same
arithmetic is written here), then captured, refunded or lost in a dispute by posting to the
ledger exactly as the brief's posting contract says, at a chosen Tehran time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db.models import Sum
from oscar.core.loading import get_model

from fees.models import FeeKind, FeePayer, FeeRule, OrderLineFees
from ledger.models import AccountKind, Party, TransactionKind
from ledger.services import Leg, account_get, merchant_account, transaction_post
from marketplace.core.roles import MUNICIPAL_FINANCE, roles_ensure
from purchases.models import MerchantOrder
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.merchants.factories import MerchantFactory, UserFactory
from tests.search.factories import CategoryFactory, ProductFactory, StockRecordFactory
from tests.shop import basket_build, iran_ensure

ShippingAddress = get_model("order", "ShippingAddress")

TEHRAN = ZoneInfo("Asia/Tehran")
CURRENCY = "IRR"
MUNICIPAL_FEE_BP = 200  # 2%, deducted from the merchant
COMMISSION_BP = 500  # 5%
GATEWAY = "sandbox"

_numbers = itertools.count(500_001)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An instant on Tehran's clock."""
    return datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


@dataclass
class Bazaar:
    """Two merchants: the saffron house sells saffron (Food › Saffron) and rugs (Carpets); the
    roastery sells pistachios (Food › Nuts)."""

    saffron_house: Any
    roastery: Any
    saffron: Any
    rug: Any
    pistachios: Any
    saffron_category: Any
    carpets: Any
    nuts: Any


def fee_rules_create() -> None:
    """The rules in force: a 2% city fee paid by the merchant, a 5% commission, no VAT."""
    since = datetime(2020, 1, 1, tzinfo=TEHRAN)
    FeeRule.objects.create(
        kind=FeeKind.MUNICIPAL_FEE,
        rate_bp=MUNICIPAL_FEE_BP,
        payer=FeePayer.MERCHANT,
        currency=CURRENCY,
        valid_from=since,
    )
    FeeRule.objects.create(
        kind=FeeKind.COMMISSION, rate_bp=COMMISSION_BP, currency=CURRENCY, valid_from=since
    )


def bazaar_create() -> Bazaar:
    iran_ensure()
    fee_rules_create()
    food = CategoryFactory(name="Food", name_en="Food", name_fa="خوراکی")
    saffron_category = CategoryFactory(
        name="Saffron", name_en="Saffron", name_fa="زعفران", parent=food
    )
    nuts = CategoryFactory(name="Nuts", name_en="Nuts", name_fa="آجیل", parent=food)
    carpets = CategoryFactory(name="Carpets", name_en="Carpets", name_fa="فرش")
    saffron_house = MerchantFactory(name_en="Novin Saffron House", name_fa="خانه زعفران نوین")
    roastery = MerchantFactory(name_en="Golestan Pistachio Roastery", name_fa="بوجاری پسته گلستان")

    def goods(merchant: Any, title: str, price: int, category: Any) -> Any:
        product = ProductFactory(title=title, title_en=title, categories=[category])
        StockRecordFactory(
            product=product,
            partner=merchant.partner,
            price=Decimal(price),
            price_currency=CURRENCY,
            num_in_stock=1000,
        )
        return product

    return Bazaar(
        saffron_house=saffron_house,
        roastery=roastery,
        saffron=goods(saffron_house, "Sargol saffron 4.6 g", 4_500_000, saffron_category),
        rug=goods(saffron_house, "Kashmar wool rug", 30_000_000, carpets),
        pistachios=goods(roastery, "Akbari pistachios 500 g", 2_000_000, nuts),
        saffron_category=saffron_category,
        carpets=carpets,
        nuts=nuts,
    )


def _address() -> Any:
    return ShippingAddress(
        first_name="Reza",
        last_name="Karimi",
        line1="Imam Reza St 12",
        line4="Mashhad",
        country=iran_ensure(),
    )


def _fees_ensure(merchant_order: MerchantOrder) -> None:
    """Write the 2% / 5% snapshot for lines the fee engine left without one."""
    for line in merchant_order.order.lines.select_related("product").all():
        if OrderLineFees.objects.filter(line=line).exists():
            continue
        base = int(line.line_price_incl_tax)
        municipal = base * MUNICIPAL_FEE_BP // 10_000
        commission = base * COMMISSION_BP // 10_000
        product = line.product
        OrderLineFees.objects.create(
            merchant_order=merchant_order,
            line=line,
            category=product.categories.first() if product else None,
            currency=CURRENCY,
            quantity=line.quantity,
            base_minor=base,
            municipal_fee_minor=municipal,
            municipal_fee_payer=FeePayer.MERCHANT,
            commission_minor=commission,
            gross_minor=base,
            merchant_net_minor=base - municipal - commission,
        )


def orders_place(items: list[tuple[Any, int]]) -> list[MerchantOrder]:
    """Place one purchase of ``[(product, quantity), ...]``; its merchant orders, with fee
    snapshots whose parts add up to each order's total."""
    purchase = purchase_place(
        basket=basket_build(items),
        number=str(next(_numbers)),
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=_address(),
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )
    orders = list(purchase.merchant_orders.select_related("order", "partner__merchant"))
    for merchant_order in orders:
        _fees_ensure(merchant_order)
        parts = merchant_order.line_fees.aggregate(gross=Sum("gross_minor"))
        assert merchant_order.total_minor == parts["gross"] + merchant_order.shipping_minor
    return orders


def fees_of(merchant_order: MerchantOrder) -> dict[str, int]:
    """The sums of a merchant order's fee snapshot."""
    sums = merchant_order.line_fees.aggregate(
        net=Sum("merchant_net_minor"),
        commission=Sum("commission_minor"),
        municipal=Sum("municipal_fee_minor"),
        vat=Sum("vat_minor"),
        duty=Sum("duty_minor"),
    )
    return {key: int(value or 0) for key, value in sums.items()}


def _processor() -> Any:
    return account_get(
        party=Party.PROCESSOR, kind=AccountKind.BALANCE, currency=CURRENCY, owner=GATEWAY
    )


def capture_post(merchant_orders: list[MerchantOrder], *, occurred_at: datetime) -> Any:
    """Post ``payment:<id>:captured`` for the merchant orders of one purchase, per the posting
    contract (legs attributed to each merchant order)."""
    legs: list[Leg] = []
    fee_payable = account_get(
        party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=CURRENCY
    )
    commission = account_get(party=Party.PLATFORM, kind=AccountKind.COMMISSION, currency=CURRENCY)
    vat = account_get(party=Party.TAX, kind=AccountKind.VAT_PAYABLE, currency=CURRENCY)
    duty = account_get(party=Party.CUSTOMS, kind=AccountKind.DUTIES_PAYABLE, currency=CURRENCY)
    for mo in merchant_orders:
        parts = fees_of(mo)
        merchant = mo.partner.merchant
        legs += [
            Leg(_processor(), mo.total_minor, mo.pk),
            Leg(
                merchant_account(merchant, AccountKind.PENDING, CURRENCY),
                -(parts["net"] + mo.shipping_minor),
                mo.pk,
            ),
            Leg(commission, -parts["commission"], mo.pk),
            Leg(fee_payable, -parts["municipal"], mo.pk),
            Leg(vat, -parts["vat"], mo.pk),
            Leg(duty, -parts["duty"], mo.pk),
        ]
    transaction, created = transaction_post(
        key=f"payment:{next(_numbers)}:captured",
        kind=TransactionKind.CAPTURE,
        legs=legs,
        occurred_at=occurred_at,
    )
    assert created
    return transaction


def fee_reversal_post(
    merchant_order: MerchantOrder,
    *,
    fee_minor: int,
    merchant_minor: int = 0,
    occurred_at: datetime,
    kind: str = TransactionKind.REFUND,
) -> Any:
    """A refund (or lost dispute) giving the buyer back ``fee_minor`` of city fee and
    ``merchant_minor`` of the merchant's share: Dr fee payable, Dr merchant pending, Cr processor."""
    merchant = merchant_order.partner.merchant
    fee_payable = account_get(
        party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=CURRENCY
    )
    transaction, created = transaction_post(
        key=f"{kind}:{next(_numbers)}",
        kind=kind,
        legs=[
            Leg(fee_payable, fee_minor, merchant_order.pk),
            Leg(
                merchant_account(merchant, AccountKind.PENDING, CURRENCY),
                merchant_minor,
                merchant_order.pk,
            ),
            Leg(_processor(), -(fee_minor + merchant_minor), merchant_order.pk),
        ],
        occurred_at=occurred_at,
    )
    assert created
    return transaction


def fee_payable_balance() -> int:
    return account_get(
        party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=CURRENCY
    ).balance_minor


def finance_user(**kwargs: Any) -> Any:
    """A member of the "Municipal finance" group, with the role's permissions."""
    roles_ensure()
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=MUNICIPAL_FINANCE))
    return user
