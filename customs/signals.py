"""Signals customs sends for the other domains to act on (receivers live in those domains).

``declaration_duty_changed``: an officer's amendment changed the duty and import VAT assessed on a
declaration. Sent inside the amendment's transaction (a receiver that raises rolls it back), with
``declaration``, ``old`` and ``new`` (``marketplace.core.money.Money``: duty + import VAT before
and after) and ``event`` (the audit event). Settlement books the difference (``new - old``) for DDP
declarations; until it does, ``Declaration.duty_difference_minor`` records the running total.

``declaration_status_changed``: every status change, with ``declaration``, ``event``,
``from_status`` and ``to_status``, sent inside the transaction that made it.
"""

from __future__ import annotations

from django.dispatch import Signal

declaration_duty_changed = Signal()
declaration_status_changed = Signal()
