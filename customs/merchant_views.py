"""Merchants' customs pages under ``/dashboard/merchant/customs/``: their declarations, where each
stands, and customs' questions to answer with documents. Merchant staff only (platform admins
and officers use their own pages); another merchant's declaration is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from customs.access import merchant_ids_of
from customs.exceptions import CustomsError
from customs.forms import AnswerForm
from customs.models import Declaration, DeclarationQuery
from customs.selectors.declarations import declarations_of_merchants
from customs.services import declaration_query_answer
from merchants.dashboard.access import login_redirect, user_is_merchant_staff


class MerchantStaffMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return login_redirect(request)
        if not user_is_merchant_staff(request.user):
            raise PermissionDenied
        self.merchant_ids = merchant_ids_of(request.user)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def declaration_get(self, pk: int) -> Declaration:
        declaration = (
            Declaration.objects.filter(pk=pk, merchant_id__in=self.merchant_ids)
            .select_related("merchant_order__order")
            .prefetch_related("items", "queries__documents", "documents")
            .first()
        )
        if declaration is None:
            raise Http404
        return declaration


class MerchantDeclarationListView(MerchantStaffMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(declarations_of_merchants(merchant_ids=self.merchant_ids), 50).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "customs/merchant/list.html",
            {"page_obj": page, "declarations": page.object_list},
        )


class MerchantDeclarationDetailView(MerchantStaffMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        declaration = self.declaration_get(pk)
        return render(
            request,
            "customs/merchant/detail.html",
            {
                "declaration": declaration,
                "order_number": declaration.merchant_order.order.number,
                "queries": list(declaration.queries.all()),
                "answer_form": AnswerForm(),
                # Status changes only, without officers or the selectivity reasons (risk criteria stay
                # confidential): the template leaves out reasons whose source is "selectivity".
                "timeline": declaration.events.filter(action="status").order_by("created_at"),
            },
        )


class MerchantQueryAnswerView(MerchantStaffMixin, View):
    def post(self, request: HttpRequest, pk: int, query_pk: int) -> HttpResponse:
        declaration = self.declaration_get(pk)
        query = DeclarationQuery.objects.filter(pk=query_pk, declaration=declaration).first()
        if query is None:
            raise Http404
        form = AnswerForm(request.POST)
        url = reverse("merchant_dashboard:customs:declaration", kwargs={"pk": pk})
        if not form.is_valid():
            messages.error(request, _("Please write your answer."))
            return HttpResponseRedirect(url)
        kind = form.cleaned_data["kind"]
        uploads = [(upload, kind) for upload in request.FILES.getlist("documents")]
        try:
            declaration_query_answer(
                query_id=query.pk,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                uploads=uploads,
            )
        except (CustomsError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your answer has been sent to customs."))
        return HttpResponseRedirect(url)
