"""Forms of the merchant application and of the municipal review: they parse and validate input;
the views hand the cleaned data to one service each."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from merchants.models import ApplicationStatus, MerchantApplication
from merchants.services import ApplicationDetails
from merchants.validators import (
    iban_normalise,
    licence_scan_check,
    licence_scan_max_bytes,
    national_id_normalise,
    phone_normalise,
    validate_iban,
    validate_national_id,
    validate_phone,
)

Category = get_model("catalogue", "Category")


class MerchantApplicationForm(forms.ModelForm):
    """The application: business names, licence, ids, IBAN, address, categories, phone, scan.

    Messages name the field they concern. The licence scan is checked by content (magic bytes)
    and size; on an edit it may be left empty to keep the stored one.
    """

    licence_scan = forms.FileField(
        label=_("Licence scan"),
        # Not ClearableFileInput: it would link the stored scan, which has no public URL.
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Main categories"),
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Main categories: choose at least one.")},
    )

    class Meta:
        model = MerchantApplication
        fields = (
            "name_fa",
            "name_en",
            "trade_licence_number",
            "national_id",
            "iban",
            "address",
            "categories",
            "phone",
            "licence_scan",
        )
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "name_fa": forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
            "iban": forms.TextInput(attrs={"placeholder": "IR00 0000 0000 0000 0000 0000 00"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.browsable().order_by("path")
        # Field validators run on the normalised value in clean_<field>, not on the raw input.
        for name in ("national_id", "iban", "phone"):
            self.fields[name].validators = []
            self.fields[name].max_length = None
            self.fields[name].widget.attrs.pop("maxlength", None)
        for name, field in self.fields.items():
            label = field.label
            field.error_messages["required"] = _("%(label)s: this field is required.") % {
                "label": label
            }
            if name == "categories":
                field.error_messages["required"] = _("Main categories: choose at least one.")
        limit_mb = f"{licence_scan_max_bytes() / (1024 * 1024):g}"
        self.fields["licence_scan"].help_text = _("PDF, JPEG or PNG, at most %(limit)s MB.") % {
            "limit": limit_mb
        }
        if self.instance.pk:
            self.fields["licence_scan"].required = False
            self.fields["licence_scan"].help_text = _(
                "Leave empty to keep the scan you sent; PDF, JPEG or PNG, at most %(limit)s MB."
            ) % {"limit": limit_mb}
        self.licence_content_type: str | None = None

    def clean_national_id(self) -> str:
        value = national_id_normalise(self.cleaned_data["national_id"])
        validate_national_id(value)
        return value

    def clean_iban(self) -> str:
        value = iban_normalise(self.cleaned_data["iban"])
        validate_iban(value)
        return value

    def clean_phone(self) -> str:
        value = phone_normalise(self.cleaned_data["phone"])
        validate_phone(value)
        return value

    def clean_licence_scan(self) -> Any:
        upload = self.cleaned_data.get("licence_scan")
        if not upload or upload == self.instance.licence_scan:
            return None
        self.licence_content_type = licence_scan_check(upload)
        return upload

    def _post_clean(self) -> None:
        # The services validate the model; no instance is saved by this form.
        pass

    def details(self) -> ApplicationDetails:
        data = self.cleaned_data
        return ApplicationDetails(
            name_fa=data["name_fa"],
            name_en=data["name_en"],
            trade_licence_number=data["trade_licence_number"],
            national_id=data["national_id"],
            iban=data["iban"],
            address=data["address"],
            phone=data["phone"],
            categories=list(data["categories"]),
        )


def service_errors_add(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ReasonForm(forms.Form):
    """A reviewer's reason; required unless ``reason_required=False`` (approval)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, reason_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = reason_required
        field.error_messages["required"] = _("Reason: please say why.")
        if not reason_required:
            field.label = _("Note to the applicant (optional)")


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *ApplicationStatus.choices],
        required=False,
    )
