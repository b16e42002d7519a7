"""A small ledger world for the money screens' tests, posted by hand under the posting rules.

Three merchants of ``tests.shop``'s bazaar (Novin saffron, Vakil carpets, Golestan pistachios);
Novin also sells a pistachio gaz, so one of its orders spans two categories. Orders are placed
through ``purchases.services.purchase_place`` by one buyer; each line then gets a known fee
snapshot (``fees.OrderLineFees``, overwriting whatever the fee engine wrote: these tests fix the
figures), and the ledger postings are made with ``ledger.services.transaction_post`` as the
brief's posting rules say (capture per merchant order, refund, release, payout, payout failed,
remittance). ``WORLD`` lists every figure the screens must show.

Also a tiny HTML reader (stdlib only) for the tables the pages render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from oscar.core.loading import get_model

from fees.models import FeePayer, OrderLineFees
from finance.selectors import month_starts
from ledger.models import AccountKind, Party, TransactionKind
from ledger.services import Leg, account_get, merchant_account, transaction_post
from marketplace.core.money import to_minor
from marketplace.core.roles import MERCHANT_STAFF, MUNICIPAL_FINANCE, roles_ensure
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.search.factories import CategoryFactory, ProductFactory, StockRecordFactory
from tests.shop import basket_build, bazaar_create, iran_ensure

User = get_user_model()
ShippingAddress = get_model("order", "ShippingAddress")

SHIPPING = 600_000
BUYER_EMAIL = "parvin.buyer@example.com"
BUYER_FIRST, BUYER_LAST = "Parvin", "Etesami"
GATEWAY = "sandbox"


# --- people ---------------------------------------------------------------------------------


def user_make(username: str, *, groups=(), **flags) -> Any:
    roles_ensure()
    user = User.objects.create_user(
        username=username, email=f"{username}@example.ir", password="pw", **flags
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def merchant_staff_make(username: str, merchant) -> Any:
    user = user_make(username, groups=[MERCHANT_STAFF])
    merchant.partner.users.add(user)
    return user


def finance_make(username: str = "finance-officer") -> Any:
    return user_make(username, groups=[MUNICIPAL_FINANCE], is_staff=True)


# --- orders and postings --------------------------------------------------------------------


@dataclass
class Parts:
    """One merchant order's money, as its capture posts it."""

    mo: Any
    total: int = 0
    merchant: int = 0
    commission: int = 0
    fee: int = 0
    vat: int = 0


def purchase_make(items, *, number: str, buyer) -> list[Any]:
    """Place ``[(product, quantity), ...]`` for ``buyer``; the merchant orders, in order."""
    basket = basket_build(items, owner=buyer)
    address = ShippingAddress(
        first_name=BUYER_FIRST,
        last_name=BUYER_LAST,
        line1="Ferdowsi Blvd 7",
        line4="Mashhad",
        country=iran_ensure(),
    )
    purchase = purchase_place(
        basket=basket,
        number=number,
        user=buyer,
        guest_email="",
        shipping_address=address,
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )
    return list(purchase.merchant_orders.select_related("order").order_by("sequence"))


def snapshot(mo, rates: dict[int, tuple[Any, int, int, int]]) -> Parts:
    """Fix each line's fees: ``{product_id: (category, fee_bp, commission_bp, vat_bp)}``; the
    merchant pays the city fee. Returns the merchant order's parts (shipping to the merchant)."""
    parts = Parts(mo=mo)
    for line in mo.order.lines.all():
        category, fee_bp, commission_bp, vat_bp = rates[line.product_id]
        base = to_minor(line.line_price_excl_tax, mo.purchase.currency)
        fee, commission, vat = (
            base * fee_bp // 10_000,
            base * commission_bp // 10_000,
            base * vat_bp // 10_000,
        )
        net = base - commission - fee
        OrderLineFees.objects.update_or_create(
            line=line,
            defaults={
                "merchant_order": mo,
                "category": category,
                "currency": mo.purchase.currency,
                "quantity": line.quantity,
                "base_minor": base,
                "city_fee_minor": 0,
                "municipal_fee_minor": fee,
                "municipal_fee_payer": FeePayer.MERCHANT,
                "commission_minor": commission,
                "vat_minor": vat,
                "duty_minor": 0,
                "gross_minor": base + vat,
                "merchant_net_minor": net,
                "rules": {},
            },
        )
        parts.merchant += net
        parts.commission += commission
        parts.fee += fee
        parts.vat += vat
        parts.total += base + vat
    parts.merchant += mo.shipping_minor
    parts.total += mo.shipping_minor
    return parts


def _account(party: str, kind: str, owner: str | None = None):
    return account_get(party=party, kind=kind, currency="IRR", owner=owner)


def processor():
    return _account(Party.PROCESSOR, AccountKind.BALANCE, GATEWAY)


def capture_post(key: str, orders: list[Parts], at: datetime):
    """Dr processor total / Cr pending, commission, fee payable, VAT payable: per merchant order."""
    legs = []
    for p in orders:
        merchant = p.mo.partner.merchant
        legs += [
            Leg(processor(), p.total, p.mo.pk),
            Leg(merchant_account(merchant, AccountKind.PENDING, "IRR"), -p.merchant, p.mo.pk),
            Leg(_account(Party.PLATFORM, AccountKind.COMMISSION), -p.commission, p.mo.pk),
            Leg(_account(Party.MUNICIPALITY, AccountKind.FEE_PAYABLE), -p.fee, p.mo.pk),
            Leg(_account(Party.TAX, AccountKind.VAT_PAYABLE), -p.vat, p.mo.pk),
        ]
    return transaction_post(key=key, kind=TransactionKind.CAPTURE, legs=legs, occurred_at=at)[0]


def refund_post(key: str, mo, *, merchant: int, commission: int, fee: int, at: datetime):
    """Money back to the buyer: Cr processor / Dr pending, commission, fee payable."""
    m = mo.partner.merchant
    total = merchant + commission + fee
    legs = [
        Leg(processor(), -total, mo.pk),
        Leg(merchant_account(m, AccountKind.PENDING, "IRR"), merchant, mo.pk),
        Leg(_account(Party.PLATFORM, AccountKind.COMMISSION), commission, mo.pk),
        Leg(_account(Party.MUNICIPALITY, AccountKind.FEE_PAYABLE), fee, mo.pk),
    ]
    return transaction_post(key=key, kind=TransactionKind.REFUND, legs=legs, occurred_at=at)[0]


def release_post(key: str, mo, amount: int, at: datetime):
    m = mo.partner.merchant
    legs = [
        Leg(merchant_account(m, AccountKind.PENDING, "IRR"), amount, mo.pk),
        Leg(merchant_account(m, AccountKind.AVAILABLE, "IRR"), -amount, mo.pk),
    ]
    return transaction_post(key=key, kind=TransactionKind.RELEASE, legs=legs, occurred_at=at)[0]


def payout_post(key: str, merchant, amount: int, at: datetime, *, failed: bool = False):
    """Dr available / Cr processor (a failed payout: the opposite, kind payout_failed)."""
    sign = -1 if failed else 1
    legs = [
        Leg(merchant_account(merchant, AccountKind.AVAILABLE, "IRR"), sign * amount),
        Leg(processor(), -sign * amount),
    ]
    kind = TransactionKind.PAYOUT_FAILED if failed else TransactionKind.PAYOUT
    return transaction_post(key=key, kind=kind, legs=legs, occurred_at=at)[0]


def remittance_post(key: str, amount: int, at: datetime):
    """Dr municipality fee payable / Cr platform bank."""
    legs = [
        Leg(_account(Party.MUNICIPALITY, AccountKind.FEE_PAYABLE), amount),
        Leg(_account(Party.PLATFORM, AccountKind.BANK), -amount),
    ]
    return transaction_post(key=key, kind=TransactionKind.REMITTANCE, legs=legs, occurred_at=at)[0]


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    novin: Any
    vakil: Any
    golestan: Any
    saffron: Any  # categories
    carpets: Any
    nuts: Any
    buyer: Any
    orders: dict[str, Any] = field(default_factory=dict)  # "A1" -> MerchantOrder
    this_month: datetime | None = None
    last_month: datetime | None = None


#: What the screens must show for ``world_build`` (IRR). Months: "last" and "this" month.
WORLD = {
    "collected": {"last": 420_000, "this": 89_999},
    "remitted": {"last": 0, "this": 400_000},
    "orders": {"last": 2, "this": 2},
    "collected_total": 509_999,
    "orders_total": 4,
    # A1's net fee 104_999 split 3:1 by largest remainder (78_749 / 26_250), plus A2 and C2.
    "categories": [("Carpets", 300_000), ("Saffron", 123_749), ("Nuts", 86_250)],
    "fees_outstanding": 409_999,
    "commission": 4_050_000,
    "vat_payable": 600_000,
    "duties_payable": 0,
    "processor": 81_600_000,
    "merchants_pending": 74_140_001,
    "merchants_available": 2_000_000,
    # (merchant, fees, sales) in the last 12 months, by fees
    "top": [
        ("Vakil Carpet Bazaar", 300_000, 30_600_000),
        ("Novin Saffron House", 149_999, 16_200_000),
        ("Golestan Pistachio Roastery", 60_000, 7_200_000),
    ],
    "novin": {
        "pending": 10_300_001,
        "available": 2_000_000,
        "reserve": 0,
        "receivable": 0,
        "paid_out": 3_000_000,
    },
}


def world_build(settings) -> World:
    """Post the scenario of ``WORLD``:

    - P0, 13 months ago (outside the charts): Vakil's rug — fee 300_000.
    - P1, last month: Novin saffron ×2 (Saffron) + gaz ×2 (Nuts) as A1, Vakil's rug as B1.
    - P2, this month: Golestan pistachios ×3 with 10% VAT as C2, Novin saffron ×1 as A2.
    - This month: a refund on A1 (fee 15_001 back), a release of 5M to Novin's available, a
      payout of 3M, a payout of 1M that failed, a remittance of 400_000 to the city.
    City fee 1%, commission 5%, paid by the merchant; shipping 600_000 per merchant order.
    """
    settings.MARKETPLACE_SHIPPING = {
        **settings.MARKETPLACE_SHIPPING,
        "domestic_per_merchant_minor": SHIPPING,
        "domestic_free_from_minor": 10**12,
    }
    saffron = CategoryFactory(name="Saffron", name_en="Saffron", name_fa="زعفران")
    carpets = CategoryFactory(name="Carpets", name_en="Carpets", name_fa="فرش")
    nuts = CategoryFactory(name="Nuts", name_en="Nuts", name_fa="آجیل")
    (novin, saffron_tin), (vakil, rug), (golestan, pistachios) = bazaar_create(stock=10)
    gaz = ProductFactory(title="Pistachio gaz", title_en="Pistachio gaz")
    StockRecordFactory(
        product=gaz, partner=novin.partner, price=Decimal(1_500_000), num_in_stock=10
    )
    buyer = User.objects.create_user(
        username=BUYER_EMAIL,
        email=BUYER_EMAIL,
        password="pw",
        first_name=BUYER_FIRST,
        last_name=BUYER_LAST,
    )
    starts = month_starts()
    this_month = starts[-2] + timedelta(days=1, hours=10)
    last_month = starts[-3] + timedelta(days=2, hours=9)
    long_ago = starts[0] - timedelta(days=3)
    rates = {
        saffron_tin.pk: (saffron, 100, 500, 0),
        gaz.pk: (nuts, 100, 500, 0),
        rug.pk: (carpets, 100, 500, 0),
        pistachios.pk: (nuts, 100, 500, 1000),
    }
    world = World(novin, vakil, golestan, saffron, carpets, nuts, buyer)
    world.this_month, world.last_month = this_month, last_month

    (b0,) = purchase_make([(rug, 1)], number="100100", buyer=buyer)
    capture_post("payment:900:captured", [snapshot(b0, rates)], long_ago)

    a1, b1 = purchase_make([(saffron_tin, 2), (gaz, 2), (rug, 1)], number="100200", buyer=buyer)
    capture_post("payment:901:captured", [snapshot(a1, rates), snapshot(b1, rates)], last_month)

    c2, a2 = purchase_make([(pistachios, 3), (saffron_tin, 1)], number="100300", buyer=buyer)
    capture_post("payment:902:captured", [snapshot(c2, rates), snapshot(a2, rates)], this_month)

    refund_post(
        "refund:900:posted", a1, merchant=1_409_999, commission=75_000, fee=15_001, at=this_month
    )
    release_post("merchant-order:1:released", a1, 5_000_000, this_month)
    payout_post("payout:1:paid", novin, 3_000_000, this_month)
    payout_post("payout:2:paid", novin, 1_000_000, this_month)
    payout_post("payout:2:failed", novin, 1_000_000, this_month, failed=True)
    remittance_post("remittance:IRR:test", 400_000, this_month)
    world.orders = {"B0": b0, "A1": a1, "B1": b1, "C2": c2, "A2": a2}
    return world


# --- reading pages --------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Collects the rows of every ``<table id=...>`` and the text of elements with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(re.sub(r"[ \t\r\n]+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, table_id: str, *, header: bool = False) -> list[list[str]]:
    """The rows of the table ``table_id`` as lists of cell texts (without the header row)."""
    parser = _Tables()
    parser.feed(html)
    rows = parser.tables[table_id]
    return rows if header else rows[1:]


def month_key(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.year:04d}-{local.month:02d}"
