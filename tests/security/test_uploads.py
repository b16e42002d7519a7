"""Uploaded documents: licence scans and catalogue files are checked by size (settings) and by
the type their bytes announce, kept outside MEDIA_ROOT, and served only to those allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue_imports.forms import ImportUploadForm
from catalogue_imports.models import ImportJob
from merchants.forms import MerchantApplicationForm
from merchants.models import Merchant
from tests.customs.factories import merchant_staff_create
from tests.merchants.factories import (
    PDF_BYTES,
    MerchantApplicationFactory,
    MerchantFactory,
    UserFactory,
    municipal_staff_user,
)

pytestmark = pytest.mark.django_db

CSV_BYTES = b"sku,title\nSAF-1,Saffron\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "public")
    return Path(settings.PRIVATE_MEDIA_ROOT)


# --- validation ----------------------------------------------------------------------------


def _licence_errors(upload) -> list[str]:
    form = MerchantApplicationForm(data={}, files={"licence_scan": upload})
    form.is_valid()
    return form.errors.get("licence_scan", [])


def test_licence_scan_of_another_type_is_refused_naming_the_field():
    renamed_exe = SimpleUploadedFile("licence.pdf", EXE_BYTES, "application/pdf")

    assert _licence_errors(renamed_exe) == [
        "Licence scan must be a PDF, JPEG or PNG file; this file's content is none of those."
    ]


def test_licence_scan_larger_than_the_setting_is_refused(settings):
    settings.LICENCE_SCAN_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("licence.pdf", PDF_BYTES + b"\x00" * 1024 * 1024, "application/pdf")

    assert _licence_errors(big) == ["Licence scan must be at most 1 MB; this file is 1.0 MB."]
    assert "at most 1 MB" in str(MerchantApplicationForm().fields["licence_scan"].help_text)


def _import_errors(upload) -> list[str]:
    merchant = MerchantFactory()
    form = ImportUploadForm(
        data={}, files={"file": upload}, merchants=Merchant.objects.filter(pk=merchant.pk)
    )
    form.is_valid()
    return form.errors.get("file", [])


def test_import_file_that_is_not_a_spreadsheet_is_refused():
    assert _import_errors(SimpleUploadedFile("catalogue.xlsx", EXE_BYTES)) == [
        "catalogue.xlsx is not an Excel workbook (.xlsx)."
    ]
    assert _import_errors(SimpleUploadedFile("catalogue.csv", EXE_BYTES)) == [
        "catalogue.csv is not a CSV text file in UTF-8: save the sheet as “CSV UTF-8”."
    ]


def test_import_file_larger_than_the_setting_is_refused(settings):
    settings.CATALOGUE_IMPORT_MAX_BYTES = 100

    errors = _import_errors(SimpleUploadedFile("catalogue.csv", CSV_BYTES.ljust(101, b" ")))

    assert errors == ["catalogue.csv is larger than 100\xa0bytes, the largest file accepted."]


# --- serving -------------------------------------------------------------------------------


def _assert_private_download(response, content: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == content


def test_licence_scan_is_stored_outside_media_root(private_root, settings):
    application = MerchantApplicationFactory()

    stored = Path(application.licence_scan.path)

    assert stored.is_relative_to(private_root)
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="Private files have no URL"):
        _ = application.licence_scan.url


def test_licence_scan_goes_to_the_applicant_reviewers_and_admins_only(client):
    application = MerchantApplicationFactory()
    url = f"/merchants/applications/{application.pk}/licence/"
    reviewer = municipal_staff_user(username="reviewer@mashhad.example")
    admin = UserFactory(username="root@mashhad.example", is_superuser=True, is_staff=True)
    stranger = UserFactory(username="stranger@example.com")

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

    for user in (application.applicant, reviewer, admin):
        client.force_login(user)
        _assert_private_download(client.get(url), PDF_BYTES)

    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_import_file_goes_to_the_merchants_staff_and_admins_only(client, private_root):
    merchant = MerchantFactory(slug="zaferan")
    other = MerchantFactory(slug="pesteh")
    job = ImportJob.objects.create(
        merchant=merchant,
        file=SimpleUploadedFile("catalogue.csv", CSV_BYTES),
        original_filename="my catalogue.csv",
    )
    url = f"/dashboard/imports/{job.pk}/file/"
    assert Path(job.file.path).is_relative_to(private_root)
    with pytest.raises(ValueError):
        _ = job.file.url

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

    client.force_login(merchant_staff_create(merchant, username="staff@zaferan.example"))
    response = client.get(url)
    _assert_private_download(response, CSV_BYTES)
    assert response["Content-Type"] == "text/csv; charset=utf-8"

    client.force_login(UserFactory(username="root@mashhad.example", is_superuser=True))
    _assert_private_download(client.get(url), CSV_BYTES)

    client.force_login(merchant_staff_create(other, username="staff@pesteh.example"))
    assert client.get(url).status_code == 404

    client.force_login(UserFactory(username="buyer@example.com"))
    assert client.get(url).status_code == 403
