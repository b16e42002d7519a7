"""Pages we add to the dashboard: a product's customs data and the HS code search behind it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView
from oscar.core.loading import get_model

from customs.models import HSCode, ProductCustomsInfo
from customs.selectors import hs_code_search
from merchants.dashboard.access import (
    HS_CODE_VIEW_PERMISSION,
    customs_edit_any_allowed,
    login_redirect,
    user_is_merchant_staff,
)
from merchants.dashboard.forms import ProductCustomsForm
from merchants.dashboard.selectors import dashboard_products

Product = get_model("catalogue", "Product")

HS_SEARCH_LEVELS = {str(level) for level in HSCode.Level.values}


class ProductCustomsUpdateView(FormView):
    """HS code, origin, net weight and English description of one product.

    Superusers and customs officers (``customs.change_productcustomsinfo``) may edit any product;
    merchant staff only their own (``merchants.dashboard.selectors.dashboard_products``), anything
    else is 404 to them; other signed-in users get 403.
    """

    template_name = "merchants/dashboard/product_customs.html"
    form_class = ProductCustomsForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return login_redirect(request)
        if customs_edit_any_allowed(user):
            products = Product.objects.all()
        elif user_is_merchant_staff(user):
            products = dashboard_products(user=user)
        else:
            raise PermissionDenied
        self.product = get_object_or_404(products, pk=kwargs["pk"])
        self.customs_info = ProductCustomsInfo.objects.filter(product=self.product).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "product": self.product}

    def get_initial(self):
        info = self.customs_info
        if info is None:
            return {"origin_country": "IR"}
        return {
            "hs_code": info.hs_code_id,
            "origin_country": info.origin_country,
            "net_weight_grams": info.net_weight_grams,
            "customs_description": info.customs_description,
        }

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            product=self.product,
            customs_info=self.customs_info,
            # Customs officers cannot open Oscar's product page; do not link them to it.
            product_edit_allowed=user.is_superuser or user_is_merchant_staff(user),
            **kwargs,
        )

    def form_valid(self, form):
        if form.save() is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Customs data saved."))
        return HttpResponseRedirect(
            reverse("merchant_dashboard:product-customs", kwargs={"pk": self.product.pk})
        )


def hs_code_search_view(request):
    """JSON: HS codes matching ``q`` (code prefix or English words); ``level`` 2, 4 or 6 narrows.

    Anyone who may edit customs data somewhere may search (merchant staff, customs officers,
    superusers); other signed-in users get 403, anonymous visitors the dashboard login.
    """
    user = request.user
    if not user.is_authenticated:
        return login_redirect(request)
    if not (user_is_merchant_staff(user) or user.has_perm(HS_CODE_VIEW_PERMISSION)):
        raise PermissionDenied
    level = request.GET.get("level", "")
    if level and level not in HS_SEARCH_LEVELS:
        return JsonResponse({"error": "level must be 2, 4 or 6"}, status=400)
    codes = hs_code_search(query=request.GET.get("q", ""), level=int(level) if level else None)
    return JsonResponse(
        {
            "results": [
                {"code": code.code, "description": code.description, "level": code.level}
                for code in codes
            ]
        }
    )
