"""Settings shared by every environment; values that differ come from the environment."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oscar.defaults import *

from marketplace.env import BASE_DIR, database_config, env, redis_url
from merchants.dashboard.nav_access import merchant_nav_access

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Oscar's migrations follow this; it must never change after the first migration.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "modeltranslation",  # before admin, as its docs require
    # Django's admin as an OTPAdminSite (accounts_security.admin_site): staff verify a second factor.
    "accounts_security.admin_apps.MarketplaceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.postgres",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    # Forked (no models): one order per merchant through purchases.services.
    "marketplace.oscar_apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    # Forked to own migrations for translated columns (see marketplace/oscar_apps/README.md).
    "marketplace.oscar_apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    # Forked (no models of its own): strategy.py sells only from trading merchants.
    "marketplace.oscar_apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    # Forked (no models, no migrations): catalogue, category and search pages from PostgreSQL.
    "marketplace.oscar_apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    # Forked (no models): dashboard closed to all but superusers and merchant staff; the
    # orders and catalogue forks scope merchant staff to their own (marketplace/oscar_apps/README.md).
    "marketplace.oscar_apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "marketplace.oscar_apps.dashboard.orders.apps.OrdersDashboardConfig",
    "marketplace.oscar_apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    # Oscar's third-party dependencies
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    "pgtrigger",
    "pghistory",
    # Ours
    "marketplace.core",
    "marketplace.demo",
    "merchants",
    "payments",
    "customs",
    "catalogue_imports",
    "purchases",
    "ledger",
    "fees",
    "settlement",
    "reconciliation",
    "finance",
    # Oscar's product view, basket and purchase counters, counted in Redis (after Oscar's analytics).
    "product_stats",
]

SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database outage answers 503 + Retry-After instead of 500 (marketplace/core/errors.py).
    "marketplace.core.errors.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "i18n.middleware.LanguageFallbackMiddleware",  # ?language=, bad codes fall back
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

DATABASES = {"default": database_config()}

REDIS_URL = redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mkt"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+IP is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"

# Internationalisation: Persian, English, Arabic, Russian.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="fa")
LANGUAGES = [
    ("fa", _("Persian")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "fa")

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="market@mashhad.example")

# --- Oscar ---------------------------------------------------------------------------------
OSCAR_SHOP_NAME = env.str("SHOP_NAME", default="Mashhad e-City Marketplace")
OSCAR_SHOP_TAGLINE = _("Saffron, pistachios, carpets and turquoise from Mashhad's merchants")
OSCAR_DEFAULT_CURRENCY = env.str("MARKETPLACE_CURRENCY", default="IRR")
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT = True
OSCAR_PRODUCTS_PER_PAGE = 24
# Postcodes are optional: several destination countries have none.
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line4", "country")
OSCAR_SLUG_ALLOW_UNICODE = True
# Stock alerts are sent by a periodic task, not inline with every stock write.
OSCAR_EAGER_ALERTS = False
OSCAR_THUMBNAILER = "oscar.core.thumbnails.SorlThumbnail"

# Merchant staff's own pages in Oscar's dashboard menu.
OSCAR_DASHBOARD_NAVIGATION = [
    *OSCAR_DASHBOARD_NAVIGATION,
    {
        "label": _("Merchant"),
        "icon": "fas fa-store",
        "children": [
            {
                "label": _("Catalogue import"),
                "url_name": "catalogue_imports:upload",
                "access_fn": merchant_nav_access,
            },
            {
                "label": _("Money"),
                "url_name": "merchant_dashboard:money",
                "access_fn": merchant_nav_access,
            },
        ],
    },
]

# Per-merchant delivery charges in minor units of OSCAR_DEFAULT_CURRENCY (purchases.shipping).
MARKETPLACE_SHIPPING = {
    "domestic_country": "IR",
    "domestic_per_merchant_minor": env.int("SHIPPING_DOMESTIC_MINOR", default=600_000),
    "domestic_free_from_minor": env.int("SHIPPING_DOMESTIC_FREE_FROM_MINOR", default=50_000_000),
    "international_base_minor": env.int("SHIPPING_INTERNATIONAL_BASE_MINOR", default=4_000_000),
    "international_per_kg_minor": env.int("SHIPPING_INTERNATIONAL_PER_KG_MINOR", default=1_500_000),
    "default_weight_grams": 500,
}

# --- Payments (payments/) -------------------------------------------------------------------
# The gateway: "sandbox" (offline, Stripe's test cards) or "stripe"; empty = Stripe when
# STRIPE_SECRET_KEY is set, else the sandbox. No defaults for secrets.
PAYMENTS_GATEWAY = env.str("PAYMENTS_GATEWAY", default="")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Where the Stripe SDK sends requests; set to the local Stripe fake in development and tests.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Signs the sandbox's events; empty = derived from SECRET_KEY.
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="")
# Payments still created or awaiting 3-D Secure after this are expired and their basket reopened.
PAYMENT_AUTHORISATION_TTL_MINUTES = env.int("PAYMENT_AUTHORISATION_TTL_MINUTES", default=30)

# Catalogue, category and search pages are served from PostgreSQL (marketplace.oscar_apps.search);
# haystack stays installed only because Oscar imports it, with nothing indexed.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

THUMBNAIL_KVSTORE = "sorl.thumbnail.kvstores.cached_db_kvstore.KVStore"

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "stock-alerts": {"task": "core.stock_alerts_send", "schedule": 60 * 60},
    # Money with no order: place or release (payments.services.payments_reconcile_orphans).
    "payments-reconcile-orphans": {"task": "payments.reconcile_orphans", "schedule": 5 * 60},
    # Abandoned 3-D Secure and unanswered authorisations: expire, reopen the basket.
    "payments-expire-stale": {"task": "payments.expire_stale", "schedule": 5 * 60},
    # Product views, basket additions and purchases counted in Redis into Oscar's ProductRecord.
    "product-stats-flush": {"task": "product_stats.counters_flush", "schedule": 60},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "oscar": {"level": "WARNING"},
    },
}

# --- Settlement (settlement/: holds, releases, payouts; issue #5) ---------------------------
# Merchant orders walk this pipeline in the merchant's dashboard; "Delivered" starts the hold.
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Processing", "Cancelled"),
    "Processing": ("Shipped", "Cancelled"),
    "Shipped": ("Delivered",),
    "Delivered": (),
    "Cancelled": (),
}
SETTLEMENT_DELIVERED_STATUS = "Delivered"
# The return window: a merchant order's earnings stay pending this many days after delivery.
SETTLEMENT_HOLD_DAYS = env.int("SETTLEMENT_HOLD_DAYS", default=7)
# On a refund or a lost dispute the platform gives back its commission share ("refund"), or
# keeps it and the merchant bears it too ("keep").
SETTLEMENT_COMMISSION_REFUND = env.str("SETTLEMENT_COMMISSION_REFUND", default="refund")
# Available balances below this (IRR minor units) wait for the next run.
SETTLEMENT_PAYOUT_MINIMUM_MINOR = env.int("SETTLEMENT_PAYOUT_MINIMUM_MINOR", default=1_000_000)
# When `settlement.run` releases holds and pays out: a crontab "minute hour day month weekday"
# in CELERY_TIMEZONE (Asia/Tehran).
SETTLEMENT_PAYOUT_SCHEDULE = env.str("SETTLEMENT_PAYOUT_SCHEDULE", default="0 2 * * *")
# The gateway payouts go through; empty: the active one (PAYMENTS_GATEWAY).
SETTLEMENT_PAYOUT_GATEWAY = env.str("SETTLEMENT_PAYOUT_GATEWAY", default="")
# Country of merchants' payout accounts at the processor.
SETTLEMENT_PAYOUT_ACCOUNT_COUNTRY = env.str("SETTLEMENT_PAYOUT_ACCOUNT_COUNTRY", default="IR")


def _settlement_crontab(spec: str):
    from celery.schedules import crontab

    minute, hour, day_of_month, month_of_year, day_of_week = spec.split()
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


CELERY_BEAT_SCHEDULE.update(
    {
        # Release due holds, post what is missing, build and pay payouts.
        "settlement-run": {
            "task": "settlement.run",
            "schedule": _settlement_crontab(SETTLEMENT_PAYOUT_SCHEDULE),
        },
        # Belt and braces: postings that could not be made with their payment event.
        "settlement-post-missing": {"task": "settlement.post_missing", "schedule": 15 * 60},
        # Holds whose return window ended move to available between the daily runs too.
        "settlement-release-due": {"task": "settlement.release_due", "schedule": 60 * 60},
    }
)

# --- Reconciliation (reconciliation/; issue #5) and the sandbox's processor fee --------------
# The sandbox gateway's fee on a capture: basis points of the captured amount (rounded half up)
# plus a fixed part in minor units, so the demo books a processor fee as Stripe's would.
SANDBOX_FEE_BPS = env.int("SANDBOX_FEE_BPS", default=150)
SANDBOX_FEE_FIXED_MINOR = env.int("SANDBOX_FEE_FIXED_MINOR", default=0)
# Gateways `reconciliation.run_daily` reconciles; empty: the sandbox, and Stripe when
# STRIPE_SECRET_KEY is set.
RECONCILIATION_GATEWAYS = env.list("RECONCILIATION_GATEWAYS", default=[])
# Yesterday's processor balance transactions against the ledger, at 03:30 (CELERY_TIMEZONE).
from celery.schedules import crontab as _crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["reconciliation-daily"] = {
    "task": "reconciliation.run_daily",
    "schedule": _crontab(minute=30, hour=3),
}

# --- Customs (customs/: declarations, lanes, the officers' workspace, hooks; issue #6) --------
# Who decides about a declaration: "inhouse" (officers at /customs/) or "http" (a customs
# system: each declaration's e-CN23 is POSTed to CUSTOMS_HTTP_URL, signed the Standard Webhooks
# way with CUSTOMS_HTTP_SECRET; it calls back /customs/hooks/status/ signed with
# CUSTOMS_HOOK_SECRET). Secrets are "whsec_" + base64; no defaults. The callback endpoint is off
# (404) while CUSTOMS_HOOK_SECRET is empty.
CUSTOMS_BACKEND = env.str("CUSTOMS_BACKEND", default="inhouse")
CUSTOMS_HTTP_URL = env.str("CUSTOMS_HTTP_URL", default="")
CUSTOMS_HTTP_SECRET = env.str("CUSTOMS_HTTP_SECRET", default="")
CUSTOMS_HOOK_SECRET = env.str("CUSTOMS_HOOK_SECRET", default="")
CUSTOMS_HTTP_TIMEOUT_SECONDS = env.float("CUSTOMS_HTTP_TIMEOUT_SECONDS", default=10.0)
# Retries of a failed delivery: base × 2^n seconds apart; then it joins the dead-letter list.
CUSTOMS_HTTP_MAX_RETRIES = env.int("CUSTOMS_HTTP_MAX_RETRIES", default=6)
CUSTOMS_HTTP_RETRY_BASE_SECONDS = env.float("CUSTOMS_HTTP_RETRY_BASE_SECONDS", default=30.0)
# In-house lanes released at once (blue: released, flagged for post-clearance audit).
CUSTOMS_AUTO_RELEASE_LANES = tuple(
    env.list("CUSTOMS_AUTO_RELEASE_LANES", default=["green", "blue"])
)
# Red-lane releases need a second officer's approval.
CUSTOMS_RED_RELEASE_SECOND_OFFICER = env.bool("CUSTOMS_RED_RELEASE_SECOND_OFFICER", default=False)
# Hours from lane assignment to release or rejection, per lane; past it the declaration is
# marked breached and escalated (beat "customs-sla-escalate").
CUSTOMS_SLA_HOURS = {"green": 4, "blue": 4, "yellow": 24, "red": 48}
# Who is emailed when an SLA is breached (besides the assigned officer).
CUSTOMS_ESCALATION_EMAILS = env.list("CUSTOMS_ESCALATION_EMAILS", default=[])
CELERY_BEAT_SCHEDULE["customs-sla-escalate"] = {
    "task": "customs.sla_escalate",
    "schedule": 15 * 60,
}

# --- Languages, calendars and display currencies (i18n/, currencies/; issue #7) ---------------
# Dates read in the Jalali calendar under Persian (i18n.formatting); ?language=xx and bad language
# cookies fall back cleanly (i18n.middleware). The language switcher returns to the same page.
INSTALLED_APPS += ["i18n", "currencies"]
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "i18n.context_processors.language",  # after Oscar's metadata: overrides its switcher `next`
    "currencies.context_processors.display_currency",
]
# Oscar's {% load currency_filters %} with Persian digits under Persian (i18n/templatetags).
TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["currency_filters"] = (
    "i18n.templatetags.currency_filters"
)
# Django's `date` and `time` filters, and plain {{ date }} (i18n.apps), Jalali under Persian in
# every template, Oscar's included (i18n/dateformat.py); after Django's builtins, so ours win.
TEMPLATES[0]["OPTIONS"].setdefault("builtins", []).append("i18n.templatetags.jalali_builtins")
# Oscar's classes replaced without forking their app (marketplace/oscar_apps/class_loader.py).
OSCAR_DYNAMIC_CLASS_LOADER = "marketplace.oscar_apps.class_loader.class_loader"
# Prices are charged in OSCAR_DEFAULT_CURRENCY; buyers may also see them, approximately, in one
# of these (plus Toman when the marketplace currency is IRR), from currencies.ExchangeRate.
DISPLAY_CURRENCIES = env.list(
    "DISPLAY_CURRENCIES", default=["AFN", "IQD", "TMT", "PKR", "AZN", "TRY", "USD", "EUR"]
)
# The display currency of a buyer who has not picked one; empty: the marketplace currency.
CURRENCY_DISPLAY_DEFAULT = env.str("CURRENCY_DISPLAY_DEFAULT", default="")
# A rate older than this is shown with a warning that it may be out of date.
CURRENCY_RATE_STALE_HOURS = env.int("CURRENCY_RATE_STALE_HOURS", default=24)
# Where `currencies.rates_refresh` reads rates (JSON: {"base", "rates", "timestamp"}; see
# currencies/services.py); off while empty.
CURRENCY_RATES_URL = env.str("CURRENCY_RATES_URL", default="")
CURRENCY_RATES_TIMEOUT_SECONDS = env.float("CURRENCY_RATES_TIMEOUT_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["currencies-rates-refresh"] = {
    "task": "currencies.rates_refresh",
    "schedule": env.int("CURRENCY_RATES_REFRESH_MINUTES", default=60) * 60,
}

# --- Security (accounts_security/; issue #8) -------------------------------------------------
# `manage.py check --fail-level WARNING` (and `--deploy` under production settings) runs clean.
# Silenced checks, and why:
SILENCED_SYSTEM_CHECKS = [
    # "currency_filters" is registered twice on purpose: i18n.templatetags.currency_filters
    # replaces Oscar's (Persian digits), see that module's docstring.
    "templates.W003",
]
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "accounts_security",
    "django.forms",  # Django's widget templates, for the TemplatesSetting renderer
]
# Widgets render through TEMPLATES, so templates/ can override Oscar's widget templates (the image
# widget's inline handlers, which the CSP forbids).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
_auth_index = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE[_auth_index + 1 : _auth_index + 1] = [
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    # Privileged staff without a verified second factor → verify or enrol (accounts_security).
    "accounts_security.middleware.StaffOTPRequiredMiddleware",
]
MIDDLEWARE += [
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "accounts_security.csp.MarketplaceCSPMiddleware",
    # Last, as django-axes requires: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]
# Superusers and the Customs officers / Municipal finance / Municipal staff groups must verify a
# TOTP code (or a backup token) before /admin/, /dashboard/, /finance/, /customs/ and
# /merchants/review/. Merchant staff may enrol a device but are not required to.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = OSCAR_SHOP_NAME
# Backup tokens shown once at enrolment.
STAFF_OTP_BACKUP_TOKENS = 10

# django-axes: lock a username from one IP address out after AXES_FAILURE_LIMIT failed logins,
# for AXES_COOLOFF_MINUTES; a successful login resets the count.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
from datetime import timedelta as _timedelta  # noqa: E402

AXES_COOLOFF_TIME = _timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts_security.lockout.lockout_response"
# Oscar's login form posts "login-username" (an email); the backends receive it as `username`.
AXES_USERNAME_FORM_FIELD = "username"
# The client's address: REMOTE_ADDR, or behind N trusted reverse proxies the Nth address from
# the right of X-Forwarded-For (accounts_security.lockout.client_ip).
SECURITY_TRUSTED_PROXY_COUNT = env.int("SECURITY_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts_security.lockout.client_ip"
AXES_VERBOSE = False

# Uploads: the largest licence scan (merchant applications) and catalogue import file accepted.
LICENCE_SCAN_MAX_BYTES = env.int("LICENCE_SCAN_MAX_BYTES", default=5 * 1024 * 1024)
CATALOGUE_IMPORT_MAX_BYTES = env.int("CATALOGUE_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# --- Transactional outbox (outbox/; issue #8) -------------------------------------------------
# enqueue_on_commit writes each queued task to outbox.OutboxMessage in the caller's transaction
# and publishes it right after commit; what cannot be published (Redis down) is published later by
# `manage.py outbox_relay` (Procfile `relay`). At-least-once: tasks must be idempotent.
INSTALLED_APPS += ["outbox"]
# Broker connect/publish timeout for outbox publishes (the request path): a dead Redis costs at
# most this long, once; later requests skip the broker for OUTBOX_FAST_PATH_COOLDOWN_SECONDS.
OUTBOX_BROKER_CONNECT_TIMEOUT = env.float("OUTBOX_BROKER_CONNECT_TIMEOUT", default=1.0)
OUTBOX_FAST_PATH_COOLDOWN_SECONDS = env.float("OUTBOX_FAST_PATH_COOLDOWN_SECONDS", default=5.0)
# The relay leaves a new row to the request's own publish for this long before taking it over.
OUTBOX_RELAY_GRACE_SECONDS = env.float("OUTBOX_RELAY_GRACE_SECONDS", default=10.0)
OUTBOX_RELAY_MAX_BACKOFF_SECONDS = env.int("OUTBOX_RELAY_MAX_BACKOFF_SECONDS", default=60)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)

# Content-Security-Policy (django-csp 4): our own origin only; inline <script> blocks carry the
# per-request nonce (`nonce="{{ request.csp_nonce }}"`), so no 'unsafe-inline' for scripts. Oscar's
# few inline onclick="" handlers are replaced by listeners in static/security/csp-actions.js.
# style-src keeps 'unsafe-inline': Oscar's and our templates use style="" attributes (progress
# bars, widths), and TinyMCE and Bootstrap's JS set inline styles; styles cannot run code.
# Stripe's origins are added while Stripe is the gateway (accounts_security.csp).
from csp.constants import NONCE as _CSP_NONCE  # noqa: E402
from csp.constants import NONE as _CSP_NONE  # noqa: E402
from csp.constants import SELF as _CSP_SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_CSP_SELF],
        "script-src": [_CSP_SELF, _CSP_NONCE],
        "style-src": [_CSP_SELF, "'unsafe-inline'"],
        "img-src": [_CSP_SELF, "data:"],
        "font-src": [_CSP_SELF, "data:"],
        "connect-src": [_CSP_SELF],
        "frame-src": [_CSP_SELF],
        "object-src": [_CSP_NONE],
        "base-uri": [_CSP_SELF],
        "frame-ancestors": [_CSP_NONE],
    }
}
