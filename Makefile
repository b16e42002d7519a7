# Mashhad e-City Marketplace. `make demo` runs it with demo data; `make test` runs the checks.
# With DATABASE_URL / REDIS_URL unset, both start embedded PostgreSQL and Redis (marketplace/devservices.py).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN := $(PY) -m marketplace.devservices run --
STAMP := $(VENV)/.installed-$(shell cksum requirements/lock.txt | cut -d' ' -f1)
export PYTHONWARNINGS ?= ignore::UserWarning:platformdirs.api
# Type-checked strictly so far: the money kernel and the Stripe adapter (against the SDK's types).
MYPY_PATHS := marketplace/core/money.py payments/gateways/stripe

.PHONY: install demo demo-otp test lint check pytest reliability bench bench-import bench-settlement bench-webhooks clean-var

install: $(STAMP)

$(STAMP): requirements/lock.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	$(RUN) bash scripts/demo.sh

# The current two-factor code of the demo's staff users (admin, finance, customs officer).
demo-otp: install
	@$(PY) -m accounts_security.demo_otp

test: install
	$(RUN) $(MAKE) --no-print-directory check pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(MYPY_PATHS)

# Needs DATABASE_URL and REDIS_URL (make test provides them).
check: lint
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# The test settings always: `python -m marketplace.devservices` imports the project package, whose
# Celery module sets DJANGO_SETTINGS_MODULE to the local settings for every child process.
pytest:
	DJANGO_SETTINGS_MODULE=marketplace.settings.test $(PY) -m pytest $(PYTEST_ARGS)

# The reliability suite of issue 8 at full size (races, replays, shuffled webhooks, a killed worker,
# a restarted database); `make test` runs it at CI sizes. Each scenario prints a RELIABILITY line.
reliability: install
	$(RUN) env RELIABILITY_FULL=1 DJANGO_SETTINGS_MODULE=marketplace.settings.test $(PY) -m pytest tests/reliability -p no:cacheprovider -s -m reliability $(PYTEST_ARGS)

# Catalogue import speed (10,000 rows by default): make bench-import BENCH_ARGS="--rows 20000 --format xlsx"
bench-import: install
	$(RUN) $(PY) benchmarks/bench_import.py $(BENCH_ARGS)

# Settlement speed (100,000 paid order lines by default, in a throwaway <db>_bench database):
# make bench-settlement BENCH_ARGS="--lines 1000000"
bench-settlement: install
	$(RUN) $(PY) benchmarks/bench_settlement.py $(BENCH_ARGS)

# Storefront speed against stock django-oscar 4.2.1, targets of issue 8 (needs wrk: apt-get install wrk).
# Size by BENCH_PRODUCTS / BENCH_MERCHANTS (10,000 / 200); make bench BENCH_ARGS="--seconds 20 --scale-check"
bench: install
	$(RUN) $(PY) benchmarks/bench_shop.py $(BENCH_ARGS)

# Webhook intake speed, issue 8 (>= 1,000 events/s, 30% duplicates removed; needs wrk):
# make bench-webhooks BENCH_ARGS="--seconds 20 --connections 32"
bench-webhooks: install
	$(RUN) $(PY) benchmarks/bench_webhooks.py $(BENCH_ARGS)

clean-var:
	rm -rf var/postgres var/redis
