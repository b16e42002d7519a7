"""Fixtures for onboarding tests: private and public media in temporary directories, the people
involved, categories, and uploads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from merchants.services import ApplicationDetails
from tests.merchants.factories import (
    IBAN_AS_TYPED,
    PDF_BYTES,
    PERSON_NATIONAL_ID,
    UserFactory,
    municipal_staff_user,
)
from tests.search.factories import CategoryFactory


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    """Licence scans go to a temporary PRIVATE_MEDIA_ROOT; product images to a temporary
    MEDIA_ROOT. Returns the private one."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def applicant(db):
    return UserFactory(username="owner@novin.example", first_name="Reza")


@pytest.fixture
def reviewer(db):
    return municipal_staff_user(username="reviewer@mashhad.example")


@pytest.fixture
def saffron(db):
    return CategoryFactory(name="Saffron")


@pytest.fixture
def nuts(db):
    return CategoryFactory(name="Nuts")


def pdf_upload(name: str = "licence.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def details(categories, **overrides) -> ApplicationDetails:
    values = {
        "name_fa": "خانه زعفران نوین",
        "name_en": "Novin Saffron House",
        "trade_licence_number": "MHD-140-2231",
        "national_id": PERSON_NATIONAL_ID,
        "iban": IBAN_AS_TYPED,
        "address": "Imam Reza St 12, Mashhad",
        "phone": "051 3800 0000",
        "categories": list(categories),
    }
    values.update(overrides)
    return ApplicationDetails(**values)
