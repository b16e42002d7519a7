"""The customs officers' workspace at ``/customs/``: queues per lane, a declaration's page, and one
POST endpoint per action. Officers only (``customs.access``): anyone else signed in gets 403,
anonymous visitors the sign-in page. No page or context carries payment data: declarations,
items, documents, risk reasons and the audit trail only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from customs import services
from customs.access import user_is_customs_officer
from customs.conf import setting
from customs.exceptions import CustomsError
from customs.forms import (
    AmendForm,
    AssignForm,
    InspectionForm,
    OptionalReasonForm,
    QueryForm,
    QueueFilterForm,
    ReasonForm,
)
from customs.models import DECLARATION_TRANSITIONS, Declaration, Lane
from customs.selectors.declarations import (
    QueueFilters,
    declaration_for_officer,
    declaration_queue,
    lane_counts,
)

PAGE_SIZE = 50


class OfficerRequiredMixin:
    """Sign-in first (redirect), then membership of the customs officers' group (403)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_customs_officer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class QueueView(OfficerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = QueueFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        sla = data.get("sla") or ""
        filters = QueueFilters(
            lane=data.get("lane") or "",
            status=data.get("status") or "",
            destination=data.get("destination") or "",
            merchant_id=data.get("merchant"),
            older_than_hours=data.get("older_than_hours"),
            sla_breached={"breached": True, "within": False}.get(sla),
            mine_only=bool(data.get("mine")),
        )
        page = Paginator(declaration_queue(filters=filters, user=request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        counts = lane_counts()
        return render(
            request,
            "customs/queue.html",
            {
                "form": form,
                "page_obj": page,
                "declarations": page.object_list,
                "lanes": [(value, label, counts.get(value, 0)) for value, label in Lane.choices],
                "unassigned_lane_count": counts.get("", 0),
                "active_lane": filters.lane,
                "querystring": _querystring(request, exclude="page"),
            },
        )


def _querystring(request: HttpRequest, *, exclude: str) -> str:
    params = request.GET.copy()
    params.pop(exclude, None)
    return params.urlencode()


class DeclarationDetailView(OfficerRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            declaration = declaration_for_officer(declaration_id=pk)
        except Declaration.DoesNotExist as exc:
            raise Http404 from exc
        return render(request, "customs/detail.html", _detail_context(request, declaration))


def _detail_context(request: HttpRequest, declaration: Declaration, **forms_: Any) -> dict:
    allowed = DECLARATION_TRANSITIONS[declaration.status]
    mine = declaration.assigned_to_id == request.user.pk
    items = list(declaration.items.all())
    return {
        "declaration": declaration,
        "order_number": declaration.merchant_order.order.number,
        "items": items,
        "risk_hits": list(declaration.risk_hits.all()),
        "documents": list(declaration.documents.all()),
        "queries": list(declaration.queries.all()),
        "events": list(declaration.events.all()),
        "is_mine": mine,
        "can": {
            "claim": declaration.is_open and declaration.assigned_to_id is None,
            "release": mine and "released" in allowed,
            "approve": declaration.release_requested_by_id not in (None, request.user.pk)
            and "released" in allowed,
            "query": mine and "queried" in allowed | {declaration.status},
            "hold": mine and "held" in allowed,
            "inspect": mine and "inspected" in allowed,
            "amend": mine and declaration.is_open,
            "reject": mine and "rejected" in allowed,
            "exit": "exited" in allowed,
            "assign": declaration.is_open,
        },
        "second_officer": bool(setting("CUSTOMS_RED_RELEASE_SECOND_OFFICER"))
        and declaration.lane == Lane.RED,
        "assign_form": forms_.get("assign_form") or AssignForm(),
        "query_form": forms_.get("query_form") or QueryForm(),
        "reason_form": forms_.get("reason_form") or ReasonForm(),
        "note_form": OptionalReasonForm(),
        "inspection_form": forms_.get("inspection_form") or InspectionForm(),
        "amend_forms": [
            (item, AmendForm(initial={"item": item.pk, "hs_code": item.hs_code_id}))
            for item in items
        ],
    }


Action = Callable[[Declaration, Any, dict[str, Any]], Any]

#: action name → (form class, service call with the cleaned data).
ACTIONS: dict[str, tuple[type[forms.Form] | None, Action]] = {
    "claim": (
        None,
        lambda d, user, data: services.declaration_claim(declaration_id=d.pk, actor=user),
    ),
    "assign": (
        AssignForm,
        lambda d, user, data: services.declaration_assign(
            declaration_id=d.pk, actor=user, assignee=data["assignee"], reason=data["reason"]
        ),
    ),
    "release": (
        OptionalReasonForm,
        lambda d, user, data: services.declaration_release(
            declaration_id=d.pk, actor=user, reason=data["reason"]
        ),
    ),
    "approve": (
        OptionalReasonForm,
        lambda d, user, data: services.declaration_release_approve(
            declaration_id=d.pk, actor=user, reason=data["reason"]
        ),
    ),
    "query": (
        QueryForm,
        lambda d, user, data: services.declaration_query(
            declaration_id=d.pk, actor=user, question=data["question"]
        ),
    ),
    "hold": (
        ReasonForm,
        lambda d, user, data: services.declaration_hold(
            declaration_id=d.pk, actor=user, reason=data["reason"]
        ),
    ),
    "inspect": (
        InspectionForm,
        lambda d, user, data: services.declaration_inspection_record(
            declaration_id=d.pk, actor=user, result=data["result"]
        ),
    ),
    "amend": (
        AmendForm,
        lambda d, user, data: services.declaration_amend(
            declaration_id=d.pk,
            actor=user,
            item_id=data["item"],
            hs_code=data["hs_code"] or None,
            value_minor=data["value_minor"],
            reason=data["reason"],
        ),
    ),
    "reject": (
        ReasonForm,
        lambda d, user, data: services.declaration_reject(
            declaration_id=d.pk, actor=user, reason=data["reason"]
        ),
    ),
    "exit": (
        OptionalReasonForm,
        lambda d, user, data: services.declaration_exit(
            declaration_id=d.pk, actor=user, reason=data["reason"]
        ),
    ),
}

DONE = {
    "claim": _("You hold this declaration now."),
    "assign": _("Declaration assigned."),
    "release": _("Released: the goods may leave."),
    "approve": _("Release approved: the goods may leave."),
    "query": _("The merchant has been asked."),
    "hold": _("Held for inspection."),
    "inspect": _("Inspection result recorded."),
    "amend": _("Amended; duties assessed again."),
    "reject": _("Rejected; the merchant order is being refunded."),
    "exit": _("Exit recorded."),
}


class DeclarationActionView(OfficerRequiredMixin, View):
    """POST ``/customs/declarations/<pk>/<action>/``: parse the form, call the service, redirect
    back with a message (errors shown as messages too: nothing was written then)."""

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if action not in ACTIONS:
            raise Http404
        declaration = Declaration.objects.filter(pk=pk).first()
        if declaration is None:
            raise Http404
        form_class, call = ACTIONS[action]
        data: dict[str, Any] = {}
        if form_class is not None:
            form = form_class(request.POST)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    messages.error(
                        request, f"{label}: {' '.join(errors)}" if label else " ".join(errors)
                    )
                return HttpResponseRedirect(_detail_url(pk))
            data = form.cleaned_data
        try:
            result = call(declaration, request.user, data)
        except CustomsError as exc:
            messages.error(request, str(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        else:
            done = DONE[action]
            if action == "release" and getattr(result, "status", "") != "released":
                done = _("Release requested: a second officer must approve it.")
            messages.success(request, done)
        return HttpResponseRedirect(_detail_url(pk))


def _detail_url(pk: int) -> str:
    return reverse("customs:declaration", kwargs={"pk": pk})
