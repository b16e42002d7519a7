"""Where uploaded catalogue files are kept: outside MEDIA_ROOT, never served by URL."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from marketplace.env import BASE_DIR


def private_media_root() -> str:
    return str(getattr(settings, "PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))


@deconstructible
class PrivateStorage(FileSystemStorage):
    """A FileSystemStorage rooted at ``PRIVATE_MEDIA_ROOT`` (``var/private`` without it).

    The root is read from settings on every access rather than frozen when models load, so an
    override in tests or a setting added later takes effect. ``url()`` raises ``ValueError``:
    these files are merchants' price lists, not public media.
    """

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return private_media_root()

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


private_storage = PrivateStorage()
