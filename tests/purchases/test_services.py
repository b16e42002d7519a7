"""One basket, one purchase, one Oscar order per merchant; stock and money add up exactly."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from oscar.core.loading import get_model
from oscar.test.factories import (
    BenefitFactory,
    ConditionalOfferFactory,
    ConditionFactory,
    RangeFactory,
)

from merchants.models import MerchantStatus
from purchases.exceptions import AlreadyPlaced, MerchantUnavailable, MissingCustomsData, OutOfStock
from purchases.models import MerchantOrder, Purchase
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.shop import basket_reload as reload

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")

pytestmark = pytest.mark.django_db


def place(basket, address, number="100231"):
    return purchase_place(
        basket=basket,
        number=number,
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=address,
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )


def test_a_three_merchant_basket_becomes_one_purchase_and_three_numbered_orders(
    three_merchants, make_goods, make_basket, address, settings
):
    saffron_house, carpet_bazaar, roastery = three_merchants
    saffron = make_goods(saffron_house, 4_500_000, title="Sargol saffron")
    carpet = make_goods(carpet_bazaar, 30_000_000, title="Kashmar wool rug")
    pistachio = make_goods(roastery, 2_000_000, title="Akbari pistachios")
    basket = make_basket([(saffron, 2), (carpet, 1), (pistachio, 3)])

    purchase = place(basket, address())

    domestic = settings.MARKETPLACE_SHIPPING["domestic_per_merchant_minor"]
    parts = list(purchase.merchant_orders.select_related("order", "partner"))
    assert [(p.order.number, p.partner.name) for p in parts] == [
        ("100231-1", saffron_house.partner.name),
        ("100231-2", carpet_bazaar.partner.name),
        ("100231-3", roastery.partner.name),
    ]
    assert [[(line.title, line.quantity) for line in p.order.lines.all()] for p in parts] == [
        [("Sargol saffron", 2)],
        [("Kashmar wool rug", 1)],
        [("Akbari pistachios", 3)],
    ]
    assert [p.total_minor for p in parts] == [
        9_000_000 + domestic,
        30_000_000 + domestic,
        6_000_000 + domestic,
    ]
    assert [p.order.total_incl_tax for p in parts] == [Decimal(p.total_minor) for p in parts]
    assert [p.order.shipping_incl_tax for p in parts] == [Decimal(domestic)] * 3
    assert purchase.total_minor == 45_000_000 + 3 * domestic == sum(p.total_minor for p in parts)
    # each merchant order has its own copy of the address, and knows the guest
    assert {p.order.guest_email for p in parts} == {"pilgrim@example.com"}
    assert len({p.order.shipping_address_id for p in parts}) == 3
    # stock allocated from the right records
    assert sorted(
        StockRecord.objects.filter(product__in=[saffron, carpet, pistachio]).values_list(
            "product__title", "num_allocated"
        )
    ) == [("Akbari pistachios", 3), ("Kashmar wool rug", 1), ("Sargol saffron", 2)]


def test_a_discount_is_split_by_largest_remainder_so_parts_sum_to_the_total(
    three_merchants, make_goods, make_basket, address
):
    # given three merchants' goods at the same price and an absolute discount of 1,000 rials
    products = [make_goods(m, 100_000) for m in three_merchants]
    product_range = RangeFactory(includes_all_products=True)
    ConditionalOfferFactory(
        condition=ConditionFactory(range=product_range, type=Condition.COUNT, value=3),
        benefit=BenefitFactory(range=product_range, type=Benefit.FIXED, value=Decimal("1000")),
    )
    basket = make_basket([(p, 1) for p in products])
    assert basket.total_discount == Decimal("1000")

    purchase = place(basket, address())

    parts = list(purchase.merchant_orders.order_by("sequence"))
    # Oscar spread it as 333.33 / 333.33 / 333.34; whole rials by largest remainder follow that
    assert [p.discount_minor for p in parts] == [333, 333, 334]
    assert sum(p.total_minor for p in parts) == purchase.total_minor
    assert purchase.discount_minor == 1000
    assert purchase.subtotal_minor - purchase.discount_minor + purchase.shipping_minor == (
        purchase.total_minor
    )
    # Oscar's order records carry the same split
    assert [p.order.discounts.get().amount for p in parts] == [
        Decimal(333),
        Decimal(333),
        Decimal(334),
    ]
    assert [p.order.total_incl_tax for p in parts] == [Decimal(p.total_minor) for p in parts]


@pytest.fixture
def afghanistan(db):
    return get_model("address", "Country").objects.create(
        iso_3166_1_a2="AF",
        iso_3166_1_a3="AFG",
        iso_3166_1_numeric="004",
        printable_name="Afghanistan",
        name="Afghanistan",
        is_shipping_country=True,
    )


def with_customs(product, grams):
    from customs.services import product_customs_set

    product_customs_set(
        product=product,
        hs_code="091020",
        origin_country="IR",
        net_weight_grams=grams,
        customs_description="Saffron",
    )
    return product


def test_international_shipping_is_charged_per_merchant_by_started_kilogram(
    three_merchants, make_goods, make_basket, address, afghanistan, settings, hs_codes
):
    rates = settings.MARKETPLACE_SHIPPING
    heavy = with_customs(make_goods(three_merchants[0], 1_000_000), grams=600)
    light = with_customs(make_goods(three_merchants[1], 1_000_000), grams=250)
    basket = make_basket([(heavy, 3), (light, 1)])
    abroad = address()
    abroad.country = afghanistan

    purchase = place(basket, abroad)

    parts = list(purchase.merchant_orders.order_by("sequence"))
    # 3 x 600 g = 1.8 kg -> 2 started kilograms; 250 g -> 1
    assert [p.shipping_minor for p in parts] == [
        rates["international_base_minor"] + 2 * rates["international_per_kg_minor"],
        rates["international_base_minor"] + 1 * rates["international_per_kg_minor"],
    ]


def test_goods_without_customs_data_cannot_go_abroad_and_nothing_is_written(
    three_merchants, make_goods, make_basket, address, afghanistan, hs_codes
):
    declared = with_customs(make_goods(three_merchants[0], 1_000_000), grams=600)
    undeclared = make_goods(three_merchants[1], 1_000_000, title="Undeclared rug")
    basket = make_basket([(declared, 1), (undeclared, 1)])
    abroad = address()
    abroad.country = afghanistan

    with pytest.raises(MissingCustomsData) as excinfo:
        place(basket, abroad)

    assert excinfo.value.product_title == "Undeclared rug"
    assert (Purchase.objects.count(), Order.objects.count()) == (0, 0)
    assert StockRecord.objects.filter(num_allocated__gt=0).count() == 0


def test_out_of_stock_places_nothing_and_allocates_nothing(
    three_merchants, make_goods, make_basket, address
):
    saffron = make_goods(three_merchants[0], 4_500_000, stock=10)
    carpet = make_goods(three_merchants[1], 30_000_000, stock=1)
    basket = make_basket([(saffron, 2), (carpet, 1)])
    StockRecord.objects.filter(product=carpet).update(num_allocated=1)  # someone else took it

    with pytest.raises(OutOfStock) as excinfo:
        place(basket, address())

    assert excinfo.value.available == 0
    assert Purchase.objects.count() == 0
    assert Order.objects.count() == 0
    assert MerchantOrder.objects.count() == 0
    assert StockRecord.objects.get(product=saffron).num_allocated in (None, 0)
    assert mail.outbox == []


def test_a_suspended_merchants_goods_cannot_be_bought_even_from_an_old_basket(
    three_merchants, make_goods, make_basket, address
):
    saffron = make_goods(three_merchants[0], 4_500_000)
    basket = make_basket([(saffron, 1)])
    three_merchants[0].status = MerchantStatus.SUSPENDED
    three_merchants[0].save()

    with pytest.raises(MerchantUnavailable):
        place(basket, address())

    assert Purchase.objects.count() == 0
    assert Order.objects.count() == 0


def test_a_basket_is_placed_only_once(three_merchants, make_goods, make_basket, address):
    saffron = make_goods(three_merchants[0], 4_500_000)
    basket = make_basket([(saffron, 1)])
    place(basket, address())

    with pytest.raises(AlreadyPlaced):
        place(reload(basket), address(), number="100231")

    assert Order.objects.count() == 1
    assert StockRecord.objects.get(product=saffron).num_allocated == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_checkouts_for_the_last_five_units_sell_exactly_five(
    three_merchants, make_goods, make_basket, address
):
    # given 5 units left and 20 buyers, each with their own basket holding one unit
    saffron = make_goods(three_merchants[0], 4_500_000, stock=5)
    baskets = [make_basket([(saffron, 1)]) for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(index: int) -> None:
        try:
            basket = reload(baskets[index])
            barrier.wait(timeout=30)
            place(basket, address(), number=str(200000 + index))
            result = "sold"
        except OutOfStock:
            result = "out of stock"
        except Exception as exc:  # any other failure is a bug: record it
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # when all 20 check out at once
    threads = [threading.Thread(target=buy, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then exactly five sold, fifteen refused, and stock never went negative
    assert sorted(outcomes) == ["out of stock"] * 15 + ["sold"] * 5
    record = StockRecord.objects.get(product=saffron)
    assert (record.num_in_stock, record.num_allocated) == (5, 5)
    assert Order.objects.count() == 5
    assert Purchase.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_buyer_gets_one_confirmation_listing_every_merchant_order(
    three_merchants, make_goods, make_basket, address, celery_worker
):
    import time

    products = [make_goods(m, 1_000_000, title=f"Good of {m.name_en}") for m in three_merchants]
    basket = make_basket([(p, 1) for p in products])

    purchase = place(basket, address(), number="100555")

    deadline = time.monotonic() + 15
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a duplicate would arrive now
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pilgrim@example.com"]
    assert "100555" in message.subject
    for number in ("100555-1", "100555-2", "100555-3"):
        assert number in message.body
    purchase.refresh_from_db()
    assert purchase.confirmation_sent_at is not None
