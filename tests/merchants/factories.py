"""Factories for merchants: a Merchant always comes with its own Oscar partner."""

import factory
from factory.django import DjangoModelFactory
from oscar.core.loading import get_model

from merchants.models import Merchant, MerchantStatus


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = get_model("partner", "Partner")
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner {n}")


class MerchantFactory(DjangoModelFactory):
    class Meta:
        model = Merchant

    partner = factory.SubFactory(
        PartnerFactory,
        code=factory.SelfAttribute("..slug"),
        name=factory.SelfAttribute("..name_en"),
    )
    slug = factory.Sequence(lambda n: f"merchant-{n}")
    name_en = factory.Sequence(lambda n: f"Merchant {n}")
    name_fa = factory.Sequence(lambda n: f"فروشگاه {n}")
    status = MerchantStatus.APPROVED
