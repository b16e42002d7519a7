#!/usr/bin/env bash
# Runs inside marketplace.devservices (DATABASE_URL and REDIS_URL are set): migrate, load the
# demo data, then web + worker + beat under honcho until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
export PORT DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-marketplace.settings.local}"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo
# Pay merchants whose holds have passed (the beat schedule also runs this daily), then check that
# every transaction balances and every cached balance equals its entries.
.venv/bin/python manage.py settle
.venv/bin/python manage.py ledger_check
printf '\n  Mashhad e-City Marketplace: http://127.0.0.1:%s/   (dashboard /dashboard/, finance /finance/, transparency /transparency/, admin /admin/)\n\n' "$PORT"
exec .venv/bin/honcho start -f Procfile
