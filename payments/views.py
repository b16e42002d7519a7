"""Payments pages: the webhook endpoint, the sandbox's 3-D Secure page, and refunds per merchant
order for merchant staff and admins. Each parses, calls one service, renders."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from payments.exceptions import RefundNotAllowed
from payments.interface import InvalidRequest
from payments.models import Payment, Refund, RefundStatus
from payments.selectors import merchant_order_refundable, refund_permitted
from payments.services import payment_refund, provider_event_ingest
from purchases.models import MerchantOrder

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, provider: str) -> HttpResponse:
    """Verify the signature on the raw body, store the event under its id, answer at once
    (processing happens in a task from the stored row). 400 when verification fails (nothing
    stored), 404 for a provider that is not configured; a duplicate answers 200 too."""
    try:
        _event, created = provider_event_ingest(
            provider=provider, body=request.body, headers=dict(request.headers)
        )
    except ImproperlyConfigured:
        raise Http404("no such payments provider") from None
    except InvalidRequest as exc:
        logger.warning("webhook from %s refused: %s", provider, exc)
        return HttpResponse("invalid event", status=400, content_type="text/plain")
    return HttpResponse("stored" if created else "duplicate", content_type="text/plain")


class SandboxChallengeView(TemplateView):
    """The sandbox bank's 3-D Secure page: "Approve" or "Fail", then back to the shop."""

    template_name = "payments/sandbox/challenge.html"

    def dispatch(self, request, *args, **kwargs):
        from payments.gateways.sandbox import SandboxGateway

        self.gateway = SandboxGateway()
        self.charge = self.gateway.challenge_get(token=kwargs["token"])
        if self.charge is None:
            raise Http404("no such challenge")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "charge": self.charge}

    def post(self, request, *args, **kwargs):
        outcome = request.POST.get("outcome")
        if outcome not in ("approve", "fail"):
            return HttpResponse("choose approve or fail", status=400, content_type="text/plain")
        return_url = self.gateway.challenge_complete(
            token=kwargs["token"], approve=outcome == "approve"
        )
        return HttpResponseRedirect(return_url or "/")


class RefundForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    scope = forms.ChoiceField(
        choices=[("whole", "whole"), ("lines", "lines")], widget=forms.HiddenInput, initial="whole"
    )

    def __init__(self, *args, lines=(), left=None, **kwargs):
        super().__init__(*args, **kwargs)
        left = left or {}
        self.line_fields = []
        for line in lines:
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=line.title,
                min_value=0,
                max_value=max(left.get(line.pk, 0), 0),
                initial=0,
                required=False,
            )
            self.line_fields.append((line, self[name], left.get(line.pk, 0)))

    def chosen_lines(self) -> list[tuple[int, int]]:
        return [
            (int(name.removeprefix("line_")), value)
            for name, value in self.cleaned_data.items()
            if name.startswith("line_") and value
        ]


class MerchantOrderRefundView(View):
    """Refund one merchant order, whole or chosen lines. Merchant staff see only their own
    partner's orders (others are 404 to them); platform admins any; everyone else 403."""

    template_name = "payments/dashboard/refund.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        self.merchant_order = get_object_or_404(
            MerchantOrder.objects.select_related("purchase", "order", "partner"), pk=kwargs["pk"]
        )
        if not refund_permitted(user=request.user, merchant_order=self.merchant_order):
            if (
                request.user.is_superuser
                or self.merchant_order.partner.users.filter(pk=request.user.pk).exists()
            ):
                raise PermissionDenied
            raise Http404("no such order")
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data=None) -> RefundForm:
        left = merchant_order_refundable(merchant_order=self.merchant_order)
        return RefundForm(
            data, lines=list(self.merchant_order.order.lines.all()), left=left["lines"]
        )

    def _render(self, request, form, status=200):
        from django.shortcuts import render

        context = {
            "merchant_order": self.merchant_order,
            "order": self.merchant_order.order,
            "purchase": self.merchant_order.purchase,
            "payment": Payment.objects.filter(purchase=self.merchant_order.purchase_id)
            .order_by("-created_at")
            .first(),
            "left": merchant_order_refundable(merchant_order=self.merchant_order),
            "refunds": self.merchant_order.refunds.order_by("-created_at"),
            "form": form,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self._render(request, self._form())

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        lines = form.chosen_lines() if form.cleaned_data["scope"] == "lines" else None
        try:
            refund = payment_refund(
                merchant_order_id=self.merchant_order.pk,
                reason=form.cleaned_data["reason"],
                requested_by=request.user,
                lines=lines,
            )
        except RefundNotAllowed as exc:
            form.add_error(None, str(exc))
            return self._render(request, form, status=400)
        if refund.status == RefundStatus.SUCCEEDED:
            messages.success(request, _("Refund made; the buyer is being emailed."))
        elif refund.status == Refund.Status.PENDING:
            messages.info(
                request, _("Refund requested; it will be sent when the processor answers.")
            )
        else:
            messages.error(
                request, _("The processor refused the refund: %s") % refund.failure_reason
            )
        return HttpResponseRedirect(request.path)
