"""A declaration's files: uploaded documents, the e-CN23 JSON, the CN23 and commercial-invoice
PDFs. Customs officers and the owning merchant's staff only; anyone else gets 404 (the existence
of a declaration is not revealed)."""

from __future__ import annotations

import json

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views import View

from customs.access import merchant_ids_of, user_is_customs_officer
from customs.ecn23 import declaration_ecn23
from customs.models import Declaration, DeclarationDocument
from customs.pdf import declaration_pdf
from merchants.validators import LICENCE_EXTENSIONS


def declaration_visible_to(*, declaration_id: int, user) -> Declaration:
    """The declaration if ``user`` may see it (officer, or staff of its merchant); raises
    ``Http404`` otherwise."""
    declaration = (
        Declaration.objects.select_related("merchant_order__order")
        .filter(pk=declaration_id)
        .first()
    )
    if declaration is None:
        raise Http404
    if user_is_customs_officer(user) or declaration.merchant_id in merchant_ids_of(user):
        return declaration
    raise Http404


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class DocumentDownloadView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
        declaration = declaration_visible_to(declaration_id=pk, user=request.user)
        document = DeclarationDocument.objects.filter(
            pk=document_pk, declaration=declaration
        ).first()
        if document is None:
            raise Http404
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        extension = LICENCE_EXTENSIONS.get(document.content_type, "bin")
        response = FileResponse(
            handle,
            content_type=document.content_type,
            as_attachment=True,
            filename=f"{declaration.number}-document-{document.pk}.{extension}",
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return _private(response)


class Ecn23View(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        declaration = declaration_visible_to(declaration_id=pk, user=request.user)
        body = json.dumps(declaration_ecn23(declaration=declaration), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{declaration.number}.json"'
        return _private(response)


class PdfView(LoginRequiredMixin, View):
    kind = "cn23"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        declaration = declaration_visible_to(declaration_id=pk, user=request.user)
        pdf = declaration_pdf(declaration=declaration, kind=self.kind)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{declaration.number}-{self.kind}.pdf"'
        return _private(response)
