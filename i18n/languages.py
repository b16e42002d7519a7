"""Which language codes we serve, and the one a request or a stored preference falls back to."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant

__all__ = ["buyer_language", "language_or_default", "language_supported"]


def language_supported(code: object) -> str | None:
    """The language of ``LANGUAGES`` that ``code`` names ("fa", "fa-IR" -> "fa", "EN" -> "en"),
    or None for anything else (an unknown code, a language Django knows but we do not serve such
    as "de", an empty or malformed value, a non-string)."""
    if not isinstance(code, str) or not code or len(code) > 15:
        return None
    try:
        variant = get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None
    served = {language for language, _name in settings.LANGUAGES}
    return variant if variant in served else None


def language_or_default(code: object) -> str:
    """``code`` when we serve it, else the site's default language (``LANGUAGE_CODE``)."""
    return language_supported(code) or settings.LANGUAGE_CODE


def buyer_language(request: Any = None) -> str:
    """The language a buyer reads, to keep with their purchase: the request's (as
    ``LocaleMiddleware`` chose it), else the active one; "" when neither is one we serve."""
    code = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    return language_supported(code) or ""
