"""Open (or decide) a dispute on a captured sandbox payment, as the buyer's bank would."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payments.interface import InvalidRequest
from payments.models import Payment


class Command(BaseCommand):
    help = (
        "Sandbox only: dispute a captured payment (by purchase number or sandbox reference); "
        "the sandbox emits dispute.created (or dispute.closed with --close) through the webhook "
        "pipeline."
    )

    def add_arguments(self, parser):
        parser.add_argument("payment", help="purchase number or sandbox reference (sbx_pi_...)")
        parser.add_argument(
            "--close", choices=["won", "lost"], help="decide the open dispute instead"
        )

    def handle(self, *args, payment: str, close: str | None = None, **options):
        from payments.gateways.sandbox import SandboxGateway

        row = (
            Payment.objects.filter(gateway="sandbox", provider_ref=payment).first()
            or Payment.objects.filter(gateway="sandbox", reference=payment)
            .exclude(provider_ref="")
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise CommandError(f"no sandbox payment {payment!r}")
        gateway = SandboxGateway()
        try:
            if close:
                result = gateway.dispute_close(provider_ref=row.provider_ref, won=close == "won")
            else:
                result = gateway.dispute_open(provider_ref=row.provider_ref)
        except InvalidRequest as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{row.provider_ref}: dispute {result.dispute_status or 'none'}")
