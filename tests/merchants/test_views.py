"""Pages: /merchants/apply/, the licence scan, /merchants/review/, /merchants/<slug>/."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags
from oscar.core.loading import get_model

from merchants import services
from merchants.models import (
    ApplicationStatus,
    Merchant,
    MerchantApplication,
    MerchantApplicationEvent,
    MerchantEvent,
    MerchantStatus,
)
from tests.merchants.conftest import details, pdf_upload, stored_files
from tests.merchants.factories import (
    IBAN,
    PDF_BYTES,
    PERSON_NATIONAL_ID,
    MerchantApplicationFactory,
    MerchantFactory,
    UserFactory,
)
from tests.search.factories import ProductFactory, ProductImageFactory, StockRecordFactory

ProductReview = get_model("reviews", "ProductReview")
Partner = get_model("partner", "Partner")

pytestmark = pytest.mark.django_db

APPLY = "/merchants/apply/"
REVIEW = "/merchants/review/"


def page_text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    return html.unescape(re.sub(r"\s+", " ", strip_tags(response.content.decode())))


def form_data(categories, **overrides) -> dict:
    data = {
        "name_fa": "خانه زعفران نوین",
        "name_en": "Novin Saffron House",
        "trade_licence_number": "MHD-140-2231",
        "national_id": PERSON_NATIONAL_ID,
        "iban": "ir82 0540 1026 8002 0817 9090 02",
        "address": "Imam Reza St 12",
        "categories": [c.pk for c in categories],
        "phone": "0912 345 6789",
        "licence_scan": pdf_upload(),
    }
    data.update(overrides)
    return data


def nothing_written() -> bool:
    return not (
        MerchantApplication.objects.exists()
        or MerchantApplicationEvent.objects.exists()
        or Merchant.objects.exists()
        or Partner.objects.exists()
    )


# --- apply ----------------------------------------------------------------------------------


def test_apply_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(APPLY)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/merchants/apply/")


def test_apply_shows_the_form_in_the_shop_layout(client, applicant, saffron):
    client.force_login(applicant)

    response = client.get(APPLY)

    assert response.status_code == 200
    text = page_text(response)
    assert "Sell on the marketplace" in text
    assert 'class="header container"' in response.content.decode()  # Oscar's storefront header
    for label in ("Business name (Persian)", "IBAN (Sheba)", "Licence scan", "Main categories"):
        assert label in text
    assert "Saffron" in text


def test_applying_stores_the_application_and_shows_its_status(
    client, applicant, saffron, private_root
):
    client.force_login(applicant)

    response = client.post(APPLY, form_data([saffron]))

    assert response.status_code == 302 and response["Location"] == APPLY
    application = MerchantApplication.objects.get()
    assert (application.applicant, application.iban, application.phone) == (
        applicant,
        IBAN,
        "+989123456789",
    )
    assert len(stored_files(private_root)) == 1
    text = page_text(client.get(APPLY))
    assert "Your application was sent for review." in text
    assert "Status: Submitted" in text
    assert 'name="iban"' not in client.get(APPLY).content.decode()  # no form while reviewed


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("licence.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf"),
            "Licence scan must be a PDF, JPEG or PNG file; this file's content is none of those.",
        ),
        (
            SimpleUploadedFile("licence.pdf", b"plain text, not a scan", "application/pdf"),
            "Licence scan must be a PDF, JPEG or PNG file; this file's content is none of those.",
        ),
        (
            SimpleUploadedFile("licence.pdf", PDF_BYTES + b"\x00" * (5 * 1024 * 1024)),
            "Licence scan must be at most 5 MB; this file is 5.0 MB.",
        ),
    ],
    ids=["renamed-exe", "renamed-txt", "over-5-mb"],
)
def test_a_refused_licence_is_named_on_the_form_and_nothing_is_stored(
    client, applicant, saffron, private_root, upload, message
):
    client.force_login(applicant)

    response = client.post(APPLY, form_data([saffron], licence_scan=upload))

    assert response.status_code == 400
    assert response.context["form"].errors == {"licence_scan": [message]}
    assert message in page_text(response)
    assert stored_files(private_root) == []
    assert nothing_written()


def test_invalid_fields_are_each_named(client, applicant, saffron, private_root):
    client.force_login(applicant)

    response = client.post(
        APPLY,
        form_data(
            [],
            iban="IR83 0540 1026 8002 0817 9090 02",
            national_id="0499370898",
            phone="123",
            name_en="",
        ),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert sorted(errors) == ["categories", "iban", "name_en", "national_id", "phone"]
    text = page_text(response)
    assert "IBAN (Sheba) IR830540102680020817909002 is not valid" in text
    assert "National / tax id 0499370898 is not valid" in text
    assert "Contact phone 123 is not a valid phone number." in text
    assert "Main categories: choose at least one." in text
    assert "Business name (English): this field is required." in text
    assert stored_files(private_root) == []
    assert nothing_written()


def test_the_applicant_edits_while_changes_are_requested(
    client, applicant, reviewer, saffron, nuts
):
    application = services.merchant_application_submit(
        applicant=applicant, details=details([saffron]), licence_scan=pdf_upload()
    )
    services.merchant_application_request_changes(
        application_id=application.pk, actor=reviewer, reason="Please list nuts as well."
    )
    client.force_login(applicant)

    page = page_text(client.get(APPLY))
    assert "Changes requested" in page and "Please list nuts as well." in page
    data = form_data([saffron, nuts], name_en="Novin Saffron and Nuts")
    del data["licence_scan"]  # keep the stored scan
    response = client.post(APPLY, data)

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.name_en == "Novin Saffron and Nuts"
    assert set(application.categories.all()) == {saffron, nuts}
    with application.licence_scan.open("rb") as kept:
        assert kept.read() == PDF_BYTES
    assert application.licence_content_type == "application/pdf"


# --- licence scan ---------------------------------------------------------------------------


def licence_url(application) -> str:
    return f"/merchants/applications/{application.pk}/licence/"


def test_the_applicant_downloads_their_licence_safely(client, applicant):
    application = MerchantApplicationFactory(applicant=applicant)
    client.force_login(applicant)

    response = client.get(licence_url(application))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="licence-{application.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_another_applicant_cannot_see_the_licence(client, applicant):
    application = MerchantApplicationFactory(applicant=applicant)
    client.force_login(UserFactory())

    assert client.get(licence_url(application)).status_code == 404
    assert client.get("/merchants/applications/999999/licence/").status_code == 404


def test_municipal_staff_can_see_any_licence(client, applicant, reviewer):
    application = MerchantApplicationFactory(applicant=applicant)
    client.force_login(reviewer)

    response = client.get(licence_url(application))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_anonymous_visitors_are_sent_to_sign_in_for_a_licence(client, applicant):
    application = MerchantApplicationFactory(applicant=applicant)

    response = client.get(licence_url(application))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_licence_files_are_outside_media_root_and_have_no_url(applicant, private_root, settings):
    application = MerchantApplicationFactory(applicant=applicant)

    path = application.licence_scan.path
    assert path.startswith(str(private_root))
    assert not path.startswith(settings.MEDIA_ROOT)
    with pytest.raises(ValueError, match="no URL"):
        _ = application.licence_scan.url


# --- review ---------------------------------------------------------------------------------


def test_the_review_queue_is_for_municipal_staff_only(client, applicant):
    assert client.get(REVIEW).status_code == 302  # anonymous: sign in
    client.force_login(applicant)
    assert client.get(REVIEW).status_code == 403
    assert client.get(f"{REVIEW}1/").status_code == 403


def test_the_queue_lists_submitted_applications_and_filters_by_status(client, reviewer):
    MerchantApplicationFactory(name_en="Waiting Saffron")
    MerchantApplicationFactory(name_en="Fixing Carpets", status=ApplicationStatus.CHANGES_REQUESTED)
    MerchantApplicationFactory(name_en="Refused Leather", status=ApplicationStatus.REJECTED)
    client.force_login(reviewer)

    default = page_text(client.get(REVIEW))
    rejected = page_text(client.get(REVIEW, {"status": "rejected"}))
    everything = page_text(client.get(REVIEW, {"status": ""}))

    assert "Waiting Saffron" in default and "Fixing Carpets" not in default
    assert "Refused Leather" in rejected and "Waiting Saffron" not in rejected
    assert all(n in everything for n in ("Waiting Saffron", "Fixing Carpets", "Refused Leather"))


def test_the_detail_page_links_the_licence_and_offers_the_allowed_actions(client, reviewer):
    application = MerchantApplicationFactory(name_en="Waiting Saffron")
    client.force_login(reviewer)

    response = client.get(f"{REVIEW}{application.pk}/")

    assert response.status_code == 200
    assert licence_url(application) in response.content.decode()
    assert list(response.context["action_forms"]) == ["approve", "request_changes", "reject"]


def test_approving_from_the_detail_page(client, reviewer, applicant, saffron):
    application = MerchantApplicationFactory(
        applicant=applicant, name_en="Waiting Saffron", categories=[saffron]
    )
    client.force_login(reviewer)

    response = client.post(
        f"{REVIEW}{application.pk}/", {"action": "approve", "approve-reason": ""}, follow=True
    )

    assert "Application approved." in page_text(response)
    merchant = Merchant.objects.get()
    assert merchant.slug == "waiting-saffron" and merchant.status == MerchantStatus.APPROVED
    assert list(response.context["action_forms"]) == ["suspend"]


def test_rejecting_without_a_reason_names_the_field_and_writes_nothing(client, reviewer):
    application = MerchantApplicationFactory()
    client.force_login(reviewer)

    response = client.post(f"{REVIEW}{application.pk}/", {"action": "reject", "reject-reason": ""})

    assert response.status_code == 400
    assert response.context["action_forms"]["reject"].errors == {
        "reason": ["Reason: please say why."]
    }
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not application.events.exists()


def test_a_stale_action_shows_the_transition_error(client, reviewer):
    application = MerchantApplicationFactory(status=ApplicationStatus.REJECTED)
    client.force_login(reviewer)

    response = client.post(
        f"{REVIEW}{application.pk}/", {"action": "approve", "approve-reason": ""}, follow=True
    )

    assert f"Merchant application #{application.pk} is rejected; it cannot become approved." in (
        page_text(response)
    )
    assert not Merchant.objects.exists()


def test_suspending_and_reinstating_from_the_detail_page(client, reviewer, applicant):
    merchant = MerchantFactory()
    application = MerchantApplicationFactory(
        applicant=applicant, status=ApplicationStatus.APPROVED, merchant=merchant
    )
    client.force_login(reviewer)
    url = f"{REVIEW}{application.pk}/"

    client.post(url, {"action": "suspend", "suspend-reason": "Unlicensed goods."})
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.SUSPENDED
    client.post(url, {"action": "reinstate", "reinstate-reason": "Licence renewed."})
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.APPROVED

    events = MerchantEvent.objects.filter(merchant=merchant)
    assert [(e.actor, e.to_status, e.reason) for e in events] == [
        (reviewer, "suspended", "Unlicensed goods."),
        (reviewer, "approved", "Licence renewed."),
    ]
    text = page_text(client.get(url))
    assert "Unlicensed goods." in text and "Licence renewed." in text


# --- public merchant page -------------------------------------------------------------------


def sell(merchant, count: int, *, start: int = 0, price: int = 1_250_000) -> list:
    products = []
    for number in range(start, start + count):
        product = ProductFactory(title_en=f"Saffron tin {number}", title=f"Saffron tin {number}")
        StockRecordFactory(product=product, partner=merchant.partner, price=Decimal(price))
        ProductImageFactory(product=product)
        products.append(product)
    return products


def review(product, score: int, status=None) -> None:
    ProductReview.objects.create(
        product=product,
        score=score,
        title="Fine",
        body="Fragrant.",
        name="Pilgrim",
        email="pilgrim@example.com",
        status=ProductReview.APPROVED if status is None else status,
    )


def test_the_public_page_shows_names_city_categories_products_and_rating(
    client, applicant, saffron
):
    merchant = MerchantFactory(slug="novin", name_en="Novin Saffron", name_fa="زعفران نوین")
    MerchantApplicationFactory(
        applicant=applicant,
        status=ApplicationStatus.APPROVED,
        merchant=merchant,
        categories=[saffron],
    )
    first, second = sell(merchant, 2)
    review(first, 5)
    review(first, 4)
    review(second, 3)
    review(second, 1, status=ProductReview.FOR_MODERATION)  # not counted
    other = MerchantFactory()
    sell(other, 1, start=10)

    response = client.get("/merchants/novin/")

    assert response.status_code == 200
    text = page_text(response)
    assert "Novin Saffron" in text and "زعفران نوین" in text
    assert "City: Mashhad" in text
    assert "Categories: Saffron" in text
    assert "Rated 4.0 out of 5 from 3 reviews" in text
    assert sorted(p.title for p in response.context["products"]) == [
        "Saffron tin 0",
        "Saffron tin 1",
    ]
    assert "IRR1,250,000" in text


def test_a_merchant_without_reviews_has_no_ratings_yet(client):
    merchant = MerchantFactory(slug="quiet")
    sell(merchant, 1)

    text = page_text(client.get("/merchants/quiet/"))

    assert "No ratings yet" in text


@pytest.mark.parametrize(
    "status", [MerchantStatus.SUSPENDED, MerchantStatus.APPLIED, MerchantStatus.REJECTED]
)
def test_merchants_that_are_not_trading_have_no_public_page(client, status):
    MerchantFactory(slug="hidden", status=status)

    assert client.get("/merchants/hidden/").status_code == 404
    assert client.get("/merchants/no-such-merchant/").status_code == 404


def queries_to_render(client, url: str) -> int:
    client.get(url)  # warm the caches (thumbnails, category URLs) like a live site
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_public_page_costs_the_same_queries_for_3_and_20_products(client, saffron):
    merchant = MerchantFactory(slug="busy")
    MerchantApplicationFactory(
        status=ApplicationStatus.APPROVED, merchant=merchant, categories=[saffron]
    )
    for product in sell(merchant, 3):
        review(product, 4)
    three = queries_to_render(client, "/merchants/busy/")

    for product in sell(merchant, 17, start=3):
        review(product, 5)
    twenty = queries_to_render(client, "/merchants/busy/")

    assert three == twenty
    assert twenty <= 12
