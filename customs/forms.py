"""Forms of the officers' workspace and the merchants' customs pages: they parse, the services
decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from customs.models import DeclarationStatus, DocumentKind, Lane
from marketplace.core.roles import CUSTOMS_OFFICER

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class QueueFilterForm(forms.Form):
    lane = forms.ChoiceField(
        label=_("Lane"), required=False, choices=[("", _("All lanes")), *Lane.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), *DeclarationStatus.choices],
    )
    destination = forms.CharField(label=_("Destination"), required=False, max_length=2)
    merchant = forms.IntegerField(label=_("Merchant id"), required=False, min_value=1)
    older_than_hours = forms.IntegerField(
        label=_("Submitted more than (hours) ago"), required=False, min_value=1
    )
    sla = forms.ChoiceField(
        label=_("SLA"),
        required=False,
        choices=[("", _("Any")), ("breached", _("Breached")), ("within", _("Within SLA"))],
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QueryForm(forms.Form):
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))


class InspectionForm(forms.Form):
    result = forms.CharField(label=_("Inspection result"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Officer"), queryset=get_user_model().objects.none())
    reason = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(groups__name=CUSTOMS_OFFICER, is_active=True)
            .order_by("email", "username")
        )


class AmendForm(forms.Form):
    item = forms.IntegerField(label=_("Item"), widget=forms.HiddenInput)
    hs_code = forms.CharField(label=_("HS code"), required=False, max_length=12)
    value_minor = forms.CharField(label=_("Value"), required=False, max_length=24)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_value_minor(self) -> int | None:
        raw = (self.cleaned_data.get("value_minor") or "").translate(_DIGITS)
        raw = raw.replace(",", "").replace("٬", "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise forms.ValidationError(_("Enter the value as a whole number."))
        return int(raw)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(
        label=_("Document type"), choices=DocumentKind.choices, initial=DocumentKind.OTHER
    )
    # The files come as request.FILES.getlist("documents") (an <input multiple>); the service
    # checks each one (type sniffed from its bytes, size).
