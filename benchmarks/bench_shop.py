"""Benchmark the storefront against stock django-oscar 4.2.1, in one run on one PostgreSQL.

    make bench                                   # 10,000 products from 200 merchants, 10 s a page
    make bench BENCH_ARGS="--seconds 20 --scale-check"
    BENCH_PRODUCTS=2000 BENCH_MERCHANTS=50 make bench
    python benchmarks/bench_shop.py --help

Needs wrk (Debian: ``apt-get install wrk``), DATABASE_URL (the PostgreSQL server to use: the run
creates ``<name>_bench_ours`` and ``<name>_bench_stock`` there and drops them afterwards unless
``--keep``) and REDIS_URL (the marketplace's cache and broker; the run uses its own key prefix).

What it does, in order:

1. Seeds the same catalogue into both databases with set-based SQL: N products (standalone, one
   product class, each in one of 80 categories under 20 top-level ones), each with one stock record
   of one of M merchants (price in IRR, plenty of stock); the marketplace's merchants approved.
   The marketplace database is migrated with its own migrations, the stock one with Oscar's; the
   stock shop's Whoosh index is built with haystack's ``update_index``.
2. In-process (Django's test client, ``marketplace.settings.local``, DEBUG on): SQL queries per page
   with 1,000 products and again with N, each page requested cold (empty cache) and warm.
3. Serves the marketplace with gunicorn (``marketplace/gunicorn.conf.py``, 2 sync workers,
   production settings (``benchmarks/bench_ours_settings.py``: DEBUG off), local PostgreSQL and Redis, the sandbox card
   gateway, static files collected into ``var/bench/static``) and the stock shop
   (``benchmarks/stock_oscar``, 2 sync workers) on other ports, then drives each page of each shop
   with wrk (``--connections`` connections, ``--seconds`` each, after a warm-up request): home,
   catalogue page 1 and a deep page (the middle one), a category, a product, a search, and the
   bare-request ceiling (``/healthz`` in both: a view returning a constant JSON body).
4. Worker memory: VmRSS of each gunicorn worker of the marketplace after the pages above, then after
   10,000 more requests cycling over every read page.
5. Orders per second for a full guest checkout of a basket with one product from each of 3
   merchants, one buyer at a time and 4 at once, each buyer a fresh cookie session (Python threads
   with ``requests``):
   - marketplace: product page and add to basket x3, checkout gateway as a guest, shipping address,
     payment details with the sandbox card 4242 4242 4242 4242, preview, place order (the basket
     is split into one order per merchant, the card authorised and captured through the sandbox
     gateway, plus whatever settlement work checkout does), thank-you page.
   - stock Oscar: the same pages up to the place-order POST on its preview page and the thank-you
     page; Oscar has no payment step by default (its ``handle_payment`` does nothing), so it places
     one order with no payment.
6. With ``--scale-check``: seeds the marketplace up to 100,000 products and compares each page's
   time in-process (DEBUG off, median of repeated requests, served and rendered uncached) with
   its time at 1,000 products.

Prints the table and PASS/FAIL against the targets of issue 8.
"""

# A command-line report prints; its SQL is built from constants of this file, never from input.
# ruff: noqa: T201, S608

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
VAR = ROOT / "var" / "bench"
WHOOSH_VERSION = "2.7.4"
PER_PAGE = 24
SCALE_PRODUCTS = 100_000
SMALL_PRODUCTS = 1_000
MEMORY_REQUESTS = 10_000
CHECKOUT_INPROCESS_BASKETS = 4  # in-process guest checkouts; the first one is not counted
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}

NOUNS = [
    "Saffron", "Pistachios", "Carpets", "Turquoise", "Dates", "Barberries", "Rosewater", "Sweets",
    "Tea", "Spices", "Almonds", "Handicrafts", "Prayer rugs", "Ceramics", "Copperware",
    "Jewellery", "Textiles", "Books", "Perfume", "Souvenirs",
]  # fmt: skip
CHILDREN_PER_ROOT = 4
SEARCH_WORD = "saffron"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- databases ------------------------------------------------------------------------------


def _db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _connect(url: str, *, autocommit: bool = True):
    import psycopg

    # libpq reads the URL itself, a percent-encoded Unix socket directory as host included
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=autocommit)


def database_recreate(base_url: str, name: str) -> str:
    with _connect(_db_url(base_url, "postgres")) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _db_url(base_url, name)


def database_drop(base_url: str, name: str) -> None:
    with _connect(_db_url(base_url, "postgres")) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out.rjust(4, "0")


def seed_structure(url: str, *, merchants: int, ours: bool) -> None:
    """Product class, 20 + 80 categories (treebeard materialised paths), partners (and approved
    merchants), and Iran as the shipping country."""
    tr_cat = ", name_en, name_fa, description_en, description_fa" if ours else ""
    with _connect(url) as conn:
        conn.execute(
            "INSERT INTO catalogue_productclass (name, slug, requires_shipping, track_stock) "
            "VALUES ('Goods', 'goods', true, true)"
        )
        rows = []
        for r, noun in enumerate(NOUNS, start=1):
            root = _base36(r)
            rows.append((root, 1, CHILDREN_PER_ROOT, noun))
            for c in range(1, CHILDREN_PER_ROOT + 1):
                rows.append((root + _base36(c), 2, 0, f"{noun} grade {c}"))
        for path, depth, numchild, name in rows:
            slug = name.lower().replace(" ", "-")
            values = [path, depth, numchild, name, "", slug, True, True, False, ""]
            if ours:
                values += [name, f"دسته {name}", "", ""]
            conn.execute(
                "INSERT INTO catalogue_category (path, depth, numchild, name, description, slug, "
                "ancestors_are_public, is_public, exclude_from_menu, long_description"
                + tr_cat
                + ") VALUES ("
                + ", ".join(["%s"] * len(values))
                + ")",
                values,
            )
        conn.execute(
            "INSERT INTO partner_partner (code, name) SELECT 'm' || lpad(i::text, 4, '0'), "
            "'Bazaar merchant ' || i FROM generate_series(1, %s) i",
            [merchants],
        )
        if ours:
            conn.execute(
                "INSERT INTO merchants_merchant (slug, name_fa, name_en, status, city, created_at, "
                "updated_at, partner_id) SELECT code, 'فروشگاه ' || id, name, 'approved', "
                "'Mashhad', now(), now(), id FROM partner_partner"
            )
        conn.execute(
            "INSERT INTO address_country (iso_3166_1_a2, iso_3166_1_a3, iso_3166_1_numeric, "
            "printable_name, name, display_order, is_shipping_country) VALUES "
            "('IR', 'IRN', '364', 'Iran', 'Islamic Republic of Iran', 0, true) "
            "ON CONFLICT (iso_3166_1_a2) DO UPDATE SET is_shipping_country = true"
        )


def seed_products(url: str, *, start: int, stop: int, ours: bool) -> None:
    """Products ``start`` .. ``stop - 1``, each in a leaf category and with one stock record of
    merchant ``i % merchants`` priced in IRR; set-based SQL, then ANALYZE."""
    nouns = "ARRAY[" + ", ".join("'" + n + "'" for n in NOUNS) + "]"
    leaves = len(NOUNS) * CHILDREN_PER_ROOT
    noun = f"({nouns})[1 + mod(i, {leaves}) / {CHILDREN_PER_ROOT}]"
    title = f"{noun} || ' lot ' || i"
    tr_cols = ", title_en, title_fa, description_en, description_fa" if ours else ""
    tr_vals = (
        ", t.title, 'کالای بازار شماره ' || t.i, t.description, 'از بازار مشهد، شماره ' || t.i"
        if ours
        else ""
    )
    with _connect(url) as conn:
        product_class = conn.execute("SELECT id FROM catalogue_productclass").fetchone()[0]
        conn.execute(
            f"""
            INSERT INTO catalogue_product (structure, upc, title, slug, description, rating,
                date_created, date_updated, is_discountable, parent_id, product_class_id,
                is_public, meta_description, meta_title, priority, code{tr_cols})
            SELECT 'standalone', t.upc, t.title, t.slug, t.description, NULL,
                   now() - make_interval(secs => t.i), now(), true, NULL, %s,
                   true, '', '', 0, NULL{tr_vals}
            FROM (
                SELECT i, 'B' || lpad(i::text, 9, '0') AS upc,
                       {title} AS title,
                       lower(replace({noun}, ' ', '-')) || '-lot-' || i AS slug,
                       'Fine ' || lower({noun}) || ' from the bazaars of Mashhad, lot ' || i
                           || '.' AS description
                FROM generate_series(%s::int, %s::int) i
            ) t
            """,
            [product_class, start, stop - 1],
        )
        conn.execute(
            f"""
            WITH p AS (
                SELECT id, substring(upc from 2)::int AS i FROM catalogue_product
                WHERE left(upc, 1) = 'B' AND substring(upc from 2)::int BETWEEN %s::int AND %s::int
            ), leaves AS (
                SELECT id, row_number() OVER (ORDER BY path) - 1 AS n
                FROM catalogue_category WHERE depth = 2
            ), partners AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n,
                       count(*) OVER () AS total FROM partner_partner
            ), pc AS (
                INSERT INTO catalogue_productcategory (category_id, product_id)
                SELECT leaves.id, p.id FROM p JOIN leaves ON leaves.n = mod(p.i, {leaves})
            )
            INSERT INTO partner_stockrecord (partner_sku, price_currency, price, num_in_stock,
                num_allocated, low_stock_threshold, date_created, date_updated, partner_id,
                product_id)
            SELECT 'SKU-' || p.i, 'IRR', 1000000 + mod(p.i * 7919, 500) * 10000, 1000000, 0,
                   NULL, now(), now(), partners.id, p.id
            FROM p JOIN partners ON partners.n = mod(p.i, partners.total)
            """,
            [start, stop - 1],
        )
        for table in (
            "catalogue_product",
            "catalogue_productcategory",
            "partner_stockrecord",
            "catalogue_category",
        ):
            conn.execute(f"ANALYZE {table}")


def seed_to(url: str, *, have: int, want: int, ours: bool, chunk: int = 50_000) -> int:
    for start in range(have, want, chunk):
        seed_products(url, start=start, stop=min(start + chunk, want), ours=ours)
    return max(have, want)


def shop_urls(url: str, *, products: int) -> dict[str, str]:
    """The pages to measure, by name, from the seeded rows."""
    with _connect(url) as conn:
        root = conn.execute(
            "SELECT slug, id FROM catalogue_category WHERE depth = 1 ORDER BY path LIMIT 1"
        ).fetchone()
        product = conn.execute(
            "SELECT slug, id FROM catalogue_product WHERE upc = %s",
            ["B" + str(products // 2).rjust(9, "0")],
        ).fetchone()
    deep = max(1, -(-products // PER_PAGE) // 2)
    return {
        "home": "/",
        "catalogue p1": "/catalogue/",
        f"catalogue p{deep}": f"/catalogue/?page={deep}",
        "category": f"/catalogue/category/{root[0]}_{root[1]}/",
        "product": f"/catalogue/{product[0]}_{product[1]}/",
        "search": f"/search/?q={SEARCH_WORD}",
    }


def checkout_products(url: str, *, count: int) -> list[list[tuple[str, int]]]:
    """``count`` baskets, each of three products (slug, id) from three different merchants."""
    import random

    rng = random.Random(count)  # reproducible choice of goods
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT p.slug, p.id, s.partner_id FROM catalogue_product p "
            "JOIN partner_stockrecord s ON s.product_id = p.id ORDER BY p.id"
        ).fetchall()
    baskets = []
    for _ in range(count):
        picked: dict[int, tuple[str, int]] = {}
        while len(picked) < 3:
            slug, pk, partner = rng.choice(rows)
            picked.setdefault(partner, (slug, pk))
        baskets.append(list(picked.values()))
    return baskets


def order_count(url: str) -> int:
    with _connect(url) as conn:
        return conn.execute("SELECT count(*) FROM order_order").fetchone()[0]


# --- processes ------------------------------------------------------------------------------


@dataclass
class Shop:
    name: str
    url: str  # database
    port: int
    env: dict[str, str]
    cwd: Path
    argv: list[str]
    proc: subprocess.Popen | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str, quiet: bool = True) -> None:
        command = [sys.executable, *args]
        out = subprocess.run(  # noqa: S603 - our interpreter, our arguments
            command, cwd=self.cwd, env=self.env, capture_output=quiet, text=True, check=False
        )
        if out.returncode:
            sys.exit(
                f"{self.name}: {' '.join(args)} failed:\n{(out.stdout or '')[-2000:]}"
                f"{(out.stderr or '')[-4000:]}"
            )

    def start(self) -> None:
        logfile = open(VAR / f"gunicorn-{self.name}.log", "w")  # noqa: SIM115 - lives with proc
        self.proc = subprocess.Popen(  # noqa: S603 - our gunicorn, our arguments
            self.argv, cwd=self.cwd, env=self.env, stdout=logfile, stderr=subprocess.STDOUT
        )
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.name}: gunicorn exited; see {logfile.name}")
            try:
                answered = requests.get(self.base + "/healthz", timeout=2).status_code == 200
                if answered and len(self.worker_pids()) >= 2:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        sys.exit(f"{self.name}: gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def worker_pids(self) -> list[int]:
        if not self.proc:
            return []
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def worker_rss_kib(self) -> dict[int, int]:
        rss = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1])
        return rss


def ours_shop(args, db_url: str, root: Path) -> Shop:
    env = dict(os.environ)
    env.update(
        # production settings (benchmarks/bench_ours_settings.py says the one difference)
        DJANGO_SETTINGS_MODULE="bench_ours_settings",
        DATABASE_URL=db_url,
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(VAR / "static"),
        MEDIA_ROOT=str(VAR / "media-ours"),
        PRIVATE_MEDIA_ROOT=str(VAR / "private-ours"),
        PAYMENTS_GATEWAY="sandbox",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",
        LOG_LEVEL="WARNING",
        PORT=str(args.port),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="2",
        PYTHONPATH=f"{root}{os.pathsep}{BENCH_DIR}",
    )
    env.pop("DEBUG", None)
    argv = [
        str(Path(sys.executable).parent / "gunicorn"),
        "marketplace.wsgi",
        "--config",
        str(root / "marketplace" / "gunicorn.conf.py"),
    ]
    # Behind the production proxy every request arrives as HTTPS (secure cookies, CSRF referer).
    return Shop("ours", db_url, args.port, env, root, argv, headers={"X-Forwarded-Proto": "https"})


def stock_shop(args, db_url: str) -> Shop:
    env = dict(os.environ)
    extra = VAR / "stock-extra"
    env.update(
        DJANGO_SETTINGS_MODULE="stock_oscar.settings",
        STOCK_DATABASE_URL=db_url,
        STOCK_WHOOSH_PATH=str(VAR / "whoosh-index"),
        STOCK_MEDIA_ROOT=str(VAR / "media-stock"),
        PYTHONPATH=f"{BENCH_DIR}{os.pathsep}{extra}",
        PYTHONWARNINGS="ignore",
    )
    env.pop("DEBUG", None)
    argv = [
        str(Path(sys.executable).parent / "gunicorn"),
        "stock_oscar.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{args.stock_port}",
        "--timeout",
        "120",
    ]
    return Shop("stock", db_url, args.stock_port, env, BENCH_DIR, argv)


def whoosh_install() -> None:
    target = VAR / "stock-extra"
    if (target / "whoosh").is_dir():
        return
    log(f"installing Whoosh {WHOOSH_VERSION} for the stock shop into {target}")
    subprocess.run(  # noqa: S603 - pip from this interpreter
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            f"whoosh=={WHOOSH_VERSION}",
        ],
        check=True,
    )


# --- wrk --------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    status: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def wrk(shop: Shop, path: str, *, seconds: int, connections: int, script: str | None = None):
    import requests

    status = requests.get(
        shop.base + path, headers=shop.headers, timeout=120, allow_redirects=False
    )
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s"]
    command += ["--timeout", "60s", "--latency"]
    for name, value in shop.headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    out = subprocess.run(  # noqa: S603 - wrk with our arguments
        [*command, shop.base + path], capture_output=True, text=True, check=True
    ).stdout
    return wrk_output_parse(out, status=status.status_code)


def wrk_output_parse(out: str, *, status: int) -> Load:
    """wrk's ``--latency`` report as a ``Load`` (requests/s, p50, p99, errors)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(g) for g in match.groups())
    return Load(
        rps=rps,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        requests=total,
        errors=errors,
        status=status,
    )


def memory_check(shop: Shop, paths: list[str], *, connections: int, count: int) -> dict:
    """Worker RSS before and after ``count`` requests cycling over ``paths``."""
    script = VAR / "cycle.lua"
    quoted = ", ".join(json.dumps(p) for p in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
    )
    before = shop.worker_rss_kib()
    done = 0
    seconds = 5
    while done < count:
        load = wrk(shop, paths[0], seconds=seconds, connections=connections, script=str(script))
        done += load.requests
        if load.rps > 0:
            seconds = max(2, min(60, int((count - done) / load.rps) + 1))
    after = shop.worker_rss_kib()
    return {"before": before, "after": after, "requests": done}


# --- checkout ---------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Buyer:
    """One visitor's cookie session; cookies are sent back over plain HTTP even when the
    marketplace marks them Secure (it believes it is behind HTTPS: X-Forwarded-Proto)."""

    def __init__(self, shop: Shop):
        import requests

        self.shop = shop
        self.http = requests.Session()
        self.http.headers.update(shop.headers)
        self.scheme = "https" if shop.headers.get("X-Forwarded-Proto") == "https" else "http"

    def _unsecure(self) -> None:
        for cookie in self.http.cookies:
            cookie.secure = False

    def _send(self, method: str, url: str, **kwargs):
        """One request, then its redirects by GET, each sent to this server over plain HTTP
        (a redirect to https://127.0.0.1:port/ is the proxy's address for the same server)."""
        from urllib.parse import urljoin

        response = self.http.request(method, url, allow_redirects=False, timeout=120, **kwargs)
        for _ in range(10):
            self._unsecure()
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            target = urlsplit(urljoin(url, response.headers["Location"]))
            url = urlunsplit(("http", f"127.0.0.1:{self.shop.port}", *target[2:]))
            response = self.http.get(url, allow_redirects=False, timeout=120)
        response.raise_for_status()
        return response

    def get(self, path: str):
        return self._send("GET", self.shop.base + path)

    def post(self, path: str, data: dict, *, page) -> object:
        token = _CSRF.search(page.text)
        if token is None:
            raise RuntimeError(f"no CSRF token on {page.url}")
        referer = f"{self.scheme}://127.0.0.1:{self.shop.port}{urlsplit(page.url).path}"
        return self._send(
            "POST",
            self.shop.base + path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": referer},
        )


def checkout_once(
    shop: Shop, basket: list[tuple[str, int]], n: int, *, card: bool, steps: dict | None = None
) -> None:
    """One guest checkout; ``steps`` collects each step's seconds (redirects followed included)."""
    buyer = Buyer(shop)
    clock = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        if steps is not None:
            steps.setdefault(name, []).append(now - clock[0])
        clock[0] = now

    for slug, pk in basket:
        page = buyer.get(f"/catalogue/{slug}_{pk}/")
        step("product page")
        buyer.post(f"/basket/add/{pk}/", {"quantity": "1"}, page=page)
        step("add to basket")
    page = buyer.get("/checkout/")
    page = buyer.post(
        "/checkout/", {"username": f"pilgrim{n}@example.com", "options": "anonymous"}, page=page
    )
    step("gateway (guest)")
    if not page.url.rstrip("/").endswith("shipping-address"):
        raise RuntimeError(f"gateway went to {page.url}")
    address = {
        "first_name": "Reza",
        "last_name": "Karimi",
        "line1": "Imam Reza Street 12",
        "line4": "Mashhad",
        "postcode": "91779-48974",
        "country": "IR",
    }
    page = buyer.post("/checkout/shipping-address/", address, page=page)
    step("shipping address")
    if card:
        if "payment-details" not in page.url:
            raise RuntimeError(f"shipping address went to {page.url}")
        preview = buyer.post("/checkout/preview/", CARD, page=page)
        step("preview")
        done = buyer.post("/checkout/preview/", {"action": "place_order", **CARD}, page=preview)
    else:
        preview = buyer.get("/checkout/preview/")
        step("preview")
        done = buyer.post("/checkout/preview/", {"action": "place_order"}, page=preview)
    step("place order + thank-you")
    if not done.url.rstrip("/").endswith("thank-you"):
        raise RuntimeError(f"place order went to {done.url}")


def checkout_rate(shop: Shop, baskets, *, threads: int, card: bool) -> dict:
    failures: list[str] = []
    steps: dict[str, list[float]] = {}
    lock = threading.Lock()
    queue = list(enumerate(baskets))

    def work():
        while True:
            with lock:
                if not queue:
                    return
                n, basket = queue.pop()
            try:
                mine: dict[str, list[float]] = {}
                checkout_once(shop, basket, n + threads * 100_000, card=card, steps=mine)
                with lock:
                    for name, seconds in mine.items():
                        steps.setdefault(name, []).extend(seconds)
            except Exception as exc:  # a failed checkout is counted and reported, not fatal
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])

    before = order_count(shop.url)
    started = time.monotonic()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    placed = len(baskets) - len(failures)
    return {
        "steps_ms": {
            name: round(statistics.median(seconds) * 1000, 1) for name, seconds in steps.items()
        },
        "orders_per_s": placed / elapsed,
        "placed": placed,
        "failed": len(failures),
        "first_failure": failures[0] if failures else "",
        "order_rows": order_count(shop.url) - before,
        "seconds": elapsed,
    }


# --- in-process pass --------------------------------------------------------------------------


def inprocess(
    shop: Shop,
    pages: dict[str, str],
    *,
    debug: bool,
    repeat: int,
    checkout: list[list[tuple[str, int]]] | None = None,
) -> dict:
    """Run ``--inprocess`` in a child process with the marketplace's local settings; with
    ``checkout`` baskets, also one guest checkout per basket (``checkout_steps_inprocess``)."""
    env = dict(shop.env)
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings.local",
        DEBUG="true" if debug else "false",
        CACHE_KEY_PREFIX=f"bench-inproc-{secrets.token_hex(4)}",
    )
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--inprocess",
            json.dumps(
                {"pages": pages, "repeat": repeat, "out": out.name, "checkout": checkout or []}
            ),
        ]
        subprocess.run(command, cwd=shop.cwd, env=env, check=True)  # noqa: S603
        return json.loads(Path(out.name).read_text())


def inprocess_main(spec: dict) -> None:
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    client = Client()
    # One request to each page first, so that what a process does once (content types, the
    # site, translations, first product view's analytics row) is not counted as the page's cost.
    for path in spec["pages"].values():
        client.get(path)
    results = {}
    for name, path in spec["pages"].items():
        row: dict[str, object] = {}
        cache.key_prefix = f"bench-cold-{secrets.token_hex(4)}"  # an empty cache for this page
        for label in ("cold", "warm"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            row[f"{label}_queries"] = len(ctx.captured_queries)
            row["status"] = response.status_code
        served = []
        for _ in range(spec["repeat"]):
            started = time.perf_counter()
            client.get(path)
            served.append((time.perf_counter() - started) * 1000)
        row["served_ms"] = statistics.median(served)
        # the same page rendered with the page cache switched off (fragment caches still on)
        settings.CATALOGUE_PAGE_CACHE = False
        rendered = []
        for _ in range(spec["repeat"]):
            started = time.perf_counter()
            client.get(path)
            rendered.append((time.perf_counter() - started) * 1000)
        settings.CATALOGUE_PAGE_CACHE = True
        row["rendered_ms"] = statistics.median(rendered)
        results[name] = row
    if spec.get("checkout"):
        results[CHECKOUT_STEPS] = checkout_steps_inprocess(spec["checkout"])
    Path(spec["out"]).write_text(json.dumps(results))


CHECKOUT_STEPS = "checkout steps"


def checkout_steps_inprocess(baskets: list) -> dict[str, dict[str, float]]:
    """SQL queries and milliseconds of each step of a guest checkout through Django's test client
    (the steps of ``checkout_once``, on-commit work included), as the median over every basket but
    the first (which pays for what a process does once). Runs inside ``--inprocess``."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    runs: list[dict[str, tuple[int, float]]] = []
    for n, basket in enumerate(baskets):
        client = Client()
        steps: dict[str, tuple[int, float]] = {}

        def step(name, call, client=client, steps=steps):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = call(client)
                took = (time.perf_counter() - started) * 1000
            queries, ms = steps.get(name, (0, 0.0))
            steps[name] = (queries + len(ctx.captured_queries), ms + took)
            return response

        for slug, pk in basket:
            step("product page", lambda c, slug=slug, pk=pk: c.get(f"/catalogue/{slug}_{pk}/"))
            step("add to basket", lambda c, pk=pk: c.post(f"/basket/add/{pk}/", {"quantity": 1}))
        step("gateway", lambda c: c.get("/checkout/"))
        step(
            "gateway",
            lambda c, n=n: c.post(
                "/checkout/",
                {"username": f"inproc{n}@example.com", "options": "anonymous"},
                follow=True,
            ),
        )
        address = {
            "first_name": "Reza",
            "last_name": "Karimi",
            "line1": "Imam Reza Street 12",
            "line4": "Mashhad",
            "postcode": "91779-48974",
            "country": "IR",
        }
        step(
            "shipping address",
            lambda c, address=address: c.post("/checkout/shipping-address/", address, follow=True),
        )
        step("preview", lambda c: c.post("/checkout/preview/", CARD))
        done = step(
            "place order",
            lambda c: c.post("/checkout/preview/", {"action": "place_order", **CARD}),
        )
        if done.status_code != 302 or not done["Location"].rstrip("/").endswith("thank-you"):
            raise RuntimeError(f"in-process checkout: place order answered {done.status_code}")
        step("thank-you", lambda c: c.get("/checkout/thank-you/"))
        runs.append(steps)
    measured = runs[1:] or runs
    names = list(measured[0])
    out = {
        name: {
            "queries": statistics.median(run[name][0] for run in measured),
            "ms": statistics.median(run[name][1] for run in measured),
        }
        for name in names
    }
    out["total"] = {
        "queries": sum(v["queries"] for v in out.values()),
        "ms": sum(v["ms"] for v in out.values()),
    }
    return out


# --- report -----------------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:,.{digits}f}"


def report(r: dict, args) -> list[tuple[str, bool | None, str]]:
    ours, stock = r["ours"], r["stock"]
    bare_ours, bare_stock = ours["bare"], stock["bare"]
    print()
    print(
        f"## Storefront benchmark: {args.products:,} products, {args.merchants} merchants, "
        f"wrk {args.connections} connections x {args.seconds} s, gunicorn 2 sync workers, "
        f"{os.cpu_count()} cores"
    )
    print()
    header = (
        "| page | ours req/s | ours p50 ms | ours p99 ms | ours / bare | stock req/s "
        "| stock p50 ms | stock p99 ms | stock / bare | ours / stock |"
    )
    print(header)
    print("|" + "---|" * 10)
    names = ["bare (/healthz)", *r["pages"]]
    for name in names:
        o = bare_ours if name.startswith("bare") else ours["pages"][name]
        s = bare_stock if name.startswith("bare") else stock["pages"][name]
        flag = ""
        if o["errors"] or s["errors"] or o["status"] >= 400 or s["status"] >= 400:
            flag = f" (errors: ours {o['errors']} HTTP {o['status']}, stock {s['errors']} HTTP {s['status']})"
        print(
            f"| {name}{flag} | {_fmt(o['rps'])} | {_fmt(o['p50_ms'], 2)} | {_fmt(o['p99_ms'], 2)} "
            f"| {o['rps'] / bare_ours['rps']:.1%} | {_fmt(s['rps'])} | {_fmt(s['p50_ms'], 2)} "
            f"| {_fmt(s['p99_ms'], 2)} | {s['rps'] / bare_stock['rps']:.1%} "
            + (f"| {o['rps'] / s['rps']:,.1f}x |" if s["rps"] else "| n/a |")
        )
    print()
    print("| checkout (3 merchants, guest) | ours orders/s | stock orders/s | ours / stock |")
    print("|---|---|---|---|")
    for threads in r["checkout_threads"]:
        o, s = ours["checkout"][str(threads)], stock["checkout"][str(threads)]
        note = ""
        if o["failed"] or s["failed"]:
            note = f" (failed: ours {o['failed']} {o['first_failure']}; stock {s['failed']} {s['first_failure']})"
        ratio = o["orders_per_s"] / s["orders_per_s"] if s["orders_per_s"] else float("inf")
        print(
            f"| {threads} buyer(s) at once{note} | {o['orders_per_s']:.2f} "
            f"| {s['orders_per_s']:.2f} | {ratio:.1f}x |"
        )
    print()
    print("Checkout steps, median ms (one buyer at a time / four at once):")
    for label, shop_result in (("ours", ours), ("stock", stock)):
        one, four = (shop_result["checkout"][str(t)].get("steps_ms", {}) for t in (1, 4))
        detail = ", ".join(f"{k} {v:,.0f}/{four.get(k, 0):,.0f}" for k, v in one.items())
        print(f"  {label}: {detail}")
    print()
    print(
        "| SQL queries per page (in-process, DEBUG on) | cold @ 1,000 | cold @ N | warm @ 1,000 | warm @ N |"
    )
    print("|---|---|---|---|---|")
    small, full = r["queries"]["small"], r["queries"]["full"]
    for name in r["inprocess_pages"]:
        print(
            f"| {name} | {small[name]['cold_queries']} | {full[name]['cold_queries']} "
            f"| {small[name]['warm_queries']} | {full[name]['warm_queries']} |"
        )
    steps = full.get(CHECKOUT_STEPS)
    if steps:
        print()
        print("| guest checkout step, in-process (DEBUG on, median) | SQL queries | ms |")
        print("|---|---|---|")
        for name, figures in steps.items():
            print(f"| {name} | {figures['queries']:.0f} | {figures['ms']:.1f} |")
    if "scale" in r:
        print()
        print(
            "| page time in-process, DEBUG off (median ms) | served @ 1,000 | served @ 100,000 "
            "| ratio | rendered uncached @ 1,000 | @ 100,000 | ratio |"
        )
        print("|---|---|---|---|---|---|---|")
        for name in r["inprocess_pages"]:
            a, b = r["scale"]["small"][name], r["scale"]["large"][name]
            print(
                f"| {name} | {a['served_ms']:.2f} | {b['served_ms']:.2f} "
                f"| {b['served_ms'] / a['served_ms']:.2f} | {a['rendered_ms']:.1f} "
                f"| {b['rendered_ms']:.1f} | {b['rendered_ms'] / a['rendered_ms']:.2f} |"
            )
    mem = r["memory"]
    print()
    print(f"Worker memory (VmRSS), ours, before and after {mem['requests']:,} requests:")
    for pid, before in mem["before"].items():
        after = mem["after"].get(pid)
        if after is None:
            print(f"  worker {pid}: {before / 1024:.1f} MiB -> (gone: restarted)")
        else:
            print(
                f"  worker {pid}: {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB ({after / before - 1:+.1%})"
            )

    # --- targets
    results: list[tuple[str, bool | None, str]] = []
    read_pages = [n for n in r["pages"] if n != "home"]
    for name in read_pages:
        o, s = ours["pages"][name], stock["pages"][name]
        if name.startswith("catalogue") or name in ("category", "search"):
            need = 50
        elif name == "product":
            need = 5
        else:
            continue
        if not s["rps"]:
            results.append(
                (
                    f"{name}: >= {need}x stock Oscar",
                    None,
                    f"stock Oscar answered no request in {args.seconds} s: raise --seconds",
                )
            )
            continue
        ratio = o["rps"] / s["rps"]
        results.append(
            (
                f"{name}: >= {need}x stock Oscar",
                ratio >= need,
                f"{ratio:,.1f}x ({o['rps']:,.0f} vs {s['rps']:,.1f} req/s)",
            )
        )
    for name in r["pages"]:
        o = ours["pages"][name]
        share = o["rps"] / bare_ours["rps"]
        ok = share >= 0.20 and o["p99_ms"] < 100 and not o["errors"]
        results.append(
            (
                f"{name}: >= 20% of the bare ceiling, p99 < 100 ms",
                ok,
                f"{share:.1%} of {bare_ours['rps']:,.0f} req/s, p99 {o['p99_ms']:.1f} ms"
                + (f", {o['errors']} errors" if o["errors"] else ""),
            )
        )
    for threads in r["checkout_threads"]:
        o, s = ours["checkout"][str(threads)], stock["checkout"][str(threads)]
        ratio = o["orders_per_s"] / s["orders_per_s"] if s["orders_per_s"] else float("inf")
        results.append(
            (
                f"checkout, {threads} at once: >= 3x stock Oscar's orders/s",
                ratio >= 3 and not o["failed"],
                f"{ratio:.1f}x ({o['orders_per_s']:.2f} vs {s['orders_per_s']:.2f} orders/s)",
            )
        )
    same = all(small[n]["cold_queries"] == full[n]["cold_queries"] for n in r["inprocess_pages"])
    results.append(
        (
            f"SQL queries per page the same at 1,000 and {args.products:,} products",
            same,
            ", ".join(
                f"{n} {small[n]['cold_queries']}/{full[n]['cold_queries']}"
                for n in r["inprocess_pages"]
            ),
        )
    )
    if "scale" in r:
        worst = max(
            (r["scale"]["large"][n]["served_ms"] / r["scale"]["small"][n]["served_ms"], n)
            for n in r["inprocess_pages"]
        )
        results.append(
            (
                "page time at 100,000 products <= 1.3x the time at 1,000 (served)",
                worst[0] <= 1.3,
                f"worst {worst[1]} {worst[0]:.2f}x",
            )
        )
        worst = max(
            (r["scale"]["large"][n]["rendered_ms"] / r["scale"]["small"][n]["rendered_ms"], n)
            for n in r["inprocess_pages"]
        )
        results.append(
            (
                "page time at 100,000 products <= 1.3x at 1,000 (rendered, page cache off)",
                worst[0] <= 1.3,
                f"worst {worst[1]} {worst[0]:.2f}x",
            )
        )
    else:
        results.append(("page time at 100,000 vs 1,000 products", None, "run with --scale-check"))
    growth = [
        mem["after"][pid] / before - 1
        for pid, before in mem["before"].items()
        if pid in mem["after"]
    ]
    results.append(
        (
            f"worker memory within 10% after {mem['requests']:,} requests",
            bool(growth) and max(growth) <= 0.10,
            ", ".join(f"{g:+.1%}" for g in growth) or "workers restarted",
        )
    )
    results.append(("webhook intake >= 1,000 events/s", None, "not measured by this benchmark"))
    print()
    for label, ok, detail in results:
        verdict = "PASS" if ok else ("----" if ok is None else "FAIL")
        print(f"{verdict}  {label}: {detail}")
    return results


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark the marketplace against stock django-oscar 4.2.1 (needs wrk: "
        "apt-get install wrk).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument(
        "--products", type=int, default=int(os.environ.get("BENCH_PRODUCTS", 10_000))
    )
    parser.add_argument(
        "--merchants", type=int, default=int(os.environ.get("BENCH_MERCHANTS", 200))
    )
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--orders",
        type=int,
        default=int(os.environ.get("BENCH_ORDERS", 24)),
        help="orders placed per checkout measurement (default 24)",
    )
    parser.add_argument(
        "--scale-check",
        action="store_true",
        help="also seed 100,000 products and compare page times with 1,000",
    )
    parser.add_argument("--port", type=int, default=8761, help="the marketplace's port")
    parser.add_argument("--stock-port", type=int, default=8762, help="stock Oscar's port")
    parser.add_argument(
        "--ours-root",
        type=Path,
        default=ROOT,
        help="the marketplace tree to serve (default: this one)",
    )
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=MEMORY_REQUESTS,
        help="requests between the two worker memory readings (default 10,000)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--inprocess", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inprocess:
        inprocess_main(json.loads(args.inprocess))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian), then run again")
    for var in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(var):
            sys.exit(f"{var} is not set (make bench starts embedded servers when it is unset)")
    if args.products < SMALL_PRODUCTS:
        sys.exit(f"--products must be at least {SMALL_PRODUCTS:,}")
    VAR.mkdir(parents=True, exist_ok=True)
    base = os.environ["DATABASE_URL"]
    prefix = urlsplit(base).path.lstrip("/") or "postgres"
    names = {"ours": f"{prefix}_bench_ours", "stock": f"{prefix}_bench_stock"}

    whoosh_install()
    ours = ours_shop(args, database_recreate(base, names["ours"]), args.ours_root.resolve())
    stock = stock_shop(args, database_recreate(base, names["stock"]))
    r: dict = {"ours": {"pages": {}, "checkout": {}}, "stock": {"pages": {}, "checkout": {}}}
    try:
        t = time.monotonic()
        log("migrating both databases")
        migrate = [
            threading.Thread(target=ours.run, args=("manage.py", "migrate", "--noinput")),
            threading.Thread(target=stock.run, args=("-m", "django", "migrate", "--noinput")),
        ]
        for thread in migrate:
            thread.start()
        for thread in migrate:
            thread.join()
        log(f"migrated in {time.monotonic() - t:.0f} s; seeding {SMALL_PRODUCTS:,} products")
        seed_structure(ours.url, merchants=args.merchants, ours=True)
        seed_structure(stock.url, merchants=args.merchants, ours=False)
        have = seed_to(ours.url, have=0, want=SMALL_PRODUCTS, ours=True)
        pages_small = shop_urls(ours.url, products=SMALL_PRODUCTS)
        inprocess_pages = {k: v for k, v in pages_small.items() if k != "home"}
        inprocess_pages = {
            ("catalogue deep" if k.startswith("catalogue p") and k != "catalogue p1" else k): v
            for k, v in inprocess_pages.items()
        }
        r["inprocess_pages"] = list(inprocess_pages)
        r["queries"] = {"small": inprocess(ours, inprocess_pages, debug=True, repeat=3)}
        if args.scale_check:
            r["scale"] = {"small": inprocess(ours, inprocess_pages, debug=False, repeat=15)}
        t = time.monotonic()
        have = seed_to(ours.url, have=have, want=args.products, ours=True)
        seed_to(stock.url, have=0, want=args.products, ours=False)
        log(f"seeded {args.products:,} products into both in {time.monotonic() - t:.0f} s")
        pages = shop_urls(ours.url, products=args.products)
        full_pages = dict(inprocess_pages)
        full_pages["catalogue deep"] = next(
            v for k, v in pages.items() if k.startswith("catalogue p") and k != "catalogue p1"
        )
        for key in ("category", "product"):
            full_pages[key] = pages[key]
        r["queries"]["full"] = inprocess(
            ours,
            full_pages,
            debug=True,
            repeat=3,
            checkout=checkout_products(ours.url, count=CHECKOUT_INPROCESS_BASKETS),
        )
        r["pages"] = list(pages)

        t = time.monotonic()
        log("building stock Oscar's Whoosh index")
        shutil.rmtree(VAR / "whoosh-index", ignore_errors=True)
        # one batch: Whoosh merges its segments at every batch's commit, slower with each one
        stock.run("-m", "django", "update_index", "--batch-size", "100000", "--verbosity", "0")
        log(f"indexed in {time.monotonic() - t:.0f} s; collecting static files for ours")
        ours.run("manage.py", "collectstatic", "--noinput", "--verbosity", "0")

        for shop in (ours, stock):
            shop_pages = shop_urls(shop.url, products=args.products)
            log(f"serving {shop.name} on {shop.base}")
            shop.start()
            try:
                r[shop.name]["bare"] = wrk(
                    shop, "/healthz", seconds=args.seconds, connections=args.connections
                ).__dict__
                for name, path in shop_pages.items():
                    load = wrk(shop, path, seconds=args.seconds, connections=args.connections)
                    r[shop.name]["pages"][name] = load.__dict__
                    log(
                        f"{shop.name} {name}: {load.rps:,.1f} req/s, p50 {load.p50_ms:.1f} ms, "
                        f"p99 {load.p99_ms:.1f} ms, HTTP {load.status}, {load.errors} errors"
                    )
                if shop is ours:
                    log(f"memory: {args.memory_requests:,} requests over the read pages")
                    r["memory"] = memory_check(
                        shop,
                        list(shop_pages.values()),
                        connections=args.connections,
                        count=args.memory_requests,
                    )
                r["checkout_threads"] = [1, 4]
                for threads in r["checkout_threads"]:
                    baskets = checkout_products(shop.url, count=args.orders)
                    rate = checkout_rate(shop, baskets, threads=threads, card=shop is ours)
                    r[shop.name]["checkout"][str(threads)] = rate
                    log(
                        f"{shop.name} checkout x{threads}: {rate['orders_per_s']:.2f} orders/s "
                        f"({rate['placed']} placed, {rate['failed']} failed, "
                        f"{rate['order_rows']} order rows) {rate['first_failure']}"
                    )
            finally:
                shop.stop()

        if args.scale_check:
            t = time.monotonic()
            seed_to(ours.url, have=have, want=SCALE_PRODUCTS, ours=True)
            log(f"seeded up to {SCALE_PRODUCTS:,} products in {time.monotonic() - t:.0f} s")
            large = shop_urls(ours.url, products=SCALE_PRODUCTS)
            scale_pages = dict(inprocess_pages)
            scale_pages["catalogue deep"] = next(
                v for k, v in large.items() if k.startswith("catalogue p") and k != "catalogue p1"
            )
            r["scale"]["large"] = inprocess(ours, scale_pages, debug=False, repeat=15)
    finally:
        ours.stop()
        stock.stop()
        if not args.keep:
            database_drop(base, names["ours"])
            database_drop(base, names["stock"])
    results = report(r, args)
    r["targets"] = [{"target": a, "pass": b, "detail": c} for a, b, c in results]
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
