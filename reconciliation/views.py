"""The finance pages: reconciliation runs with their counts, a run's mismatches, resolving one.

Municipal finance staff (``reconciliation.view_reconciliationrun``) and superusers see them;
resolving a mismatch needs ``reconciliation.change_reconciliationitem`` too. Anonymous visitors
are sent to sign in; anyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from reconciliation import selectors, services
from reconciliation.forms import ResolveForm
from reconciliation.models import ReconciliationItem, ReconciliationRun

VIEW_PERMISSION = "reconciliation.view_reconciliationrun"
RESOLVE_PERMISSION = "reconciliation.change_reconciliationitem"


class FinanceRequiredMixin:
    """Sign-in first (redirect), then the permissions in ``permissions`` (403)."""

    permissions: tuple[str, ...] = (VIEW_PERMISSION,)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.has_perms(self.permissions)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class RunListView(FinanceRequiredMixin, ListView):
    """``/finance/reconciliation/``: runs, newest day first, with their counts."""

    template_name = "reconciliation/run_list.html"
    context_object_name = "runs"
    paginate_by = 50

    def get_queryset(self) -> Any:
        return selectors.reconciliation_runs()


class RunDetailView(FinanceRequiredMixin, TemplateView):
    """``/finance/reconciliation/runs/<pk>/``: a run's mismatches, open ones first, each open
    one with a form to resolve it (for those who may)."""

    template_name = "reconciliation/run_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            run = selectors.reconciliation_run_get(run_id=self.kwargs["pk"])
        except ReconciliationRun.DoesNotExist as exc:
            raise Http404 from exc
        bound: ResolveForm | None = kwargs.get("bound_form")
        can_resolve = self.request.user.has_perm(RESOLVE_PERMISSION)
        items = list(selectors.reconciliation_items(run=run))
        for item in items:
            item.form = None
            if can_resolve and item.resolved_at is None:
                item.form = (
                    bound
                    if bound is not None and bound.item_id == item.pk
                    else ResolveForm(item_id=item.pk)
                )
        context.update(run=run, items=items, can_resolve=can_resolve)
        return context


class ItemResolveView(FinanceRequiredMixin, View):
    """POST ``/finance/reconciliation/items/<pk>/resolve/`` with ``item-<pk>-note``: mark the
    mismatch resolved. A missing note answers 400 with the run's page and the error by the
    field."""

    permissions = (VIEW_PERMISSION, RESOLVE_PERMISSION)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = ReconciliationItem.objects.filter(pk=pk).only("pk", "run_id").first()
        if item is None:
            raise Http404
        form = ResolveForm(request.POST, item_id=item.pk)
        if form.is_valid():
            try:
                services.reconciliation_item_resolve(
                    item_id=item.pk, actor=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    messages.error(request, " ".join(exc.messages))
                    return redirect("reconciliation:run", pk=item.run_id)
            else:
                messages.success(request, _("Mismatch marked resolved."))
                return redirect("reconciliation:run", pk=item.run_id)
        page = RunDetailView(request=request, kwargs={"pk": item.run_id})
        page.setup(request, pk=item.run_id)
        context = page.get_context_data(bound_form=form)
        return page.render_to_response(context, status=400)
