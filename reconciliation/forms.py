"""Forms of the reconciliation pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reconciliation.services import NOTE_MAX_LENGTH


class ResolveForm(forms.Form):
    """How finance staff settled a mismatch (required)."""

    note = forms.CharField(
        label=_("Resolution note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX_LENGTH,
        error_messages={
            "required": _("Resolution note: say how the mismatch was settled."),
            "max_length": _("Resolution note: at most %(limit_value)d characters."),
        },
    )

    def __init__(self, *args: Any, item_id: int, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"item-{item_id}", **kwargs)
        self.item_id = item_id
