"""``/finance/fees/``: municipal finance staff and platform admins list, create, change, end and
delete fee rules, and read each rule's history. Each view parses, calls one service or selector,
and renders. Anonymous users are sent to sign in; signed-in users without the permission get 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from fees import selectors, services
from fees.forms import FeeRuleFilterForm, FeeRuleForm
from fees.models import FeeKind, FeeRule

VIEW = "fees.view_feerule"
ADD = "fees.add_feerule"
CHANGE = "fees.change_feerule"


class FeeRulePermissionMixin:
    """Sign-in first (redirect), then ``permission`` (403)."""

    permission = VIEW

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def rule_get(self) -> FeeRule:
        try:
            return FeeRule.objects.select_related("merchant", "category", "replaces").get(
                pk=self.kwargs["pk"]  # type: ignore[attr-defined]
            )
        except FeeRule.DoesNotExist as exc:
            raise Http404 from exc


class FeeRuleListView(FeeRulePermissionMixin, TemplateView):
    """The rules, filtered by kind and by period (in force now, starting later, ended)."""

    template_name = "fees/rule_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        form = FeeRuleFilterForm(self.request.GET)
        kind = period = ""
        if form.is_valid():
            kind, period = form.cleaned_data["kind"], form.cleaned_data["period"]
        rules = list(selectors.fee_rules_list(kind=kind or None, period=period or None, at=now))
        for rule in rules:
            rule.state = rule.state_on(now)
        context.update(
            filter_form=form,
            rules=rules,
            kinds=FeeKind,
            kind=kind,
            period=period,
            can_add=self.request.user.has_perm(ADD),
        )
        return context


class FeeRuleCreateView(FeeRulePermissionMixin, TemplateView):
    """A new rule (``fees.services.fee_rule_create``)."""

    template_name = "fees/rule_form.html"
    permission = ADD

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        initial = {"kind": self.request.GET.get("kind", "")}
        context.setdefault("form", FeeRuleForm(initial=initial))
        context["mode"] = "create"
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = FeeRuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rule = services.fee_rule_create(
                    actor=request.user,
                    kind=data["kind"],
                    terms=form.terms(),
                    merchant_id=data["merchant"].pk if data["merchant"] else None,
                    category_id=data["category"].pk if data["category"] else None,
                    currency=form.currency,
                )
            except ValidationError as exc:
                form.service_errors_add(exc)
            else:
                messages.success(request, _("Fee rule #%(id)s created.") % {"id": rule.pk})
                return redirect("fees:rule-detail", pk=rule.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FeeRuleDetailView(FeeRulePermissionMixin, TemplateView):
    """One rule, what replaced it or what it replaced, and its history (who changed what)."""

    template_name = "fees/rule_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rule = self.rule_get()
        context.update(
            rule=rule,
            state=rule.state_on(timezone.now()),
            successors=list(rule.successors.order_by("valid_from")),
            history=selectors.fee_rule_history(rule=rule),
            can_change=self.request.user.has_perm(CHANGE),
        )
        return context


class FeeRuleChangeView(FeeRulePermissionMixin, TemplateView):
    """Change a rule (``fees.services.fee_rule_change``): a rule in force is ended and followed
    by a successor from "Valid from" (empty: now); a future rule is edited in place."""

    template_name = "fees/rule_form.html"
    permission = CHANGE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rule = self.rule_get()
        state = rule.state_on(timezone.now())
        if "form" not in context:
            initial = FeeRuleForm.initial_from(rule)
            if state == "current":
                initial["valid_from"] = None  # the change takes effect now unless told otherwise
            context["form"] = FeeRuleForm(initial=initial, scope_editable=False)
        context.update(rule=rule, state=state, mode="change")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rule = self.rule_get()
        form = FeeRuleForm(request.POST, scope_editable=False)
        if form.is_valid():
            terms = form.terms()
            try:
                changed = services.fee_rule_change(
                    rule_id=rule.pk,
                    actor=request.user,
                    terms=terms,
                    effective_from=terms.valid_from,
                )
            except ValidationError as exc:
                form.service_errors_add(exc)
            else:
                if changed.pk != rule.pk:
                    messages.success(
                        request,
                        _("Rule #%(old)s ended; rule #%(new)s replaces it.")
                        % {"old": rule.pk, "new": changed.pk},
                    )
                else:
                    messages.success(request, _("Fee rule #%(id)s changed.") % {"id": rule.pk})
                return redirect("fees:rule-detail", pk=changed.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FeeRuleEndView(FeeRulePermissionMixin, View):
    """POST: end a rule in force now (``fees.services.fee_rule_end``)."""

    permission = CHANGE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rule = self.rule_get()
        try:
            services.fee_rule_end(rule_id=rule.pk, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Fee rule #%(id)s ended.") % {"id": rule.pk})
        return redirect("fees:rule-detail", pk=rule.pk)


class FeeRuleDeleteView(FeeRulePermissionMixin, View):
    """POST: delete a rule that has not started (``fees.services.fee_rule_delete``)."""

    permission = CHANGE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rule = self.rule_get()
        try:
            services.fee_rule_delete(rule_id=rule.pk, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("fees:rule-detail", pk=rule.pk)
        messages.success(request, _("Fee rule #%(id)s deleted.") % {"id": rule.pk})
        return redirect("fees:rule-list")
