"""What officers and merchants do to a declaration. Every service locks the declaration, checks who
is asking and the transition table, writes, and appends the audit event, in one transaction.

Officers (``customs.access.user_is_customs_officer``) claim a declaration before working on it;
only the officer it is assigned to may release, query, hold, record an inspection, amend or
reject it. Merchant staff answer queries on their own merchant's declarations.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from customs.access import merchant_ids_of, user_is_customs_officer
from customs.conf import setting
from customs.exceptions import ActionRefused, DocumentRefused, NotAssigned
from customs.models import (
    LANE_STATUSES,
    OPEN_STATUSES,
    SUBHEADING_LEVEL,
    Declaration,
    DeclarationDocument,
    DeclarationItem,
    DeclarationQuery,
    DeclarationStatus,
    DocumentKind,
    EventAction,
    HSCode,
    Lane,
)
from customs.services.declarations import (
    declaration_lock,
    event_append,
    reject_apply,
    release_apply,
    rules_for,
    taxes_assess,
    transition,
)
from customs.signals import declaration_duty_changed
from marketplace.core.money import Money

logger = logging.getLogger(__name__)

S = DeclarationStatus
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
_HS_SEPARATORS = re.compile(r"[.\s]")


def _officer(actor: Any) -> None:
    if not user_is_customs_officer(actor):
        raise PermissionDenied(_("Only customs officers may do this."))


def _assigned(declaration: Declaration, actor: Any) -> None:
    if declaration.assigned_to_id != actor.pk:
        raise NotAssigned()


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Please give the %(field)s.") % {"field": field})
    return reason


def _work(declaration_id: int, actor: Any) -> Declaration:
    """Lock the declaration for an officer's action on it (checked: officer, assignee)."""
    _officer(actor)
    declaration = declaration_lock(declaration_id)
    _assigned(declaration, actor)
    return declaration


def declaration_claim(*, declaration_id: int, actor: Any) -> Declaration:
    """Assign an open, unassigned declaration to the officer asking. Idempotent for the officer
    who holds it; raises ``ActionRefused`` when another officer does (they may reassign it),
    ``PermissionDenied`` for anyone but an officer."""
    _officer(actor)
    with transaction.atomic():
        declaration = declaration_lock(declaration_id)
        if declaration.assigned_to_id == actor.pk:
            return declaration
        if declaration.assigned_to_id is not None:
            raise ActionRefused(_("Another officer has claimed this declaration."))
        if declaration.status not in OPEN_STATUSES:
            raise ActionRefused(_("This declaration is closed."))
        declaration.assigned_to = actor
        declaration.save(update_fields=["assigned_to", "updated_at"])
        event_append(
            declaration,
            action=EventAction.CLAIMED,
            actor=actor,
            before={"assigned_to": None},
            after={"assigned_to": actor.pk},
        )
    return declaration


def declaration_assign(
    *, declaration_id: int, actor: Any, assignee: Any, reason: str = ""
) -> Declaration:
    """Assign an open declaration to ``assignee`` (an officer), whoever holds it now."""
    _officer(actor)
    if not user_is_customs_officer(assignee):
        raise ActionRefused(_("Declarations can be assigned to customs officers only."))
    with transaction.atomic():
        declaration = declaration_lock(declaration_id)
        if declaration.status not in OPEN_STATUSES:
            raise ActionRefused(_("This declaration is closed."))
        before = declaration.assigned_to_id
        if before == assignee.pk:
            return declaration
        declaration.assigned_to = assignee
        declaration.save(update_fields=["assigned_to", "updated_at"])
        event_append(
            declaration,
            action=EventAction.ASSIGNED,
            actor=actor,
            reason=reason,
            before={"assigned_to": before},
            after={"assigned_to": assignee.pk},
        )
    return declaration


def declaration_release(*, declaration_id: int, actor: Any, reason: str = "") -> Declaration:
    """Release the goods. Calls ``settlement.services.settlement_customs_release`` in the same
    transaction (the merchant's money may leave pending once the return window allows too).

    A red-lane declaration needs its inspection result recorded first; with
    ``CUSTOMS_RED_RELEASE_SECOND_OFFICER`` it then needs a second officer: the first release
    records the request (status unchanged), ``declaration_release_approve`` by another officer
    releases. Raises ``NotAssigned``, ``ActionRefused``, ``TransitionNotAllowed``,
    ``PermissionDenied``; nothing is written then.
    """
    with transaction.atomic():
        declaration = _work(declaration_id, actor)
        if S.RELEASED not in _next(declaration):
            from customs.exceptions import TransitionNotAllowed

            raise TransitionNotAllowed(declaration.status, S.RELEASED)
        if declaration.lane == Lane.RED:
            if not declaration.inspection_result:
                raise ActionRefused(_("Record the inspection result before releasing."))
            if setting("CUSTOMS_RED_RELEASE_SECOND_OFFICER"):
                if declaration.release_requested_by_id is not None:
                    raise ActionRefused(_("The release is waiting for a second officer."))
                from django.utils import timezone

                declaration.release_requested_by = actor
                declaration.release_requested_at = timezone.now()
                declaration.save(
                    update_fields=["release_requested_by", "release_requested_at", "updated_at"]
                )
                event_append(
                    declaration,
                    action=EventAction.RELEASE_REQUESTED,
                    actor=actor,
                    reason=reason,
                    after={"release_requested_by": actor.pk},
                )
                return declaration
        release_apply(declaration, actor=actor, reason=reason)
    return declaration


def declaration_release_approve(
    *, declaration_id: int, actor: Any, reason: str = ""
) -> Declaration:
    """A second officer approves a red-lane release another officer asked for: released (see
    ``declaration_release``). The approver need not hold the declaration but must not be the
    officer who asked. Raises ``ActionRefused`` otherwise."""
    _officer(actor)
    with transaction.atomic():
        declaration = declaration_lock(declaration_id)
        if declaration.release_requested_by_id is None:
            raise ActionRefused(_("No release is waiting for approval."))
        if declaration.release_requested_by_id == actor.pk:
            raise ActionRefused(_("A second officer must approve this release."))
        release_apply(
            declaration,
            actor=actor,
            reason=reason or _("Second-officer approval."),
        )
    return declaration


def _next(declaration: Declaration) -> frozenset[str]:
    from customs.models import DECLARATION_TRANSITIONS

    return DECLARATION_TRANSITIONS[declaration.status]


def declaration_query(*, declaration_id: int, actor: Any, question: str) -> DeclarationQuery:
    """Ask the merchant for information: the declaration waits (queried) until they answer in
    their dashboard; they are emailed. Returns the query."""
    question = _reason(question, _("question"))
    with transaction.atomic():
        declaration = _work(declaration_id, actor)
        if declaration.status != S.QUERIED:
            transition(declaration, S.QUERIED, actor=actor, reason=question)
        query = DeclarationQuery.objects.create(
            declaration=declaration, question=question, asked_by=actor
        )
        event_append(
            declaration,
            action=EventAction.QUERY_ASKED,
            actor=actor,
            reason=question,
            after={"query": query.pk},
        )
        from customs.tasks import query_merchant_notify
        from marketplace.core.tasks import enqueue_on_commit

        enqueue_on_commit(query_merchant_notify, query.pk)
    return query


def declaration_hold(*, declaration_id: int, actor: Any, reason: str) -> Declaration:
    """Hold the goods for a physical inspection."""
    reason = _reason(reason)
    with transaction.atomic():
        declaration = _work(declaration_id, actor)
        transition(declaration, S.HELD, actor=actor, reason=reason)
    return declaration


def declaration_inspection_record(*, declaration_id: int, actor: Any, result: str) -> Declaration:
    """Record what the inspection of held goods found (the declaration becomes inspected; the
    officer then releases or rejects it)."""
    result = _reason(result, _("inspection result"))
    with transaction.atomic():
        declaration = _work(declaration_id, actor)
        before = declaration.inspection_result
        transition(declaration, S.INSPECTED, actor=actor, reason=result)
        declaration.inspection_result = result
        declaration.save(update_fields=["inspection_result", "updated_at"])
        event_append(
            declaration,
            action=EventAction.INSPECTION,
            actor=actor,
            reason=result,
            before={"inspection_result": before},
            after={"inspection_result": result},
        )
    return declaration


def _hs_subheading(hs_code: str) -> str:
    digits = _HS_SEPARATORS.sub("", hs_code or "")
    if (
        not re.fullmatch(r"[0-9]{6}", digits)
        or not HSCode.objects.filter(code=digits, level=SUBHEADING_LEVEL).exists()
    ):
        raise ActionRefused(
            _("Enter a 6-digit HS 2022 subheading, not %(code)r.") % {"code": hs_code}
        )
    return digits


def declaration_amend(
    *,
    declaration_id: int,
    actor: Any,
    item_id: int,
    reason: str,
    hs_code: str | None = None,
    value_minor: int | None = None,
) -> Declaration:
    """Correct an item's HS code and/or declared value; duty and import VAT are assessed again
    with the rules the order was placed under.

    The change of duty + import VAT is added to ``duty_difference_minor`` and announced by
    ``customs.signals.declaration_duty_changed`` (old, new) inside this transaction, for
    settlement to book. Raises ``ActionRefused`` (no reason, nothing changed, bad HS code or
    value, closed declaration), ``NotAssigned``, ``PermissionDenied``; nothing written then.
    """
    reason = _reason(reason)
    with transaction.atomic():
        declaration = _work(declaration_id, actor)
        if declaration.status not in OPEN_STATUSES:
            raise ActionRefused(_("This declaration is closed."))
        items = list(declaration.items.select_for_update().order_by("sequence"))
        item = next((i for i in items if i.pk == item_id), None)
        if item is None:
            raise ActionRefused(_("That item is not part of this declaration."))
        changes: dict[str, Any] = {}
        if hs_code is not None and hs_code.strip():
            code = _hs_subheading(hs_code)
            if code != item.hs_code_id:
                changes["hs_code"] = (item.hs_code_id, code)
                item.hs_code_id = code
        if value_minor is not None:
            if not isinstance(value_minor, int) or isinstance(value_minor, bool) or value_minor < 0:
                raise ActionRefused(_("Enter the value as a whole amount of 0 or more."))
            if value_minor != item.value_minor:
                changes["value_minor"] = (item.value_minor, value_minor)
                item.value_minor = value_minor
        if not changes:
            raise ActionRefused(_("Nothing to change: give a new HS code or value."))
        old = Money(declaration.taxes_minor, declaration.currency)
        old_lines = {i.pk: (i.duty_minor, i.import_vat_minor) for i in items}
        taxes_assess(declaration, items, rules_for(declaration))
        new = Money(declaration.taxes_minor, declaration.currency)
        declaration.duty_difference_minor += new.amount_minor - old.amount_minor
        declaration.save()
        DeclarationItem.objects.bulk_update(
            items, ["hs_code", "value_minor", "duty_rate_bp", "duty_minor", "import_vat_minor"]
        )
        event = event_append(
            declaration,
            action=EventAction.AMENDED,
            actor=actor,
            reason=reason,
            before={
                "item": item.sequence,
                **{name: pair[0] for name, pair in changes.items()},
                "duty_minor": old_lines[item.pk][0],
                "import_vat_minor": old_lines[item.pk][1],
                "taxes_minor": old.amount_minor,
            },
            after={
                "item": item.sequence,
                **{name: pair[1] for name, pair in changes.items()},
                "duty_minor": item.duty_minor,
                "import_vat_minor": item.import_vat_minor,
                "taxes_minor": new.amount_minor,
                "duty_difference_minor": declaration.duty_difference_minor,
            },
        )
        if new != old:
            declaration_duty_changed.send(
                sender=Declaration, declaration=declaration, old=old, new=new, event=event
            )
    return declaration


def declaration_reject(*, declaration_id: int, actor: Any, reason: str) -> Declaration:
    """Refuse the goods. Once committed, the merchant order is refunded in full (goods, shipping
    and collected duties) through ``payments.services.payment_refund`` (see
    ``customs.integrations.merchant_order_refund_on_rejection``)."""
    reason = _reason(reason)
    with transaction.atomic():
        declaration = _work(declaration_id, actor)
        reject_apply(declaration, actor=actor, reason=reason)
    return declaration


def declaration_exit(*, declaration_id: int, actor: Any, reason: str = "") -> Declaration:
    """Record that released goods left the country (the carrier's exit scan)."""
    _officer(actor)
    with transaction.atomic():
        declaration = declaration_lock(declaration_id)
        transition(declaration, S.EXITED, actor=actor, reason=reason)
    return declaration


# --- merchants ----------------------------------------------------------------------------------


def _document_check(upload: IO[bytes]) -> tuple[str, int]:
    from merchants.validators import content_type_sniff

    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > DOCUMENT_MAX_BYTES:
        raise DocumentRefused(_("Each document must be at most 5 MB."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = content_type_sniff(head)
    if content_type is None:
        raise DocumentRefused(_("Documents must be PDF, JPEG or PNG files."))
    return content_type, int(size)


def document_add(
    *,
    declaration: Declaration,
    upload: IO[bytes],
    actor: Any,
    kind: str = DocumentKind.OTHER,
    query: DeclarationQuery | None = None,
) -> DeclarationDocument:
    """Store an uploaded PDF, JPEG or PNG (at most 5 MB, type sniffed from its bytes) in private
    storage under a random name. Call inside the caller's transaction. Raises
    ``DocumentRefused``."""
    content_type, size = _document_check(upload)
    name = os.path.basename(getattr(upload, "name", "") or "")[:120]
    document = DeclarationDocument(
        declaration=declaration,
        query=query,
        kind=kind if kind in DocumentKind.values else DocumentKind.OTHER,
        content_type=content_type,
        original_name=name,
        size=size,
        uploaded_by=actor,
    )
    document.file.save(name or "document", ContentFile(upload.read()), save=False)
    document.save()
    event_append(
        declaration,
        action=EventAction.DOCUMENT_ADDED,
        actor=actor,
        source="merchant" if query is not None else "officer",
        after={"document": document.pk, "kind": document.kind, "name": name},
    )
    return document


def declaration_query_answer(
    *,
    query_id: int,
    actor: Any,
    answer: str,
    uploads: Sequence[tuple[IO[bytes], str]] = (),
) -> DeclarationQuery:
    """The merchant's staff answer an open query, with attachments (``(file, kind)`` pairs). When
    no other query is open the declaration goes back to its lane's queue. Raises
    ``PermissionDenied`` (not this merchant's staff), ``ActionRefused`` (already answered, no
    answer), ``DocumentRefused`` (a bad attachment); nothing is written then (files included)."""
    answer = _reason(answer, _("answer"))
    query = DeclarationQuery.objects.select_related("declaration").get(pk=query_id)
    if query.declaration.merchant_id not in merchant_ids_of(actor):
        raise PermissionDenied(_("This query is for another merchant."))
    for upload, _kind in uploads:
        _document_check(upload)
    stored: list[DeclarationDocument] = []
    try:
        with transaction.atomic():
            declaration = declaration_lock(query.declaration_id)
            query = DeclarationQuery.objects.select_for_update().get(pk=query_id)
            if query.answered_at is not None:
                raise ActionRefused(_("This query has already been answered."))
            from django.utils import timezone

            query.answer = answer
            query.answered_by = actor
            query.answered_at = timezone.now()
            query.save(update_fields=["answer", "answered_by", "answered_at"])
            for upload, kind in uploads:
                stored.append(
                    document_add(
                        declaration=declaration, upload=upload, actor=actor, kind=kind, query=query
                    )
                )
            event_append(
                declaration,
                action=EventAction.QUERY_ANSWERED,
                actor=actor,
                source="merchant",
                reason=answer,
                after={"query": query.pk, "documents": [d.pk for d in stored]},
            )
            still_open = declaration.queries.filter(answered_at__isnull=True).exists()
            if declaration.status == S.QUERIED and not still_open and declaration.lane:
                back = declaration.lane if declaration.lane in LANE_STATUSES else None
                if back:
                    transition(
                        declaration,
                        back,
                        actor=actor,
                        reason=_("The merchant answered."),
                        source="merchant",
                    )
    except Exception:
        for document in stored:
            document.file.delete(save=False)
        raise
    return query
