"""Factories for merchants (a Merchant always comes with its own Oscar partner), their
applications, and the users who apply and review."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from marketplace.core.roles import MUNICIPAL_STAFF, roles_ensure
from merchants.models import ApplicationStatus, Merchant, MerchantApplication, MerchantStatus
from tests.search.factories import PartnerFactory


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


# --- onboarding -----------------------------------------------------------------------------

#: Valid identity data: a person's national id, a company's national id, an Iranian IBAN, phones.
PERSON_NATIONAL_ID = "0499370899"
COMPANY_NATIONAL_ID = "10380284790"
IBAN = "IR820540102680020817909002"
IBAN_AS_TYPED = "ir82 0540 1026 8002 0817 9090 02"
PHONE = "+985138000000"

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def iban_with_check_digits(bban: str) -> str:
    """An ``IR`` IBAN for the 22-digit ``bban`` with correct ISO 13616 check digits."""
    number = int("".join(str(int(c, 36)) for c in bban + "IR00"))
    return f"IR{98 - number % 97:02d}{bban}"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    first_name = "Hamid"
    last_name = "Sadeghi"
    password = factory.django.Password("pw-for-tests")


def municipal_staff_user(**kwargs):
    """A user in the "Municipal staff" group, with the role's permissions."""
    roles_ensure()
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=MUNICIPAL_STAFF))
    return user


class MerchantApplicationFactory(DjangoModelFactory):
    """An application as submitted (no event rows: services write those), with a PDF scan in
    PRIVATE_MEDIA_ROOT; point that setting at a temporary directory in tests."""

    class Meta:
        model = MerchantApplication
        skip_postgeneration_save = True

    applicant = factory.SubFactory(UserFactory)
    status = ApplicationStatus.SUBMITTED
    name_fa = factory.Sequence(lambda n: f"زعفران {n}")
    name_en = factory.Sequence(lambda n: f"Saffron House {n}")
    trade_licence_number = factory.Sequence(lambda n: f"MHD-{n:06d}")
    national_id = PERSON_NATIONAL_ID
    iban = IBAN
    address = "Imam Reza St 12"
    phone = PHONE
    licence_content_type = "application/pdf"
    licence_scan = factory.django.FileField(data=PDF_BYTES, filename="licence.pdf")
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.add(*extracted)
