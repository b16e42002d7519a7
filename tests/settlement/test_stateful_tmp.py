import time
import pytest
from tests.settlement.factories import purchase_pay, fee_rules_create
from tests.shop import bazaar_create

@pytest.mark.django_db(transaction=True)
def test_x(iran):
    from tests.customs.factories import hs_codes_ensure
    from customs.services import product_customs_set
    from oscar.core.loading import get_model
    Country = get_model("address", "Country")
    t = time.time()
    from tests.customs.factories import customs_rules_ensure, country_ensure
    customs_rules_ensure(); country_ensure('AF')
    print("hs", time.time() - t)
    0 and Country.objects.update_or_create(iso_3166_1_a2="AF", defaults=dict(iso_3166_1_a3="AFG", iso_3166_1_numeric="004", printable_name="Afghanistan", name="Afghanistan", is_shipping_country=True))
    goods = bazaar_create(stock=100)
    fee_rules_create()
    for _m, p in goods:
        product_customs_set(product=p, hs_code="080251", origin_country="IR", net_weight_grams=500, customs_description="Pistachios, in shell")
    payment = purchase_pay([(p, 1) for _m, p in goods], country="AF")
    for mo in payment.purchase.merchant_orders.all():
        from settlement.models import MerchantOrderSettlement
        print(MerchantOrderSettlement.objects.get(merchant_order=mo).customs_required)
        print(mo.total_minor, mo.vat_minor, mo.duty_minor, mo.city_fee_minor, mo.shipping_minor, list(mo.line_fees.values_list("gross_minor", "vat_minor", "duty_minor")))
