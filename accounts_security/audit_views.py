"""``/finance/audit/``: the audit log, read-only, for municipal finance staff and admins."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts_security.audit import AUDIT_KINDS, AUDIT_LIMIT, AuditFilter, audit_entries_list
from finance.dashboard_access import FinanceStaffRequiredMixin


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), *AUDIT_KINDS.items()],
    )
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=254,
        help_text=_("E-mail address or username."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Until: this date is before the From date."))
        return data

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data
        user_ids = None
        if data.get("user"):
            text = data["user"].strip()
            user_ids = tuple(
                get_user_model()
                .objects.filter(Q(username__iexact=text) | Q(email__iexact=text))
                .values_list("pk", flat=True)
            )
        return AuditFilter(
            kind=data.get("kind") or None,
            user_ids=user_ids,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class AuditLogView(FinanceStaffRequiredMixin, TemplateView):
    template_name = "accounts_security/audit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = AuditFilterForm(self.request.GET or None)
        entries = []
        if form.is_bound and form.is_valid():
            entries = audit_entries_list(where=form.audit_filter())
        elif not form.is_bound:
            entries = audit_entries_list(where=AuditFilter())
        return super().get_context_data(form=form, entries=entries, limit=AUDIT_LIMIT, **kwargs)
