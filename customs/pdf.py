"""The CN23 customs declaration and the commercial invoice as PDF (WeasyPrint).

Both embed the vendored Vazirmatn font (``static/vendor/vazirmatn/fonts``) through ``@font-face``
``file://`` URLs, so Persian names and addresses are shaped and rendered next to Latin text.
Rendered on demand from the declaration (never stored): the declaration is the record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from customs.models import Declaration

FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "vazirmatn" / "fonts"
TEMPLATES = {
    "cn23": "customs/pdf/cn23.html",
    "invoice": "customs/pdf/commercial_invoice.html",
}


def _fonts() -> dict[str, str]:
    return {
        "font_regular": (FONT_DIR / "Vazirmatn-Regular.ttf").as_uri(),
        "font_bold": (FONT_DIR / "Vazirmatn-Bold.ttf").as_uri(),
    }


def declaration_pdf(*, declaration: Declaration, kind: str) -> bytes:
    """The PDF of ``kind`` ("cn23" or "invoice") for ``declaration``, in English (customs forms
    are filled in English; Persian names are shown as written). Raises ``KeyError`` for an
    unknown kind. Read-only."""
    from weasyprint import HTML

    items = list(declaration.items.select_related("hs_code").order_by("sequence"))
    context: dict[str, Any] = {
        "declaration": declaration,
        "items": items,
        "order": declaration.merchant_order.order,
        "export_country": settings.MARKETPLACE_SHIPPING["domestic_country"],
        "total_with_shipping_minor": declaration.goods_value_minor + declaration.shipping_minor,
        **_fonts(),
    }
    with translation.override("en"):
        html = render_to_string(TEMPLATES[kind], context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
