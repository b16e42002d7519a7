"""`manage.py load_demo`: load the Mashhad demo data (idempotent) and print the demo logins."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts_security.demo_otp import demo_otp_secret
from marketplace.core.roles import CUSTOMS_OFFICER, MUNICIPAL_FINANCE
from marketplace.demo import data
from marketplace.demo.services import OUTCOMES, DemoDataError, DemoLoadResult, demo_load

MIN_PASSWORD_LENGTH = 8


class Command(BaseCommand):
    help = (
        "Load the demo merchants, products, countries and one user per role. Safe to run again: "
        "rows are upserted by natural key and a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=data.DEFAULT_PASSWORD,
            help=f"Password for every demo user (default {data.DEFAULT_PASSWORD!r}).",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load even though DEBUG is off. The demo users include a superuser whose "
            "password is printed, so this is refused by default outside development.",
        )

    def handle(self, *args, **options) -> None:
        password: str = options["password"]
        if len(password) < MIN_PASSWORD_LENGTH:
            raise CommandError(f"--password must be at least {MIN_PASSWORD_LENGTH} characters.")
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "DEBUG is off, so this looks like a production database; the demo creates a "
                "superuser with a published password. Pass --allow-without-debug if you mean it."
            )
        started = time.perf_counter()
        try:
            result = demo_load(password=password)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self._counts_write(result)
        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded in {elapsed:.1f} s: {result.total('created')} created, "
                    f"{result.total('updated')} updated, {result.total('unchanged')} unchanged."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing changed: all {result.total('unchanged')} demo rows were already "
                    f"up to date ({elapsed:.1f} s)."
                )
            )
        self._logins_write(password)

    def _counts_write(self, result: DemoLoadResult) -> None:
        width = max(len(kind) for kind in result.counts) + 2
        header = "".join(f"{outcome:>11}" for outcome in OUTCOMES)
        self.stdout.write(f"\n  {'':<{width}}{header}")
        for kind, counter in result.counts.items():
            cells = "".join(f"{counter[outcome]:>11}" for outcome in OUTCOMES)
            self.stdout.write(f"  {kind:<{width}}{cells}")
        totals = "".join(f"{result.total(outcome):>11}" for outcome in OUTCOMES)
        self.stdout.write(f"  {'total':<{width}}{totals}\n")

    def _logins_write(self, password: str) -> None:
        rows = [(user.role, user.email, password, _where(user)) for user in data.USERS]
        headings = ("role", "email", "password", "signs in at")
        widths = [max(len(row[i]) for row in [headings, *rows]) for i in range(len(headings))]
        base = f"http://{data.SITE_DOMAIN}"
        self.stdout.write(f"\nDemo logins ({base}/):")
        for row in [headings, *rows]:
            cells = "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row))
            self.stdout.write(f"  {cells}".rstrip())
        self.stdout.write(
            "\nStaff (admin, finance, customs) then enter a 6-digit code: `make demo-otp` prints "
            f"it, or add the secret {demo_otp_secret()} to an authenticator app."
        )
        self.stdout.write("")


def _where(user: data.DemoUser) -> str:
    if user.is_superuser:
        return "/dashboard/ and /admin/"
    if user.merchant:
        return "/dashboard/ (own products, orders and money)"
    if user.group == MUNICIPAL_FINANCE:
        return "/finance/ (settlement, fees, remittance)"
    if user.group == CUSTOMS_OFFICER:
        return "/customs/ (declarations)"
    if user.is_staff:
        return "/admin/ (what the group allows)"
    return "/accounts/login/"
