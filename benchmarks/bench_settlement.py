"""Benchmark settlement: post the captures of N paid order lines to the ledger, against raw COPY.

    python benchmarks/bench_settlement.py [--lines 100000] [--batch-size 2000] [--keep]
    make bench-settlement BENCH_ARGS="--lines 1000000"

Works in a throwaway database beside the one in DATABASE_URL (``<name>_bench``): clones it from
a migrated template (``<name>_bench_tpl_<hash of the migrations>``, kept as a cache and remade
when the migrations change), seeds N paid order lines with set-based SQL (about 200 merchants; merchant orders of
1-4 lines, purchases of 1-3 merchant orders, each line with its fee snapshot, each purchase with
a captured payment), then times ``settlement.bulk.captures_post_bulk`` and prints lines/s,
transactions/s and entries/s. In the same run it times raw COPY of the same entry rows into a
table shaped like ``ledger_entry`` (same columns and indexes, no triggers, no foreign keys), and
again with a deferred per-row balance trigger (the shape the ledger had before it checked once per
transaction) and with the foreign keys, and prints the
ratio lines/s ÷ COPY rows/s against the goals (≥ 3,300 lines/s and ≥ 30% of COPY). Ends with
``ledger_check()`` (must be 0 violations) and drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.local")

MERCHANTS = 200
GOAL_LINES_PER_S = 3_300
GOAL_COPY_SHARE = 0.30


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Clock:
    """Wall time, this process's CPU time and the PostgreSQL backend's CPU time (from /proc, when
    the server runs on this machine) of a block. On a busy machine wall time is what others leave
    us; Python + backend CPU is what the work costs (an idle machine's wall time, IO aside)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu, self.db = time.perf_counter(), time.process_time(), _backend_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        db = _backend_cpu()
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.db = db - self.db if db is not None and self.db is not None else None

    @property
    def busy(self) -> float | None:
        """Python + PostgreSQL CPU seconds, or None where the backend is out of reach."""
        return self.cpu + self.db if self.db is not None else None

    def describe(self) -> str:
        db = f" + {self.db:.2f}s PostgreSQL" if self.db is not None else ""
        return f"{self.wall:.2f}s wall; CPU {self.cpu:.2f}s Python{db}"


def _backend_cpu() -> float | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rates(count: int, clock: Clock) -> str:
    busy = f", {count / clock.busy:>10,.0f} per CPU-second" if clock.busy else ""
    return f"{count / clock.wall:>10,.0f}/s{busy}"


# --- the throwaway database ---------------------------------------------------------------------


def _bench_urls(url: str) -> tuple[str, str, str]:
    """(maintenance URL, bench URL, bench database name) from DATABASE_URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    bench = f"{name}_bench"
    return url, urlunsplit(parts._replace(path=f"/{bench}")), bench


def _conninfo(url: str) -> str:
    """A libpq conninfo for ``url``; the embedded server's socket directory is a percent-encoded
    host, which libpq's URL parser takes as is, so decode it."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    host = unquote(parts.hostname or "") if parts.hostname else ""
    fields = {
        "host": host or None,
        "port": parts.port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "dbname": parts.path.lstrip("/") or None,
    }
    return " ".join(f"{k}='{v}'" for k, v in fields.items() if v)


def _admin(url: str, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _schema_hash() -> str:
    """What the migrated schema depends on: every migration of ours and the locked packages."""
    skip = {"var", "static", "node_modules", "templates", "tests", "benchmarks"}
    files = sorted(
        path
        for top in ROOT.iterdir()
        if top.is_dir() and not top.name.startswith(".") and top.name not in skip
        for path in top.rglob("migrations/*.py")
    )
    digest = hashlib.sha256()
    for path in [*files, ROOT / "requirements" / "lock.txt"]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def database_create(maintenance: str, bench_url: str, bench: str) -> tuple[str, float]:
    """Create the bench database as a copy of a migrated template, migrating the template first
    when the migrations changed since it was made (it is kept, as a cache: ``<db>_bench_tpl_*``;
    older ones are dropped). Returns (how, seconds)."""
    started = time.perf_counter()
    template = f"{bench}_tpl_{_schema_hash()}"
    names = [row[0] for row in _admin(
        maintenance, "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{bench}_tpl_%"]
    )]  # fmt: skip
    for stale in names:
        if stale != template:
            _admin(maintenance, f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
    how = f"cloned from template {template}"
    if template not in names:
        _admin(maintenance, f'CREATE DATABASE "{template}"')
        env = {
            **os.environ,
            "DATABASE_URL": urlunsplit(urlsplit(bench_url)._replace(path=f"/{template}")),
        }
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            _admin(maintenance, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            raise SystemExit("migrating the template database failed")
        how = f"migrated template {template}, cloned"
    _admin(maintenance, f'CREATE DATABASE "{bench}" TEMPLATE "{template}"')
    return how, time.perf_counter() - started


# --- seeding --------------------------------------------------------------------------------------


def _structure(lines: int, rng: random.Random) -> tuple[io.StringIO, int, int]:
    """Merchant orders of 1-4 lines (the last one cut to make exactly ``lines``), grouped into
    purchases of 1-3 merchant orders from distinct merchants. Returns COPY text of
    (mo_id, purchase_id, sequence, merchant_id, lines, first_line) and the counts."""
    buffer = io.StringIO()
    mo = purchase = 0
    line = 1
    merchants = range(1, MERCHANTS + 1)
    while line <= lines:
        purchase += 1
        for sequence, merchant in enumerate(rng.sample(merchants, rng.randint(1, 3)), start=1):
            if line > lines:
                break
            count = min(rng.randint(1, 4), lines - line + 1)
            mo += 1
            buffer.write(f"{mo}\t{purchase}\t{sequence}\t{merchant}\t{count}\t{line}\n")
            line += count
    buffer.seek(0)
    return buffer, mo, purchase


SEED_SQL = [
    (
        "merchants",
        """
        INSERT INTO partner_partner (id, code, name)
        SELECT i, 'bench-' || i, 'Bench merchant ' || i FROM generate_series(1, %(merchants)s) i;
        INSERT INTO merchants_merchant
            (id, slug, name_fa, name_en, status, city, created_at, updated_at, partner_id)
        SELECT i, 'bench-' || i, 'فروشگاه ' || i, 'Bench merchant ' || i, 'approved', 'Mashhad',
               now(), now(), i
        FROM generate_series(1, %(merchants)s) i;
        """,
    ),
    (
        "line amounts and fee snapshots (computed)",
        # Goods 100,000-9,700,000 IRR a line; 8% commission; a 2% municipal fee, paid by the buyer
        # for even merchants and by the merchant for odd ones; 10% VAT on goods and city fee;
        # 5% duty on every 20th line (shipped abroad). Shipping 30,000-70,000 per order.
        """
        CREATE TEMP TABLE bench_line AS
        SELECT l AS line_id, m.mo_id, m.merchant_id, f.*
        FROM bench_mo m
        CROSS JOIN LATERAL generate_series(m.first_line, m.first_line + m.lines - 1) l
        CROSS JOIN LATERAL (SELECT 100000::bigint * (1 + (l * 7919) %% 97) AS base) b
        CROSS JOIN LATERAL (
            SELECT b.base AS base_minor,
                   CASE WHEN m.merchant_id %% 2 = 0 THEN 'buyer' ELSE 'merchant' END AS payer,
                   b.base * 2 / 100 AS municipal_fee_minor,
                   CASE WHEN m.merchant_id %% 2 = 0 THEN b.base * 2 / 100 ELSE 0 END
                       AS city_fee_minor,
                   b.base * 8 / 100 AS commission_minor,
                   (b.base + CASE WHEN m.merchant_id %% 2 = 0 THEN b.base * 2 / 100 ELSE 0 END)
                       * 10 / 100 AS vat_minor,
                   CASE WHEN l %% 20 = 0 THEN b.base * 5 / 100 ELSE 0 END AS duty_minor
        ) f;
        CREATE TEMP TABLE bench_mo_sum AS
        SELECT m.mo_id, m.purchase_id, m.sequence, m.merchant_id,
               sum(l.base_minor) AS subtotal, 30000 + (m.mo_id %% 5) * 10000 AS shipping,
               sum(l.city_fee_minor) AS city_fee, sum(l.vat_minor) AS vat,
               sum(l.duty_minor) AS duty
        FROM bench_mo m JOIN bench_line l ON l.mo_id = m.mo_id
        GROUP BY m.mo_id, m.purchase_id, m.sequence, m.merchant_id;
        CREATE TEMP TABLE bench_purchase_sum AS
        SELECT purchase_id, sum(subtotal) AS subtotal, sum(shipping) AS shipping,
               sum(city_fee) AS city_fee, sum(vat) AS vat, sum(duty) AS duty,
               sum(subtotal + shipping + city_fee + vat + duty) AS total
        FROM bench_mo_sum GROUP BY purchase_id;
        """,
    ),
    (
        "baskets and purchases",
        """
        INSERT INTO basket_basket (id, status, date_created)
        SELECT purchase_id, 'Submitted', now() FROM bench_purchase_sum;
        INSERT INTO purchases_purchase
            (id, number, basket_id, guest_email, currency, subtotal_minor, discount_minor,
             shipping_minor, city_fee_minor, vat_minor, duty_minor, total_minor, created_at)
        SELECT purchase_id, (100000 + purchase_id)::text, purchase_id, 'buyer@example.com', 'IRR',
               subtotal, 0, shipping, city_fee, vat, duty, total, now()
        FROM bench_purchase_sum;
        """,
    ),
    (
        "orders and merchant orders",
        """
        INSERT INTO order_order
            (id, number, currency, total_incl_tax, total_excl_tax, shipping_incl_tax,
             shipping_excl_tax, shipping_method, shipping_code, status, guest_email, date_placed,
             basket_id, analytics_tracked)
        SELECT mo_id, (100000 + purchase_id)::text || '-' || sequence, 'IRR',
               subtotal + shipping + city_fee + vat + duty, subtotal + shipping + city_fee,
               shipping, shipping, 'Post', 'post', 'Paid', 'buyer@example.com', now(),
               purchase_id, false
        FROM bench_mo_sum;
        INSERT INTO purchases_merchantorder
            (id, purchase_id, order_id, partner_id, sequence, subtotal_minor, discount_minor,
             shipping_minor, city_fee_minor, vat_minor, duty_minor, total_minor)
        SELECT mo_id, purchase_id, mo_id, merchant_id, sequence, subtotal, 0, shipping, city_fee,
               vat, duty, subtotal + shipping + city_fee + vat + duty
        FROM bench_mo_sum;
        """,
    ),
    (
        "order lines",
        """
        INSERT INTO order_line
            (id, partner_name, partner_sku, partner_line_reference, partner_line_notes, title,
             quantity, line_price_incl_tax, line_price_excl_tax,
             line_price_before_discounts_incl_tax, line_price_before_discounts_excl_tax, status,
             order_id, partner_id, allocation_cancelled, num_allocated)
        SELECT line_id, 'Bench merchant ' || merchant_id, 'sku-' || line_id, '', '',
               'Sargol saffron, 4.6 g', 1, base_minor + vat_minor, base_minor, base_minor + vat_minor,
               base_minor, 'Paid', mo_id, merchant_id, false, 0
        FROM bench_line;
        """,
    ),
    (
        "fee snapshots",
        """
        INSERT INTO fees_orderlinefees
            (id, merchant_order_id, line_id, currency, quantity, base_minor, city_fee_minor,
             municipal_fee_minor, municipal_fee_payer, commission_minor, vat_minor, duty_minor,
             gross_minor, merchant_net_minor, rules, created_at)
        SELECT line_id, mo_id, line_id, 'IRR', 1, base_minor, city_fee_minor, municipal_fee_minor,
               payer, commission_minor, vat_minor, duty_minor,
               base_minor + city_fee_minor + vat_minor + duty_minor,
               base_minor + city_fee_minor - commission_minor - municipal_fee_minor,
               '{}', now()
        FROM bench_line;
        """,
    ),
    (
        "captured payments",
        """
        INSERT INTO payments_payment
            (id, reference, basket_id, purchase_id, gateway, provider_ref, status, amount_minor,
             currency, captured_minor, refunded_minor, card_brand, card_last4, decline_code,
             decline_message, action_url, idempotency_base, checkout, last_error, created_at,
             updated_at, status_changed_at)
        SELECT purchase_id, (100000 + purchase_id)::text, purchase_id, purchase_id, 'sandbox',
               'bench_' || purchase_id, 'captured', total, 'IRR', total, 0, 'visa', '4242', '',
               '', '', 'payment:' || purchase_id, '{}', '', now(), now(), now()
        FROM bench_purchase_sum;
        INSERT INTO payments_paymentevent
            (payment_id, from_status, to_status, source, reason, created_at)
        SELECT purchase_id, 'authorized', 'captured', 'bench', '', now() - interval '1 day'
        FROM bench_purchase_sum;
        """,
    ),
]

#: The tables seeded with explicit ids, and which count their last id is.
SEQUENCE_TABLES = {
    "partner_partner": "merchant",
    "merchants_merchant": "merchant",
    "basket_basket": "purchase",
    "purchases_purchase": "purchase",
    "payments_payment": "purchase",
    "order_order": "mo",
    "purchases_merchantorder": "mo",
    "order_line": "line",
    "fees_orderlinefees": "line",
}


def _python_defaults_in_database() -> None:
    """Give each NOT NULL column of the seeded tables whose Django field has a plain default that
    default in the database too (throwaway database only), so the seeding SQL keeps working when
    a field like that is added: it names only the columns it sets."""
    from django.apps import apps
    from django.db import connection
    from psycopg import sql

    tables = {*SEQUENCE_TABLES, "payments_paymentevent"}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.db_table not in tables:
                continue
            for field in model._meta.concrete_fields:
                if field.null or not field.has_default() or callable(field.default):
                    continue
                value = field.get_db_prep_save(field.default, connection)
                cursor.execute(
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}")
                    .format(
                        sql.Identifier(model._meta.db_table),
                        sql.Identifier(field.column),
                        sql.Literal(value),
                    )
                    .as_string(cursor.cursor)
                )


def seed(*, lines: int, progress) -> tuple[int, int]:
    """Seed ``lines`` paid order lines; returns (merchant orders, purchases)."""
    from django.db import connection, transaction

    _python_defaults_in_database()
    structure, mos, purchases = _structure(lines, random.Random(1402))
    task = progress.add_task("seeding", total=len(SEED_SQL) + 2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_mo (mo_id bigint, purchase_id bigint, sequence int,"
            " merchant_id bigint, lines int, first_line bigint) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY bench_mo FROM STDIN") as copy:
            copy.write(structure.getvalue())
        progress.advance(task)
        for label, sql in SEED_SQL:
            progress.update(task, description=f"seeding: {label}")
            cursor.execute(sql, {"merchants": MERCHANTS})
            progress.advance(task)
        # Rows went in with explicit ids 1..n: move each id sequence past them.
        last = {"merchant": MERCHANTS, "purchase": purchases, "mo": mos, "line": lines}
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(t, 'id'), m)"
            " FROM unnest(%s::text[], %s::bigint[]) AS u(t, m)",
            [list(SEQUENCE_TABLES), [last[kind] for kind in SEQUENCE_TABLES.values()]],
        )
        cursor.execute("DROP TABLE bench_line, bench_mo_sum, bench_purchase_sum")
    # Paid orders are long written when settlement runs: vacuumed (hint bits set, visibility
    # map built), analysed and flushed, so the posting does not pay for the seeding's writes.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(SEQUENCE_TABLES)}, payments_paymentevent")
        cursor.execute("CHECKPOINT")
    progress.advance(task)
    return mos, purchases


# --- raw COPY comparison --------------------------------------------------------------------------

_BALANCED_FN = """
CREATE FUNCTION bench_copy_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM bench_copy WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING sum(amount_minor) <> 0
    ) THEN
        RAISE EXCEPTION 'bench transaction % does not balance', NEW.transaction_id
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
"""

COPY_VARIANTS = {
    "plain": "same columns and indexes, no triggers, no foreign keys",
    "deferred": "+ a deferred per-row balance trigger",
    "fk": "+ foreign keys (transaction, account, merchant order)",
    "fk+deferred": "+ foreign keys and the deferred per-row balance trigger",
}


def copy_timed(*, variant: str, data: list[bytes], rows: int) -> Clock:
    """COPY the entry rows (in ``data`` chunks, one database transaction each, as the bulk path
    writes them) into a fresh table shaped like ledger_entry; return the time it took."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("DROP FUNCTION IF EXISTS bench_copy_balanced()")
        cursor.execute("CREATE TABLE bench_copy (LIKE ledger_entry INCLUDING ALL)")
        if "fk" in variant:
            cursor.execute(
                "ALTER TABLE bench_copy"
                " ADD FOREIGN KEY (transaction_id) REFERENCES ledger_transaction (id)"
                " DEFERRABLE INITIALLY DEFERRED,"
                " ADD FOREIGN KEY (account_id) REFERENCES ledger_account (id)"
                " DEFERRABLE INITIALLY DEFERRED,"
                " ADD FOREIGN KEY (merchant_order_id) REFERENCES purchases_merchantorder (id)"
                " DEFERRABLE INITIALLY DEFERRED"
            )
        if "deferred" in variant:
            cursor.execute(_BALANCED_FN)
            cursor.execute(
                "CREATE CONSTRAINT TRIGGER bench_copy_balanced AFTER INSERT ON bench_copy"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bench_copy_balanced()"
            )
        cursor.execute("CHECKPOINT")
    with Clock() as clock:
        for chunk in data:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    "COPY bench_copy (transaction_id, account_id, amount_minor, currency,"
                    " merchant_order_id) FROM STDIN"
                ) as copy,
            ):
                copy.write(chunk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy")
        assert cursor.fetchone()[0] == rows
        cursor.execute("DROP TABLE bench_copy")
        cursor.execute("DROP FUNCTION IF EXISTS bench_copy_balanced()")
    return clock


def entry_chunks(chunks: int) -> tuple[list[bytes], int]:
    """The ledger's entry rows as COPY text, split by transaction into ``chunks`` parts."""
    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_entry")
        rows = cursor.fetchone()[0]
        with cursor.cursor.copy(
            "COPY (SELECT transaction_id, account_id, amount_minor, currency, merchant_order_id"
            " FROM ledger_entry ORDER BY id) TO STDOUT"
        ) as copy:
            for block in copy:
                buffer.write(block)
    text = buffer.getvalue().splitlines(keepends=True)
    size = max(1, -(-len(text) // max(chunks, 1)))
    # Cut only between two transactions: each chunk must balance on its own.
    parts: list[bytes] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        while end < len(text) and text[end].split(b"\t", 1)[0] == text[end - 1].split(b"\t", 1)[0]:
            end += 1
        parts.append(b"".join(text[start:end]))
        start = end
    return parts, rows


def timed_post(*, batch_size: int, payments: int, progress, label: str):
    from settlement.bulk import captures_post_bulk

    task = progress.add_task(label, total=payments)
    with Clock() as clock:
        result = captures_post_bulk(
            batch_size=batch_size, progress=lambda n: progress.advance(task, n)
        )
    return result, clock


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="paid order lines to settle")
    parser.add_argument("--batch-size", type=int, default=2000, help="payments per transaction")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.lines < 1:
        parser.error("--lines: must be at least 1")

    maintenance, bench_url, bench_name = _bench_urls(os.environ["DATABASE_URL"])
    _admin(maintenance, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    created = database_create(maintenance, bench_url, bench_name)
    os.environ["DATABASE_URL"] = bench_url
    try:
        return run(args, bench_name, created)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            out(f"kept database {bench_name}")
        else:
            _admin(maintenance, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')


def run(args, bench_name: str, created: tuple[str, float]) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from ledger.selectors import ledger_check

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )

    how, create_s = created
    started = time.perf_counter()
    with console.status(f"migrating {bench_name}"):
        call_command("migrate", interactive=False, verbosity=0)  # a no-op when cloned
    migrate_s = create_s + time.perf_counter() - started
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=True) as progress:
        mos, purchases = seed(lines=args.lines, progress=progress)
    seed_s = time.perf_counter() - started
    out(
        f"settlement benchmark, database {bench_name}: {args.lines:,} paid order lines in"
        f" {mos:,} merchant orders, {purchases:,} captured payments, {MERCHANTS} merchants"
    )
    out(f"database {how} in {migrate_s:.1f}s; seeded in {seed_s:.1f}s (set-based SQL; not timed)")

    with Progress(*columns, console=console, transient=True) as progress:
        result, clock = timed_post(
            batch_size=args.batch_size, payments=purchases, progress=progress, label="posting"
        )
    if result.posted != purchases or result.skipped:
        out(f"ERROR: posted {result.posted} of {purchases}; skipped {len(result.skipped)}")
        for payment_id, reason in list(result.skipped.items())[:5]:
            out(f"  payment {payment_id}: {reason}")
        return 1
    out("")
    out(
        f"captures_post_bulk, {args.batch_size:,} payments a batch ({result.batches} batches):"
        f" {clock.describe()}"
    )
    out(f"  lines            {_rates(args.lines, clock)}")
    out(f"  transactions     {_rates(result.posted, clock)}  ({result.posted:,})")
    out(f"  entries          {_rates(result.entries, clock)}  ({result.entries:,})")
    out(f"  merchant orders  {_rates(result.merchant_orders, clock)}  ({result.merchant_orders:,})")

    check = ledger_check()
    out("")
    out(
        f"ledger_check: {check.transactions:,} transactions, {check.entries:,} entries,"
        f" {check.accounts:,} accounts: {len(check.violations)} violations"
    )
    for violation in check.violations[:10]:
        out(f"  {violation}")

    chunks, rows = entry_chunks(result.batches)
    out("")
    out(f"raw COPY of the same {rows:,} entry rows into a ledger_entry-shaped table, {len(chunks)}")
    out("transactions (rows/s; rows per CPU-second):")
    copies: dict[str, Clock] = {}
    with console.status("COPY"):
        for variant, label in COPY_VARIANTS.items():
            copies[variant] = copy_timed(variant=variant, data=chunks, rows=rows)
            out(f"  {_rates(rows, copies[variant])}  {label}")
    cost = copies["deferred"].wall - copies["plain"].wall
    cost_fk = copies["fk+deferred"].wall - copies["fk"].wall
    out(
        f"  the deferred per-row balance trigger: +{cost:.2f}s ({cost / rows * 1e6:.1f} µs a row)"
        f" on the bare table, +{cost_fk:.2f}s ({cost_fk / rows * 1e6:.1f} µs a row) with the"
        f" foreign keys; {cost_fk / clock.wall:.0%} of the posting's wall time"
    )

    lines_s, copy_s = args.lines / clock.wall, rows / copies["plain"].wall
    share = lines_s / copy_s
    out("")
    out(f"lines/s ÷ COPY rows/s = {lines_s:,.0f} / {copy_s:,.0f} = {share:.1%}")
    if clock.busy and copies["plain"].busy:
        busy_share = (args.lines / clock.busy) / (rows / copies["plain"].busy)
        out(
            f"  per CPU-second: {args.lines / clock.busy:,.0f} / {rows / copies['plain'].busy:,.0f}"
            f" = {busy_share:.1%}"
        )
    ok_speed, ok_share = lines_s >= GOAL_LINES_PER_S, share >= GOAL_COPY_SHARE
    out(f"goal ≥ {GOAL_LINES_PER_S:,} lines/s: {'met' if ok_speed else 'NOT met'}")
    out(f"goal ≥ {GOAL_COPY_SHARE:.0%} of COPY: {'met' if ok_share else 'NOT met'}")

    return 0 if not check.violations else 1


if __name__ == "__main__":
    sys.exit(main())
