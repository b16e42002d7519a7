"""The customs backend: who decides about a declaration once it is submitted.

``CUSTOMS_BACKEND = "inhouse"`` (default): our own officers at ``/customs/``; selectivity assigns
the lane at once. ``"http"``: an external customs system; each declaration's e-CN23 is POSTed to
``CUSTOMS_HTTP_URL`` (signed, retried; see ``customs.services.hooks``) and the system's signed
callbacks to ``/customs/hooks/status/`` move the declaration on.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from customs.conf import setting
from customs.models import Declaration
from customs.selectors.risk import RiskAssessment


class CustomsBackend(Protocol):
    name: str

    def declaration_submitted(
        self, *, declaration: Declaration, assessment: RiskAssessment
    ) -> None:
        """Take over a declaration just created (locked, in the creating transaction)."""


class InHouseBackend:
    name = "inhouse"

    def declaration_submitted(
        self, *, declaration: Declaration, assessment: RiskAssessment
    ) -> None:
        from customs.services.declarations import lane_assign

        lane_assign(declaration, assessment)


class HttpBackend:
    name = "http"

    def __init__(self) -> None:
        if not setting("CUSTOMS_HTTP_URL") or not setting("CUSTOMS_HTTP_SECRET"):
            raise ImproperlyConfigured(
                "CUSTOMS_BACKEND=http needs CUSTOMS_HTTP_URL and CUSTOMS_HTTP_SECRET (whsec_...)."
            )

    def declaration_submitted(
        self, *, declaration: Declaration, assessment: RiskAssessment
    ) -> None:
        from customs.services.hooks import declaration_delivery_queue

        declaration_delivery_queue(declaration=declaration)


BACKENDS: dict[str, type[InHouseBackend] | type[HttpBackend]] = {
    "inhouse": InHouseBackend,
    "http": HttpBackend,
}


def customs_backend() -> CustomsBackend:
    """The configured backend. Raises ``ImproperlyConfigured`` for an unknown name or an HTTP
    backend without its URL and secret."""
    name = setting("CUSTOMS_BACKEND")
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"CUSTOMS_BACKEND must be one of {sorted(BACKENDS)}, not {name!r}"
        ) from None
