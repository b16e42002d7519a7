"""How a captured payment splits across the ledger: the posting contract, in one place.

A captured payment is posted per merchant order of its purchase (legs attributed to the merchant
order):

    Dr processor:<gateway>:balance   mo.total_minor
    Cr merchant pending              Σ merchant_net + shipping
    Cr platform:commission           Σ commission
    Cr municipality:fee_payable      Σ municipal_fee
    Cr tax:vat_payable               Σ vat
    Cr customs:duties_payable        Σ duty

``capture_parts`` reads the parts of many merchant orders in one aggregate query over the fee
snapshots; ``capture_legs`` turns them into ledger legs through an ``AccountBook``, which resolves
each distinct account once. The capture services and the benchmark both build their postings
here, so the legs and the idempotency keys are the same however a capture is posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, IntegerField, Sum, Value
from django.db.models.functions import Coalesce

from ledger.models import Account, AccountKind, Party
from ledger.services import Leg, account_get

__all__ = [
    "AccountBook",
    "MerchantOrderParts",
    "PartsMismatch",
    "capture_key",
    "capture_legs",
    "capture_parts",
]


class PartsMismatch(ValueError):
    """A merchant order's total differs from the sum of its fee-snapshot parts (a line has no
    snapshot, or the snapshot and the order disagree). Nothing is posted for it."""

    def __init__(self, merchant_order_id: int, total_minor: int, parts_minor: int) -> None:
        self.merchant_order_id = merchant_order_id
        self.total_minor = total_minor
        self.parts_minor = parts_minor
        super().__init__(
            f"merchant order {merchant_order_id}: total_minor {total_minor} != sum of fee-snapshot"
            f" parts {parts_minor} (lines without an OrderLineFees snapshot?)"
        )


@dataclass(frozen=True)
class MerchantOrderParts:
    """What one merchant order's money is made of, from its fee snapshots, in minor units."""

    merchant_order_id: int
    merchant_id: int
    currency: str
    total_minor: int
    merchant_minor: int  # Σ merchant_net + shipping
    commission_minor: int
    municipal_fee_minor: int
    vat_minor: int
    duty_minor: int

    @property
    def parts_minor(self) -> int:
        return (
            self.merchant_minor
            + self.commission_minor
            + self.municipal_fee_minor
            + self.vat_minor
            + self.duty_minor
        )


def capture_key(payment_id: int) -> str:
    """The idempotency key of a payment's capture posting."""
    return f"payment:{payment_id}:captured"


def capture_parts(*, merchant_order_ids: Sequence[int]) -> list[MerchantOrderParts]:
    """The parts of each merchant order in ``merchant_order_ids`` (ordered by id), read in ONE
    aggregate query over ``fees.OrderLineFees`` joined to ``purchases.MerchantOrder`` and the
    merchant (through the partner).

    Raises ``PartsMismatch`` when a merchant order's ``total_minor`` is not the sum of its parts
    (e.g. its lines have no fee snapshot yet): posting it would misstate who is owed what.
    Read-only.
    """
    from purchases.models import MerchantOrder

    if not merchant_order_ids:
        return []
    zero = Value(0, output_field=IntegerField())
    rows = (
        MerchantOrder.objects.filter(pk__in=list(merchant_order_ids))
        .annotate(
            merchant_pk=F("partner__merchant__id"),
            currency=F("purchase__currency"),
            net=Coalesce(Sum("line_fees__merchant_net_minor"), zero),
            commission=Coalesce(Sum("line_fees__commission_minor"), zero),
            municipal=Coalesce(Sum("line_fees__municipal_fee_minor"), zero),
            vat=Coalesce(Sum("line_fees__vat_minor"), zero),
            duty=Coalesce(Sum("line_fees__duty_minor"), zero),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "merchant_pk",
            "currency",
            "total_minor",
            "shipping_minor",
            "net",
            "commission",
            "municipal",
            "vat",
            "duty",
        )
    )
    result = []
    for pk, merchant_id, currency, total, shipping, net, commission, municipal, vat, duty in rows:
        if merchant_id is None:
            raise ValueError(f"merchant order {pk}: its partner has no merchant")
        parts = MerchantOrderParts(
            merchant_order_id=pk,
            merchant_id=merchant_id,
            currency=currency,
            total_minor=int(total),
            merchant_minor=int(net) + int(shipping),
            commission_minor=int(commission),
            municipal_fee_minor=int(municipal),
            vat_minor=int(vat),
            duty_minor=int(duty),
        )
        if parts.total_minor != parts.parts_minor:
            raise PartsMismatch(pk, parts.total_minor, parts.parts_minor)
        result.append(parts)
    return result


class AccountBook:
    """Resolves ledger accounts and caches them: one ``account_get`` (one DB hit, or two on first
    use) per distinct account, however many postings ask for it. Hold one per unit of work; the
    cached rows are for building legs (the posting locks and re-reads balances itself)."""

    def __init__(self) -> None:
        self._accounts: dict[tuple[Any, ...], Account] = {}
        self._merchants: dict[int, Any] = {}

    def _get(
        self,
        *,
        party: str,
        kind: str,
        currency: str,
        merchant_id: int | None = None,
        owner: str | None = None,
    ) -> Account:
        cache_key = (party, kind, currency, merchant_id, owner)
        account = self._accounts.get(cache_key)
        if account is None:
            merchant = self._merchant(merchant_id) if merchant_id is not None else None
            account = account_get(
                party=party, kind=kind, currency=currency, merchant=merchant, owner=owner
            )
            self._accounts[cache_key] = account
        return account

    def _merchant(self, merchant_id: int) -> Any:
        # account_get only needs the primary key; a stub avoids a query per merchant.
        merchant = self._merchants.get(merchant_id)
        if merchant is None:
            from merchants.models import Merchant

            merchant = Merchant(pk=merchant_id)
            self._merchants[merchant_id] = merchant
        return merchant

    def merchant(self, merchant_id: int, kind: str, currency: str) -> Account:
        """A merchant's own account: ``AccountKind.PENDING``/``AVAILABLE``/``RESERVE``/
        ``RECEIVABLE``."""
        return self._get(
            party=Party.MERCHANT, kind=kind, currency=currency, merchant_id=merchant_id
        )

    def pending(self, merchant_id: int, currency: str) -> Account:
        return self.merchant(merchant_id, AccountKind.PENDING, currency)

    def available(self, merchant_id: int, currency: str) -> Account:
        return self.merchant(merchant_id, AccountKind.AVAILABLE, currency)

    def reserve(self, merchant_id: int, currency: str) -> Account:
        return self.merchant(merchant_id, AccountKind.RESERVE, currency)

    def receivable(self, merchant_id: int, currency: str) -> Account:
        return self.merchant(merchant_id, AccountKind.RECEIVABLE, currency)

    def platform(self, kind: str, currency: str) -> Account:
        """The platform's ``COMMISSION``/``PROCESSOR_FEES``/``DISPUTES``/``BANK``/... account."""
        return self._get(party=Party.PLATFORM, kind=kind, currency=currency)

    def commission(self, currency: str) -> Account:
        return self.platform(AccountKind.COMMISSION, currency)

    def processor_fees(self, currency: str) -> Account:
        return self.platform(AccountKind.PROCESSOR_FEES, currency)

    def disputes(self, currency: str) -> Account:
        return self.platform(AccountKind.DISPUTES, currency)

    def fee_payable(self, currency: str) -> Account:
        return self._get(party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=currency)

    def vat_payable(self, currency: str) -> Account:
        return self._get(party=Party.TAX, kind=AccountKind.VAT_PAYABLE, currency=currency)

    def duties_payable(self, currency: str) -> Account:
        return self._get(party=Party.CUSTOMS, kind=AccountKind.DUTIES_PAYABLE, currency=currency)

    def processor(self, gateway: str, currency: str) -> Account:
        """The platform's balance at the processor ``gateway`` (``sandbox``, ``stripe``)."""
        return self._get(
            party=Party.PROCESSOR, kind=AccountKind.BALANCE, currency=currency, owner=gateway
        )


def capture_legs(
    *, parts: Sequence[MerchantOrderParts], gateway: str, accounts: AccountBook
) -> list[Leg]:
    """The legs of a capture posting for ``parts`` (every merchant order of one purchase), per
    the posting contract, each attributed to its merchant order. Balanced by construction
    (``capture_parts`` refused any merchant order whose total is not the sum of its parts); zero
    legs are kept here and dropped by ``transaction_post``. Pure apart from account look-ups."""
    legs: list[Leg] = []
    for p in parts:
        if p.total_minor != p.parts_minor:
            raise PartsMismatch(p.merchant_order_id, p.total_minor, p.parts_minor)
        mo, cur = p.merchant_order_id, p.currency
        legs += [
            Leg(accounts.processor(gateway, cur), p.total_minor, mo),
            Leg(accounts.pending(p.merchant_id, cur), -p.merchant_minor, mo),
            Leg(accounts.commission(cur), -p.commission_minor, mo),
            Leg(accounts.fee_payable(cur), -p.municipal_fee_minor, mo),
            Leg(accounts.vat_payable(cur), -p.vat_minor, mo),
            Leg(accounts.duties_payable(cur), -p.duty_minor, mo),
        ]
    return legs
