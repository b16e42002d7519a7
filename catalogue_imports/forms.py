"""The upload form: which merchant, which file, how to import it."""

from __future__ import annotations

import zipfile
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from catalogue_imports.parsing import FORMATS, XLSX_MAGIC

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the default of settings.CATALOGUE_IMPORT_MAX_BYTES


def import_max_bytes() -> int:
    """The largest catalogue file accepted: ``settings.CATALOGUE_IMPORT_MAX_BYTES``."""
    return int(getattr(settings, "CATALOGUE_IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES))


_XLSX_PARTS = {"[Content_Types].xml", "xl/workbook.xml"}


def _check_xlsx(upload: Any) -> None:
    upload.seek(0)
    if upload.read(len(XLSX_MAGIC)) != XLSX_MAGIC:
        raise forms.ValidationError(
            _("%(name)s is not an Excel workbook (.xlsx)."), params={"name": upload.name}
        )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = set(archive.namelist())
    except zipfile.BadZipFile:
        parts = set()
    if not parts.issuperset(_XLSX_PARTS):
        raise forms.ValidationError(
            _("%(name)s is not an Excel workbook (.xlsx)."), params={"name": upload.name}
        )


def _check_csv(upload: Any) -> None:
    upload.seek(0)
    data = upload.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    # NUL never appears in text: it marks a binary file that happens to decode.
    if text is None or "\x00" in text:
        raise forms.ValidationError(
            _("%(name)s is not a CSV text file in UTF-8: save the sheet as “CSV UTF-8”."),
            params={"name": upload.name},
        )


class ImportUploadForm(forms.Form):
    merchant = forms.ModelChoiceField(queryset=None, empty_label=None, label=_("Merchant"))
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_("CSV (UTF-8, comma or semicolon) or Excel .xlsx, at most 20 MB."),
    )
    all_or_nothing = forms.BooleanField(
        required=False,
        label=_("All or nothing"),
        help_text=_("Import nothing if any row has an error."),
    )
    dry_run = forms.BooleanField(
        required=False,
        label=_("Dry run"),
        help_text=_("Check the file and show what would change, without changing anything."),
    )

    def __init__(self, *args: Any, merchants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.merchants = list(merchants)
        self.fields["merchant"].queryset = merchants
        self.fields["file"].help_text = _(
            "CSV (UTF-8, comma or semicolon) or Excel .xlsx, at most %(limit)s."
        ) % {"limit": filesizeformat(import_max_bytes())}
        if len(self.merchants) == 1:
            # Staff of one merchant import for it; there is nothing to choose.
            del self.fields["merchant"]

    @property
    def chosen_merchant(self) -> Any:
        """The merchant chosen, or the only one; call after `is_valid()`."""
        return self.cleaned_data.get("merchant") or self.merchants[0]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in FORMATS:
            raise forms.ValidationError(
                _("%(name)s is neither a .csv nor an .xlsx file."), params={"name": name}
            )
        if upload.size > import_max_bytes():
            raise forms.ValidationError(
                _("%(name)s is larger than %(limit)s, the largest file accepted."),
                params={"name": name, "limit": filesizeformat(import_max_bytes())},
            )
        if suffix == ".xlsx":
            _check_xlsx(upload)
        else:
            _check_csv(upload)
        upload.seek(0)
        return upload
