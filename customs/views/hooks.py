"""The customs system's status callbacks (inbound) and the dead-letter list of failed outbound
deliveries (platform administrators)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from customs.access import user_is_platform_admin
from customs.conf import setting
from customs.exceptions import SignatureInvalid
from customs.models import DeliveryStatus, OutboundDelivery
from customs.services import inbound_event_ingest, outbound_delivery_retry
from customs.services.hooks import PayloadInvalid

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def status_hook(request: HttpRequest) -> HttpResponse:
    """``POST /customs/hooks/status/``: a signed status update from the customs system.

    Verified on the raw body (Standard Webhooks, 5-minute tolerance), stored under its
    ``webhook-id`` and processed by a task, so the answer is fast: 202 for a new event, 200 for a
    replayed id (nothing done again), 401 for a bad signature or stale timestamp, 400 for a body
    we do not understand (nothing stored either way), 404 when no hook secret is configured.
    """
    if not setting("CUSTOMS_HOOK_SECRET"):
        raise Http404
    try:
        event, created = inbound_event_ingest(body=request.body, headers=request.headers)
    except SignatureInvalid as exc:
        logger.warning("customs hook refused: %s", exc)
        return JsonResponse({"error": "signature", "detail": str(exc)}, status=401)
    except PayloadInvalid as exc:
        return JsonResponse({"error": "payload", "detail": str(exc)}, status=400)
    return JsonResponse(
        {"id": event.event_id, "status": "accepted" if created else "duplicate"},
        status=202 if created else 200,
    )


class AdminRequiredMixin:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_platform_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class DeadLetterView(AdminRequiredMixin, View):
    """Deliveries that failed after their last retry (or were refused), with a retry button."""

    def get(self, request: HttpRequest) -> HttpResponse:
        deliveries = OutboundDelivery.objects.filter(status=DeliveryStatus.DEAD).select_related(
            "declaration"
        )[:200]
        return render(request, "customs/dead_letters.html", {"deliveries": deliveries})

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(value) for value in request.POST.getlist("delivery") if value.isdigit()]
        retried = 0
        for delivery_id in ids:
            if outbound_delivery_retry(delivery_id=delivery_id).status == DeliveryStatus.PENDING:
                retried += 1
        messages.success(request, _("%(n)d delivery(ies) queued again.") % {"n": retried})
        return HttpResponseRedirect(reverse("customs:dead-letters"))
