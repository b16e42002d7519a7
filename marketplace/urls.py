from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts_security.audit_views import AuditLogView
from marketplace.core import health

# A database outage answers 503 + Retry-After, other errors Django's 500 (marketplace/core/errors.py).
handler500 = "marketplace.core.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("currency/", include("currencies.urls")),
    path("admin/", admin.site.urls),
    path("two-factor/", include("accounts_security.urls")),
    path("merchants/", include("merchants.urls")),
    path("customs/", include("customs.urls")),
]
urlpatterns += [path("dashboard/imports/", include("catalogue_imports.urls"))]
urlpatterns += [path("dashboard/merchant/", include("merchants.dashboard.urls"))]
urlpatterns += [path("payments/", include("payments.urls"))]
urlpatterns += [
    path("finance/audit/", AuditLogView.as_view(), name="audit-log"),
    path("finance/fees/", include("fees.urls")),
    path("finance/reconciliation/", include("reconciliation.urls")),
    path("finance/", include("finance.urls")),
    path("transparency/", include("finance.transparency_urls")),
]
urlpatterns += [path("", include(apps.get_app_config("oscar").urls[0]))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
