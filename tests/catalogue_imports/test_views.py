"""The dashboard upload page, the job page and its progress endpoint."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from oscar.core.loading import get_model

from catalogue_imports.forms import MAX_UPLOAD_BYTES
from catalogue_imports.models import ImportJob, ImportJobStatus
from merchants.models import MerchantStatus
from tests.catalogue_imports.files import catalogue_csv, catalogue_row, catalogue_xlsx
from tests.merchants.factories import MerchantFactory, UserFactory

StockRecord = get_model("partner", "StockRecord")

UPLOAD_URL = "/dashboard/imports/"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8


def _staff_of(merchant):
    user = UserFactory()
    merchant.partner.users.add(user)
    return user


def _upload(client, name: str, data: bytes, **options):
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, data), **options})


def _files_under(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_merchant_staff_see_the_upload_page_with_the_columns(client, merchant):
    client.force_login(_staff_of(merchant))

    response = client.get(UPLOAD_URL)

    assert response.status_code == 200
    assert response.templates[0].name == "catalogue_imports/upload.html"
    content = response.content.decode()
    assert "<code>customs_description_en</code>*" in content
    assert "ajax.googleapis.com" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["customer", "platform staff", "staff of a suspended merchant"])
def test_users_who_are_not_merchant_staff_get_403(client, merchant, who):
    if who == "customer":
        user = UserFactory()
    elif who == "platform staff":
        user = UserFactory(is_staff=True)
    else:
        user = _staff_of(MerchantFactory(status=MerchantStatus.SUSPENDED))
    job = ImportJob.objects.create(merchant=merchant, file="x.csv", original_filename="x.csv")
    client.force_login(user)

    assert client.get(UPLOAD_URL).status_code == 403
    assert _upload(client, "c.csv", catalogue_csv([catalogue_row()])).status_code == 403
    assert client.get(f"{UPLOAD_URL}{job.pk}/progress/").status_code == 403
    assert ImportJob.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/imports/")


@pytest.mark.django_db
def test_another_merchants_staff_get_404_for_a_job(client, merchant):
    job = ImportJob.objects.create(merchant=merchant, file="x.csv", original_filename="x.csv")
    client.force_login(_staff_of(MerchantFactory()))

    assert client.get(f"{UPLOAD_URL}{job.pk}/").status_code == 404
    assert client.get(f"{UPLOAD_URL}{job.pk}/progress/").status_code == 404
    assert job.original_filename.encode() not in client.get(UPLOAD_URL).content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "catalogue.csv",
            EXE_BYTES,
            "catalogue.csv is not a CSV text file in UTF-8: save the sheet as “CSV UTF-8”.",
        ),
        (
            "catalogue.xlsx",
            catalogue_csv([catalogue_row()]),
            "catalogue.xlsx is not an Excel workbook (.xlsx).",
        ),
        (
            "catalogue.exe",
            EXE_BYTES,
            "catalogue.exe is neither a .csv nor an .xlsx file.",
        ),
        (
            "catalogue.csv",
            catalogue_csv([catalogue_row()]).ljust(MAX_UPLOAD_BYTES + 1, b" "),
            "catalogue.csv is larger than 20.0\xa0MB, the largest file accepted.",
        ),
    ],
    ids=["exe-renamed-csv", "csv-renamed-xlsx", "exe", "oversized"],
)
def test_files_that_are_not_what_they_claim_or_too_big_are_refused(
    client, merchant, settings, django_capture_on_commit_callbacks, name, data, message
):
    client.force_login(_staff_of(merchant))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client, name, data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    assert message.encode() in response.content.replace(b"&#x27;", b"'")
    assert not ImportJob.objects.exists()
    assert callbacks == []
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []


@pytest.mark.django_db
def test_an_upload_creates_a_queued_job_and_redirects_to_its_page(
    client, merchant, django_capture_on_commit_callbacks
):
    user = _staff_of(merchant)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(
            client, "prices.xlsx", catalogue_xlsx([catalogue_row()]), all_or_nothing="on"
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/imports/{job.pk}/"
    assert (job.merchant, job.created_by, job.status, job.all_or_nothing, job.dry_run) == (
        merchant,
        user,
        ImportJobStatus.QUEUED,
        True,
        False,
    )
    assert len(callbacks) == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"prices.xlsx" in page.content
    assert f"/dashboard/imports/{job.pk}/progress/".encode() in page.content


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_the_worker_and_the_progress_endpoint_reports_it(
    client, merchant, celery_worker
):
    client.force_login(_staff_of(merchant))
    rows = [catalogue_row("A"), catalogue_row("B", hs_code="123"), catalogue_row("C")]

    response = _upload(client, "catalogue.csv", catalogue_csv(rows, delimiter=";", bom=True))
    progress_url = response["Location"] + "progress/"
    deadline = time.monotonic() + 30
    while True:
        progress = client.get(progress_url).json()
        if progress["done"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    job = ImportJob.objects.get()
    assert progress == {
        "id": job.pk,
        "status": "succeeded",
        "status_display": "Succeeded",
        "done": True,
        "percent": 100,
        "total": 3,
        "processed": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 1,
        "errors_total": 1,
        "failure_reason": "",
        "dry_run": False,
    }
    assert sorted(StockRecord.objects.values_list("partner_sku", flat=True)) == ["A", "C"]
    page = client.get(response["Location"]).content.decode()
    assert "Enter a 6-digit HS subheading such as 091020, not &#x27;123&#x27;." in page
